// The SDK's base64 codec (switchyard/base64.hpp): RFC 4648 test vectors, every byte value,
// and the strict decoder's refusals.
#include <switchyard/base64.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace base64 = switchyard::base64;

TEST_CASE("base64 encodes the RFC 4648 test vectors", "[base64]") {
    CHECK(base64::encode("") == "");
    CHECK(base64::encode("f") == "Zg==");
    CHECK(base64::encode("fo") == "Zm8=");
    CHECK(base64::encode("foo") == "Zm9v");
    CHECK(base64::encode("foob") == "Zm9vYg==");
    CHECK(base64::encode("fooba") == "Zm9vYmE=");
    CHECK(base64::encode("foobar") == "Zm9vYmFy");
    CHECK(base64::encoded_size(6) == 8);
    CHECK(base64::encoded_size(7) == 12);
}

TEST_CASE("base64 round-trips every byte value at every alignment", "[base64]") {
    std::string bytes;
    for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
    for (size_t cut = 0; cut < 3; ++cut) {
        const std::string part = bytes.substr(cut);
        const std::string text = base64::encode(part);
        CHECK(text.size() == base64::encoded_size(part.size()));
        const auto back = base64::decode(text);
        REQUIRE(back.has_value());
        CHECK(*back == part);
    }
    CHECK(base64::encode(std::string("\xfb\xff", 2)) == "+/8=");
}

TEST_CASE("base64 decoding refuses anything but padded standard base64", "[base64]") {
    CHECK(base64::decode("Zm9vYmFy") == std::optional<std::string>("foobar"));
    CHECK(base64::decode("") == std::optional<std::string>(""));
    for (const char* bad : {"Zg", "Zg=", "Zm9", "Zg==Zg==", "Zm9v\n", " Zm9v", "Zm-v", "Zm_v",
                            "Z===", "====", "Zh==", "Zm9=", "Zm=v", "=Zm9"}) {
        INFO("decoding " << bad);
        CHECK_FALSE(base64::decode(bad).has_value());
    }
}

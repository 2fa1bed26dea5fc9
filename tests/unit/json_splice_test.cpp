#include <switchyard/json_splice.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace {

// The head {"type":"t" and the spliced data; "type" and "id" belong to the head.
std::string spliced(std::string_view data, bool* ok = nullptr) {
    std::string out = R"({"type":"t")";
    const bool done = switchyard::json::splice_data(
        out, data, [](std::string_view key) { return key == "type" || key == "id"; });
    if (ok != nullptr) *ok = done;
    return out;
}

} // namespace

TEST_CASE("splice_data adds an object's members as written, but the head's keys", "[sdk][json]") {
    CHECK(spliced(R"({"a":1,"type":"forged","b":{"c":[1,"}"]},"id":2})") ==
          R"({"type":"t","a":1,"b":{"c":[1,"}"]}})");
    CHECK(spliced(" { \"n\" : 4.5E-1 , \"s\" : \"x\\\"y\" } ") ==
          R"({"type":"t","n":4.5E-1,"s":"x\"y"})");
    CHECK(spliced("{}") == R"({"type":"t"})");
    // A head key written with escapes is still the head's.
    CHECK(spliced(R"({"\u0074ype":"forged","k":1})") == R"({"type":"t","k":1})");
}

TEST_CASE("splice_data adds any other value as the member data", "[sdk][json]") {
    CHECK(spliced("[1,2]") == R"({"type":"t","data":[1,2]})");
    CHECK(spliced(R"("text")") == R"({"type":"t","data":"text"})");
    CHECK(spliced(" 7 ") == R"({"type":"t","data":7})");
    CHECK(spliced("null") == R"({"type":"t","data":null})");
}

TEST_CASE("splice_data leaves the message alone for data that is not one JSON value",
          "[sdk][json]") {
    for (const char* bad : {"", "  ", "{", R"({"a":1)", R"({"a" 1})", R"({"a":1,})", "{} {}",
                            R"({"a":"open})", "[1,2"}) {
        CAPTURE(bad);
        bool ok = true;
        CHECK(spliced(bad, &ok) == R"({"type":"t")");
        CHECK_FALSE(ok);
    }
}

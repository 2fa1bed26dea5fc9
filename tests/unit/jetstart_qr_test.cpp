// The pairing QR code (plugins/jetstart/jetstart_qr.hpp): the companion app's payload, the
// terminal drawing and the SVG, which zbarimg (zbar-tools) reads back.
#include "jetstart_qr.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

using namespace switchyard::jetstart;

namespace {

ConnectInfo info() {
    return ConnectInfo{"192.168.1.20",
                       8765,
                       8766,
                       "0123456789abcdef0123456789abcdef",
                       "fedcba9876543210fedcba9876543210",
                       "JetStart Project"};
}

// What `zbarimg --raw` reads from the file (its trailing newline dropped).
std::string zbar_decode(const std::filesystem::path& file) {
    const std::string command = "zbarimg -q --raw '" + file.string() + "' 2>/dev/null";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), &pclose);
    REQUIRE(pipe);
    std::string out;
    std::array<char, 4096> buffer;
    while (size_t n = fread(buffer.data(), 1, buffer.size(), pipe.get()))
        out.append(buffer.data(), n);
    if (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

} // namespace

TEST_CASE("jetstart QR payload: the companion app's host|port|wsPort|session|token|project",
          "[jetstart]") {
    CHECK(qr_payload(info()) ==
          "192.168.1.20|8765|8766|0123456789abcdef0123456789abcdef|"
          "fedcba9876543210fedcba9876543210|JetStart Project");
    CHECK(connect_url(info()) == "ws://192.168.1.20:8766");
    ConnectInfo v6 = info();
    v6.host = "fe80::1";
    CHECK(connect_url(v6) == "ws://[fe80::1]:8766");
}

TEST_CASE("jetstart QR code: terminal rows, two module rows per line", "[jetstart]") {
    const QrMatrix qr = encode_qr(qr_payload(info()));
    REQUIRE(qr.width >= 21);
    CHECK((qr.width - 17) % 4 == 0); // a QR code of some version
    // The finder pattern's corner modules are dark.
    CHECK(qr.at(0, 0));
    CHECK(qr.at(qr.width - 1, 0));
    CHECK(qr.at(0, qr.width - 1));
    const std::vector<std::string> rows = terminal_rows(qr);
    CHECK(rows.size() == static_cast<size_t>((qr.width + 4 + 1) / 2));
    // The quiet zone's top line is all full blocks (light on a dark terminal).
    std::string full;
    for (int i = 0; i < qr.width + 4; ++i) full += "\u2588";
    CHECK(rows.front() == full);
    CHECK_THROWS_AS(encode_qr(std::string(8000, 'x')), std::runtime_error);
}

TEST_CASE("jetstart QR code: the SVG decodes back to the payload (zbarimg)", "[jetstart]") {
    ConnectInfo variant = info();
    SECTION("a LAN address") {}
    SECTION("generated secrets and a long project name") {
        variant.host = "workstation.local";
        variant.project_name = std::string(120, 'p');
    }
    SECTION("ports of another deployment") {
        variant.http_port = 18765;
        variant.ws_port = 18766;
    }
    const std::string payload = qr_payload(variant);
    const std::string svg = svg_document(encode_qr(payload));
    CHECK(svg.starts_with("<?xml"));
    CHECK(svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\"") != std::string::npos);
    const std::filesystem::path file = std::filesystem::temp_directory_path() /
                                       ("jetstart_qr_test_" + std::to_string(getpid()) + ".svg");
    {
        std::ofstream out(file);
        out << svg;
    }
    const std::string decoded = zbar_decode(file);
    std::filesystem::remove(file);
    CHECK(decoded == payload);
}

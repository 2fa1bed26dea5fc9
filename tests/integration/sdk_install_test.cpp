// The SDK as a third party gets it: installed under a prefix of its own, the two example
// plugins (sdk/examples: echo in C++, room in C11) copied out of the tree and built
// against that prefix only, then loaded by the kernel and used by real clients. Also the
// pkg-config file, with a compiler and nothing else, and the CMake package's version
// check.
#include "kernel_process.hpp"
#include "out_of_tree_build.hpp"
#include "plugin_control.hpp"
#include "temp_dir.hpp"
#include "test_json.hpp"
#include "toml_text.hpp"
#include "ws_client.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

using namespace switchyard::test;
namespace fs = std::filesystem;

namespace {

constexpr auto kWait = std::chrono::seconds(10);

// The SDK's version, the plugin ABI's major.minor (sdk/CMakeLists.txt reads it from plugin.h).
const std::string kSdkVersion = SWITCHYARD_SDK_VERSION;

// A copy of sdk/examples/<name> in `dir`: what a plugin author starts from, away from
// the tree, so nothing can reach back into it by a relative path.
fs::path copy_example(const TempDir& dir, const std::string& name) {
    const fs::path copy = dir.path() / "src" / name;
    fs::create_directories(copy.parent_path());
    fs::copy(source_dir() / "sdk" / "examples" / name, copy, fs::copy_options::recursive);
    return copy;
}

std::string plugin_table(const std::string& name, const fs::path& library) {
    return "[plugins." + name + "]\nenabled = true\nlibrary = " + toml_quote(library.string()) +
           "\nlisten = \"127.0.0.1:0\"\n\n";
}

void check_echo_serves(const KernelProcess& kernel) {
    const uint16_t port = kernel.plugin_port("echo");
    auto ws = WsClient::connect(port, "/ws");
    REQUIRE(ws.send_text("hello from outside the tree"));
    CHECK(next_text_or_why(ws, kWait) == "hello from outside the tree");

    const auto health = HttpClient(port).get("/health");
    CHECK(health.status == 200);
    CHECK(parse_json(health.body) == parse_json(R"({"status":"ok","connections":1})"));
}

void check_room_serves(const KernelProcess& kernel) {
    const uint16_t port = kernel.plugin_port("room");
    auto alice = WsClient::connect(port, "/ws");
    CHECK(next_text_or_why(alice, kWait) == R"({"type":"welcome","members":1})");
    auto bob = WsClient::connect(port, "/ws");
    CHECK(next_text_or_why(bob, kWait) == R"({"type":"welcome","members":2})");

    REQUIRE(alice.send_text("hi, bob"));
    CHECK(next_text_or_why(bob, kWait) == "hi, bob");
    REQUIRE(bob.send_text("hi, alice"));
    CHECK(next_text_or_why(alice, kWait) == "hi, alice");

    const auto stats = HttpClient(port).get("/stats");
    CHECK(stats.status == 200);
    CHECK(parse_json(stats.body) == parse_json(R"({"members":2,"messages":2})"));

    // The C plugin's snapshot carries its count into the next generation.
    REQUIRE(reload_plugin(kernel, "room").status == 200);
    CHECK(parse_json(HttpClient(port).get("/stats").body) ==
          parse_json(R"({"members":2,"messages":2})"));
    REQUIRE(alice.send_text("still here"));
    CHECK(next_text_or_why(bob, kWait) == "still here");

    // Binary messages are refused with the protocol's own close code.
    REQUIRE(bob.send_binary("\x01\x02"));
    CHECK(bob.wait_closed(kWait));
    CHECK(bob.close_code() == 1003);
}

} // namespace

TEST_CASE(
    "the installed SDK builds the C++ and C examples out of tree, and the kernel serves "
    "a client of each",
    "[sdk][slow]") {
    TempDir dir("sdk-install");
    const fs::path prefix = dir.path() / "prefix";
    install_sdk(prefix);
    CHECK(fs::exists(prefix / "include/switchyard/plugin.h"));
    CHECK(fs::exists(prefix / "include/switchyard/host.h"));
    CHECK(fs::exists(prefix / "lib/cmake/SwitchyardSDK/SwitchyardSDKConfig.cmake"));

    const fs::path echo_build = dir.path() / "build-echo";
    const fs::path room_build = dir.path() / "build-room";
    build_against_sdk(copy_example(dir, "echo"), echo_build, prefix);
    build_against_sdk(copy_example(dir, "room"), room_build, prefix);
    // Each found the installed package, not the tree's SDK.
    CHECK(fs::path(cmake_cache_value(echo_build, "SwitchyardSDK_DIR")) ==
          prefix / "lib/cmake/SwitchyardSDK");
    CHECK(fs::path(cmake_cache_value(room_build, "SwitchyardSDK_DIR")) ==
          prefix / "lib/cmake/SwitchyardSDK");

    auto kernel = KernelProcess::start(plugin_table("echo", echo_build / "echo.so") +
                                       plugin_table("room", room_build / "room.so"));
    check_echo_serves(kernel);
    check_room_serves(kernel);
}

TEST_CASE("the installed pkg-config file builds a C plugin with a compiler and nothing else",
          "[sdk][slow]") {
    TempDir dir("sdk-pkgconfig");
    const fs::path prefix = dir.path() / "prefix";
    install_sdk(prefix);
    const fs::path source = copy_example(dir, "room") / "room.c";
    const fs::path library = dir.path() / "out" / "room.so";
    fs::create_directories(library.parent_path());

    const std::string pc =
        "PKG_CONFIG_PATH=" + (prefix / "share/pkgconfig").string() + " pkg-config";
    CHECK(run_or_throw({"/bin/sh", "-c", pc + " --modversion switchyard-sdk"}) ==
          kSdkVersion + "\n");
    const std::string build = "set -e\ncc -std=c11 -Wall -Wextra -Werror $(" + pc +
                              " --cflags switchyard-sdk) $(" + pc +
                              " --variable=plugin_cflags switchyard-sdk) -c '" + source.string() +
                              "' -o '" + (dir.path() / "room.o").string() + "'\ncc -o '" +
                              library.string() + "' '" + (dir.path() / "room.o").string() + "' $(" +
                              pc + " --variable=plugin_ldflags switchyard-sdk)\n";
    run_or_throw({"/bin/sh", "-c", build});

    auto kernel = KernelProcess::start(plugin_table("room", library));
    const auto stats = HttpClient(kernel.plugin_port("room")).get("/stats");
    CHECK(stats.status == 200);
    CHECK(parse_json(stats.body) == parse_json(R"({"members":0,"messages":0})"));
}

TEST_CASE(
    "find_package takes a request for an older minor and refuses a newer minor or "
    "another major",
    "[sdk][slow]") {
    TempDir dir("sdk-version");
    const fs::path prefix = dir.path() / "prefix";
    install_sdk(prefix);
    auto configure = [&](const std::string& version) {
        const fs::path source = dir.path() / ("wants-" + version);
        write_file(source / "CMakeLists.txt",
                   "cmake_minimum_required(VERSION 3.20)\nproject(wants LANGUAGES C CXX)\n"
                   "find_package(SwitchyardSDK " +
                       version + " REQUIRED)\n");
        return run_to_end({cmake_command(), "-S", source.string(), "-B",
                           (dir.path() / ("build-" + version)).string(),
                           "-DCMAKE_PREFIX_PATH=" + prefix.string()},
                          std::chrono::minutes(10));
    };
    CHECK(configure("1.0").exit_code == 0);
    CHECK(configure(kSdkVersion).exit_code == 0);

    const auto newer = configure("1.99");
    CHECK(newer.exit_code != 0);
    CHECK_THAT(newer.err, Catch::Contains("1.99") && Catch::Contains(kSdkVersion));
    const auto other_major = configure("2.0");
    CHECK(other_major.exit_code != 0);
    CHECK_THAT(other_major.err, Catch::Contains("2.0") && Catch::Contains(kSdkVersion));
}

// scripts/new-plugin: the skeleton it writes, in C++ and in C, builds out of tree against
// the installed SDK, and its own test (which starts this kernel with the plugin) passes.
// Bad names and folders in use are refused before anything is written.
#include "out_of_tree_build.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

using namespace switchyard::test;
namespace fs = std::filesystem;

namespace {

std::string new_plugin_script() {
    return (source_dir() / "scripts" / "new-plugin").string();
}

// Writes, builds and tests a skeleton; returns its test's output.
std::string build_and_test_skeleton(const std::string& lang, const std::string& name) {
    TempDir dir("new-plugin");
    const fs::path prefix = dir.path() / "prefix";
    install_sdk(prefix);
    const fs::path project = dir.path() / name;
    run_or_throw({new_plugin_script(), "--lang", lang, name, project.string()});
    CHECK(fs::exists(project / "CMakeLists.txt"));
    CHECK(fs::exists(project / "test" / "serves.sh"));
    CHECK(fs::exists(project / (name + ".toml")));

    build_against_sdk(project, project / "build", prefix,
                      {"-DSWITCHYARD_EXECUTABLE=" + std::string(SWITCHYARD_BINARY)});
    CHECK(fs::exists(project / "build" / (name + ".so")));
    const auto test = run_to_end({ctest_command(), "--test-dir", (project / "build").string(),
                                  "--verbose", "--no-tests=error"},
                                 std::chrono::minutes(10));
    INFO(test.out << test.err);
    CHECK(test.exit_code == 0);
    return test.out;
}

} // namespace

TEST_CASE("new-plugin writes a C++ plugin whose own test starts the kernel with it and passes",
          "[sdk][slow]") {
    const std::string output = build_and_test_skeleton("c++", "hello");
    CHECK_THAT(output, Catch::Contains(R"(hello answered {"plugin":"hello","status":"ok")"));
}

TEST_CASE("new-plugin writes a C plugin whose own test starts the kernel with it and passes",
          "[sdk][slow]") {
    const std::string output = build_and_test_skeleton("c", "hello_c");
    CHECK_THAT(output, Catch::Contains(R"(hello_c answered {"plugin":"hello_c","status":"ok")"));
}

TEST_CASE("new-plugin refuses a bad name, an unknown language and a folder in use", "[sdk]") {
    TempDir dir("new-plugin-refusals");
    auto attempt = [&](std::vector<std::string> args) {
        args.insert(args.begin(), new_plugin_script());
        return run_to_end(args, std::chrono::seconds(60));
    };
    const auto bad_name = attempt({"Hello-World", (dir.path() / "a").string()});
    CHECK(bad_name.exit_code == 2);
    CHECK_THAT(bad_name.err, Catch::Contains("'Hello-World' is not a plugin name"));
    CHECK_FALSE(fs::exists(dir.path() / "a"));

    const auto bad_lang = attempt({"--lang", "rust", "hello", (dir.path() / "b").string()});
    CHECK(bad_lang.exit_code == 2);
    CHECK_THAT(bad_lang.err, Catch::Contains("--lang is c++ or c"));

    dir.write("used/keep.txt", "mine");
    const auto in_use = attempt({"hello", (dir.path() / "used").string()});
    CHECK(in_use.exit_code == 2);
    CHECK_THAT(in_use.err, Catch::Contains("is not empty"));
    CHECK(fs::directory_entry(dir.path() / "used" / "keep.txt").exists());
    CHECK_FALSE(fs::exists(dir.path() / "used" / "CMakeLists.txt"));
}

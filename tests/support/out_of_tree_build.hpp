// Building as a third party does: the SDK installed under a prefix of its own, and plugin
// projects configured and built against that prefix only, with the same cmake this tree
// was configured with (tests/integration/sdk_install_test.cpp, new_plugin_test.cpp).
#pragma once

#include "child_process.hpp"

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace switchyard::test {

// Runs argv (argv[0] a path; run_to_end in child_process.hpp) and throws std::runtime_error, with
// the command and its output, unless it exits 0. Returns its output.
std::string run_or_throw(const std::vector<std::string>& argv,
                         std::chrono::seconds timeout = std::chrono::seconds(600));

// `cmake --install` of this build tree's SDK component (headers, CMake package,
// pkg-config file) under `prefix`.
void install_sdk(const std::filesystem::path& prefix);

// Configures the CMake project in `source` into `build` with only `prefix` to find the
// SDK in (CMAKE_PREFIX_PATH), warnings as errors, and
// `extra_args`; then builds it. Throws std::runtime_error with cmake's output on failure.
void build_against_sdk(const std::filesystem::path& source, const std::filesystem::path& build,
                       const std::filesystem::path& prefix,
                       const std::vector<std::string>& extra_args = {});

// The value of `name` in the CMake cache of `build` ("" when absent).
std::string cmake_cache_value(const std::filesystem::path& build, const std::string& name);

// The cmake and ctest this tree was configured with, and its source and build trees.
std::string cmake_command();
std::string ctest_command();
std::filesystem::path source_dir();
std::filesystem::path build_dir();

} // namespace switchyard::test

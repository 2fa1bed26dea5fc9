// Plugin library files as a test handles them: the fixtures built into
// SWITCHYARD_TEST_PLUGIN_DIR, and replacing a library the way a rebuild does.
#pragma once

#include <filesystem>
#include <string_view>

namespace switchyard::test {

// <SWITCHYARD_TEST_PLUGIN_DIR>/<file_name>, e.g. test_plugin("counter_v1.so"). Throws
// std::runtime_error when the file is not there (the fixtures were not built).
std::filesystem::path test_plugin(std::string_view file_name);

// Makes `target` a copy of `source` the way a linker or `cp` + `mv` replaces a file: the
// bytes go to a temporary name in target's directory, which is then renamed over
// `target`, so a reader never sees a half-written file. Throws std::runtime_error.
void replace_file(const std::filesystem::path& source, const std::filesystem::path& target);

} // namespace switchyard::test

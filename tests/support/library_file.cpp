#include "library_file.hpp"

#include <cstdio>
#include <stdexcept>
#include <system_error>

namespace switchyard::test {

namespace fs = std::filesystem;

fs::path test_plugin(std::string_view file_name) {
    const fs::path path = fs::path(SWITCHYARD_TEST_PLUGIN_DIR) / file_name;
    if (!fs::is_regular_file(path))
        throw std::runtime_error("test plugin " + path.string() + " is missing (not built?)");
    return path;
}

void replace_file(const fs::path& source, const fs::path& target) {
    const fs::path partial = target.parent_path() / ("." + target.filename().string() + ".partial");
    std::error_code ec;
    fs::copy_file(source, partial, fs::copy_options::overwrite_existing, ec);
    if (ec) {
        throw std::runtime_error("copying " + source.string() + " to " + partial.string() + ": " +
                                 ec.message());
    }
    fs::rename(partial, target, ec);
    if (ec) {
        throw std::runtime_error("renaming " + partial.string() + " to " + target.string() + ": " +
                                 ec.message());
    }
}

} // namespace switchyard::test

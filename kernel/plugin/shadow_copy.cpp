#include "plugin/shadow_copy.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace switchyard {

namespace fs = std::filesystem;

std::unique_ptr<PluginLibrary> load_shadow_copy(const fs::path& source, const fs::path& shadow_dir,
                                                const PluginConfig& config, uint64_t generation) {
    std::error_code ec;
    if (!fs::is_regular_file(source, ec)) throw PluginLoadError(source, "no such file");
    const fs::path shadow = shadow_dir / (config.name + "." + std::to_string(generation) + ".so");
    fs::copy_file(source, shadow, fs::copy_options::overwrite_existing, ec);
    if (ec) throw PluginLoadError(source, "cannot copy it to " + shadow.string() + ": " + ec.message());
    try {
        auto library = PluginLibrary::load(shadow);
        fs::remove(shadow, ec);
        check_config_matches(*library, config);
        return library;
    } catch (const PluginLoadError& e) {
        fs::remove(shadow, ec);
        throw PluginLoadError(source, e.reason());
    }
}

fs::path make_shadow_dir() {
    std::string pattern = (fs::temp_directory_path() / "switchyard-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("cannot create a directory for plugin shadow copies in " +
                                 fs::temp_directory_path().string() + ": " +
                                 std::strerror(errno));
    }
    return pattern;
}

} // namespace switchyard

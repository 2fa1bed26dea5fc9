#include "plugin/shadow_copy.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <unordered_map>

namespace switchyard {

namespace fs = std::filesystem;

namespace {

// The next unused shadow file name of plugin `name` in `shadow_dir`: `<name>.<n>.so`.
fs::path next_shadow_path(const fs::path& shadow_dir, const std::string& name) {
    static std::mutex mutex;
    static std::unordered_map<std::string, uint64_t> loads; // per plugin name, process-wide
    uint64_t n = 0;
    {
        std::lock_guard lock(mutex);
        n = ++loads[name];
    }
    return shadow_dir / (name + "." + std::to_string(n) + ".so");
}

} // namespace

std::unique_ptr<PluginLibrary> load_shadow_copy(const fs::path& source, const fs::path& shadow_dir,
                                                const PluginConfig& config) {
    std::error_code ec;
    if (!fs::is_regular_file(source, ec)) throw PluginLoadError(source, "no such file");
    const fs::path shadow = next_shadow_path(shadow_dir, config.name);
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

// One plugin shared library, loaded and validated: the kernel's side of the ABI's entry
// point (switchyard_plugin_v1) and of the rules a descriptor must follow.
//
// A library that cannot serve is refused here, before any of its code but the entry
// point has run, with a message naming the library and the reason (nginx-style): a
// missing or foreign file, a missing entry point, another ABI major, a newer minor or a
// larger descriptor than this kernel knows, a malformed descriptor. A library that could
// never be unloaded (STB_GNU_UNIQUE symbols: built without -fno-gnu-unique) is refused
// before it is even mapped, at start as on a reload.
#pragma once

#include "config/config.hpp"

#include <switchyard/plugin.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace switchyard {

// A library refused by the loader; what() is "<library>: <reason>".
class PluginLoadError : public std::runtime_error {
  public:
    PluginLoadError(std::filesystem::path library, std::string reason);
    // The library's path, as given to the loader.
    const std::filesystem::path& library() const noexcept { return library_; }
    // Why it was refused, without the path.
    const std::string& reason() const noexcept { return reason_; }

  private:
    std::filesystem::path library_;
    std::string reason_;
};

// One loaded plugin image with a valid descriptor. The image is unloaded when this is
// destroyed: every instance created from the descriptor must be destroyed first.
class PluginLibrary {
  public:
    // Loads the library at `path` (RTLD_NOW | RTLD_LOCAL) and validates its descriptor.
    // Throws PluginLoadError.
    static std::unique_ptr<PluginLibrary> load(const std::filesystem::path& path);

    ~PluginLibrary();
    PluginLibrary(const PluginLibrary&) = delete;
    PluginLibrary& operator=(const PluginLibrary&) = delete;

    // The plugin's descriptor; valid while this object lives.
    const sy_plugin_v1& descriptor() const noexcept { return *descriptor_; }
    // The path the library was loaded from.
    const std::filesystem::path& path() const noexcept { return path_; }
    // The ABI the plugin was built for: "1.0".
    std::string abi_string() const;

  private:
    struct Image; // the Boost.DLL handle, kept out of this header (compile time)

    PluginLibrary(std::filesystem::path path, std::unique_ptr<Image> image,
                  const sy_plugin_v1* descriptor);

    std::filesystem::path path_;
    std::unique_ptr<Image> image_;
    const sy_plugin_v1* descriptor_;
};

// What is wrong with a descriptor this kernel would have to serve, or "" when nothing is.
// `descriptor` must be readable for at least its struct_size bytes. Checks the ABI
// version and size first, then every field and every endpoint and route.
std::string find_descriptor_problem(const sy_plugin_v1& descriptor);

// Refuses a config that does not fit the library: its table names another plugin, or it
// names an endpoint the plugin does not declare (an unnamed endpoint is allowed only for
// a plugin with exactly one endpoint). Throws PluginLoadError.
void check_config_matches(const PluginLibrary& library, const PluginConfig& config);

// Refuses a library whose plugin name is one of `loaded_names` (plugins loaded before it).
// Throws PluginLoadError.
void check_unique_name(const PluginLibrary& library, const std::vector<std::string>& loaded_names);

} // namespace switchyard

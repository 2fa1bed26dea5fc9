#include "plugin/plugin_library.hpp"

#include "plugin/abi_arrays.hpp"
#include "plugin/elf_check.hpp"

#include <boost/dll/shared_library.hpp>

#include <dlfcn.h>

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <system_error>
#include <utility>

namespace switchyard {

namespace fs = std::filesystem;

struct PluginLibrary::Image {
    boost::dll::shared_library library;
};

namespace {

// The size of each struct as ABI 1.0 defines it: the end of its last 1.0 field.
constexpr size_t kVersionFieldsEnd = offsetof(sy_plugin_v1, abi_minor) + sizeof(uint32_t);
constexpr size_t kDescriptorV1_0Size = offsetof(sy_plugin_v1, on_shutdown) + sizeof(void*);
constexpr size_t kEndpointV1_0Size = offsetof(sy_endpoint_v1, max_queued_frames) + sizeof(uint32_t);
constexpr size_t kRouteV1_0Size = offsetof(sy_route_v1, path) + sizeof(const char*);

// Longest plugin name: it becomes a log tag, a metric label and a file name.
constexpr size_t kMaxNameLength = 64;

std::string version_string(uint32_t major, uint32_t minor) {
    return std::to_string(major) + "." + std::to_string(minor);
}

std::string in_quotes(std::string_view s) {
    return "\"" + std::string(s) + "\"";
}

bool is_valid_plugin_name(std::string_view name) {
    if (name.empty() || name.size() > kMaxNameLength) return false;
    if (name.front() < 'a' || name.front() > 'z') return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

// "" when `size` fits ABI 1.0's struct of `v1_0_size` bytes, as this kernel knows it
// (`known_size`); otherwise what is wrong with it.
std::string struct_size_problem(std::string_view what, uint32_t size, size_t v1_0_size,
                                size_t known_size) {
    if (size < v1_0_size) {
        return std::string(what) + " is " + std::to_string(size) +
               " bytes, smaller than ABI 1.0's (" + std::to_string(v1_0_size) + ")";
    }
    if (size > known_size) {
        return std::string(what) + " is " + std::to_string(size) +
               " bytes, larger than this kernel knows (" + std::to_string(known_size) +
               "): built against a newer SDK";
    }
    return {};
}

std::string version_problem(const sy_plugin_v1& d) {
    if (d.struct_size < kVersionFieldsEnd) {
        return "descriptor is " + std::to_string(d.struct_size) +
               " bytes, too small to hold an ABI version";
    }
    if (d.abi_major != SY_ABI_MAJOR) {
        return "built for ABI " + std::to_string(d.abi_major) + ".x, this kernel speaks " +
               std::to_string(SY_ABI_MAJOR) + ".x";
    }
    if (d.abi_minor > SY_ABI_MINOR) {
        return "built for ABI " + version_string(d.abi_major, d.abi_minor) +
               ", newer than this kernel's " + version_string(SY_ABI_MAJOR, SY_ABI_MINOR);
    }
    return struct_size_problem("descriptor", d.struct_size, kDescriptorV1_0Size,
                               sizeof(sy_plugin_v1));
}

// SY_ROUTE_UPSTREAM is 1.4's: to an older plugin, 4 was never a kind.
std::string route_problem(const sy_route_v1& route, const std::string& where,
                          uint32_t plugin_minor) {
    std::string problem =
        struct_size_problem(where, route.struct_size, kRouteV1_0Size, sizeof(sy_route_v1));
    if (!problem.empty()) return problem;
    const bool upstream_kind = route.kind == SY_ROUTE_UPSTREAM && plugin_minor >= 4;
    if (route.kind != SY_ROUTE_HTTP && route.kind != SY_ROUTE_WEBSOCKET &&
        route.kind != SY_ROUTE_SSE && !upstream_kind) {
        return where + " has unknown kind " + std::to_string(route.kind);
    }
    if (route.method == nullptr || *route.method == '\0') return where + " has no method";
    if (route.path == nullptr) return where + " has no path";
    std::string_view path = route.path;
    if (path != "*" && (path.empty() || path.front() != '/')) {
        return where + " has path " + in_quotes(path) + ": it must start with '/' or be \"*\"";
    }
    return {};
}

// An array is walked by its elements' struct_size (abi_arrays.hpp), so they must all
// have the one its first element has: what a C array of one struct type has.
std::string stride_problem(std::string_view what, uint32_t size, uint32_t first_size) {
    if (size == first_size) return {};
    return std::string(what) + " is " + std::to_string(size) + " bytes, but element 0 of its " +
           "array is " + std::to_string(first_size) + ": one array holds one struct version";
}

std::string endpoint_problem(const sy_plugin_v1& d, size_t index) {
    const sy_endpoint_v1& endpoint = endpoint_at(d, index);
    const std::string where = "endpoint " + std::to_string(index);
    std::string problem =
        struct_size_problem(where, endpoint.struct_size, kEndpointV1_0Size, sizeof(sy_endpoint_v1));
    if (problem.empty())
        problem = stride_problem(where, endpoint.struct_size, d.endpoints->struct_size);
    if (!problem.empty()) return problem;
    if (endpoint.name == nullptr || *endpoint.name == '\0') return where + " has no name";
    const std::string named = "endpoint " + in_quotes(endpoint.name);
    for (size_t i = 0; i < index; ++i) {
        if (std::string_view(endpoint_at(d, i).name) == endpoint.name) {
            return "two endpoints are named " + in_quotes(endpoint.name);
        }
    }
    if (endpoint.routes == nullptr || endpoint.route_count == 0) return named + " has no routes";
    for (size_t r = 0; r < endpoint.route_count; ++r) {
        const std::string route_where = named + " route " + std::to_string(r);
        const sy_route_v1& route = route_at(endpoint, r);
        problem = route_problem(route, route_where, d.abi_minor);
        if (problem.empty()) {
            problem = stride_problem(route_where, route.struct_size, endpoint.routes->struct_size);
        }
        if (!problem.empty()) return problem;
    }
    return {};
}

std::string streams_problem(const sy_plugin_v1& d) {
    if (d.stream_count > 0 && d.streams == nullptr) return "descriptor lists streams but no array";
    for (size_t i = 0; i < d.stream_count; ++i) {
        const char* stream = d.streams[i];
        if (stream == nullptr || *stream == '\0') {
            return "stream " + std::to_string(i) + " has no name";
        }
        if (std::string_view(stream).find('/') != std::string_view::npos) {
            return "stream " + in_quotes(stream) + " contains '/': a stream has no subtopic";
        }
    }
    return {};
}

std::string declared_endpoints(const sy_plugin_v1& d) {
    std::string names;
    for (size_t i = 0; i < d.endpoint_count; ++i) {
        if (!names.empty()) names += ", ";
        names += endpoint_at(d, i).name;
    }
    return names;
}

bool declares_endpoint(const sy_plugin_v1& d, std::string_view name) {
    for (size_t i = 0; i < d.endpoint_count; ++i) {
        if (endpoint_at(d, i).name == name) return true;
    }
    return false;
}

// dlerror() text without the "<path>: " it starts with (the error names the library).
std::string without_path_prefix(std::string_view message, const fs::path& loaded) {
    const std::string prefix = loaded.string() + ": ";
    if (message.starts_with(prefix)) message.remove_prefix(prefix.size());
    return std::string(message);
}

// Maps the library at `path` with RTLD_NOW | RTLD_LOCAL: every symbol resolved now (a
// missing one is an error here, not a crash later), none visible to other libraries.
boost::dll::shared_library open_image(const fs::path& path) {
    std::error_code fs_error;
    if (!fs::exists(path, fs_error)) throw PluginLoadError(path, "no such file");
    if (fs::is_directory(path, fs_error)) throw PluginLoadError(path, "is a directory");
    // Absolute, so that the dynamic loader never searches the system's library path.
    const fs::path absolute = fs::absolute(path, fs_error);
    if (auto problem = truncated_elf_problem(absolute)) throw PluginLoadError(path, *problem);
    if (auto problem = gnu_unique_problem(absolute)) throw PluginLoadError(path, *problem);
    boost::dll::shared_library image;
    boost::dll::fs::error_code load_error;
    ::dlerror(); // drop a stale message: the one read below must be about this load
    image.load(absolute, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local,
               load_error);
    if (load_error || !image.is_loaded()) {
        const char* why = ::dlerror();
        throw PluginLoadError(
            path, "cannot load: " +
                      (why != nullptr ? without_path_prefix(why, absolute) : load_error.message()));
    }
    return image;
}

} // namespace

PluginLoadError::PluginLoadError(fs::path library, std::string reason)
    : std::runtime_error(library.string() + ": " + reason),
      library_(std::move(library)),
      reason_(std::move(reason)) {}

std::string find_descriptor_problem(const sy_plugin_v1& d) {
    std::string problem = version_problem(d);
    if (!problem.empty()) return problem;
    if (d.name == nullptr) return "descriptor has no name";
    if (!is_valid_plugin_name(d.name)) {
        return "invalid plugin name " + in_quotes(d.name) +
               ": it must match [a-z][a-z0-9_]* (at most " + std::to_string(kMaxNameLength) +
               " characters)";
    }
    const std::string plugin = "plugin " + in_quotes(d.name);
    if (d.version == nullptr || *d.version == '\0') return plugin + " has no version";
    if (d.create == nullptr) return plugin + " has no create hook";
    if (d.destroy == nullptr) return plugin + " has no destroy hook";
    if (d.endpoints == nullptr || d.endpoint_count == 0) return plugin + " declares no endpoints";
    for (size_t i = 0; i < d.endpoint_count && problem.empty(); ++i) {
        problem = endpoint_problem(d, i);
    }
    if (problem.empty()) problem = streams_problem(d);
    if (!problem.empty()) return plugin + ": " + problem;
    return {};
}

std::unique_ptr<PluginLibrary> PluginLibrary::load(const fs::path& path) {
    auto image = std::make_unique<Image>(Image{open_image(path)});
    if (!image->library.has(SY_ENTRY_POINT_V1)) {
        throw PluginLoadError(path, "no " SY_ENTRY_POINT_V1
                                    " symbol: not a Switchyard plugin, or built without "
                                    "SWITCHYARD_PLUGIN / SY_EXPORT");
    }
    auto& entry_point = image->library.get<const sy_plugin_v1*()>(SY_ENTRY_POINT_V1);
    const sy_plugin_v1* descriptor = entry_point();
    if (descriptor == nullptr) throw PluginLoadError(path, SY_ENTRY_POINT_V1 "() returned NULL");
    std::string problem = find_descriptor_problem(*descriptor);
    if (!problem.empty()) throw PluginLoadError(path, problem);
    return std::unique_ptr<PluginLibrary>(new PluginLibrary(path, std::move(image), descriptor));
}

PluginLibrary::PluginLibrary(fs::path path, std::unique_ptr<Image> image,
                             const sy_plugin_v1* descriptor)
    : path_(std::move(path)), image_(std::move(image)), descriptor_(descriptor) {}

PluginLibrary::~PluginLibrary() = default;

std::string PluginLibrary::abi_string() const {
    return version_string(descriptor_->abi_major, descriptor_->abi_minor);
}

void check_config_matches(const PluginLibrary& library, const PluginConfig& config) {
    const sy_plugin_v1& d = library.descriptor();
    if (config.name != d.name) {
        throw PluginLoadError(library.path(), "configured as [plugins." + config.name +
                                                  "], but the library's plugin is named " +
                                                  in_quotes(d.name));
    }
    for (const EndpointListen& listen : config.listen) {
        if (listen.endpoint.empty()) {
            if (d.endpoint_count == 1) continue;
            throw PluginLoadError(
                library.path(),
                "one listen address for a plugin with " + std::to_string(d.endpoint_count) +
                    " endpoints; name them: listen = { <endpoint> = \"host:port\", ... } "
                    "(plugin " +
                    in_quotes(d.name) + " declares: " + declared_endpoints(d) + ")");
        }
        if (!declares_endpoint(d, listen.endpoint)) {
            throw PluginLoadError(library.path(), "the config names endpoint " +
                                                      in_quotes(listen.endpoint) + ", but plugin " +
                                                      in_quotes(d.name) +
                                                      " declares: " + declared_endpoints(d));
        }
    }
}

void check_unique_name(const PluginLibrary& library, const std::vector<std::string>& loaded_names) {
    const std::string_view name = library.descriptor().name;
    if (std::find(loaded_names.begin(), loaded_names.end(), name) != loaded_names.end()) {
        throw PluginLoadError(library.path(),
                              "a plugin named " + in_quotes(name) + " is already loaded");
    }
}

} // namespace switchyard

#include "plugin/plugin_info.hpp"

#include "plugin/abi_arrays.hpp"
#include "plugin/plugin_library.hpp"

#include <switchyard/plugin.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

// One hook of the descriptor, and whether the plugin implements it (is not NULL).
struct Hook {
    const char* name;
    bool implemented;
};

// A hook newer than the descriptor (beyond its struct_size: an older plugin's) is absent,
// and its field is never read.
#define SY_INFO_HOOK(d, field) \
    { #field, SY_HAS_FIELD(&(d), sy_plugin_v1, field) && (d).field != nullptr }

// Every hook of ABI 1.4, in the descriptor's order (a later minor's hooks go here too).
std::vector<Hook> hooks_of(const sy_plugin_v1& d) {
    return {
        SY_INFO_HOOK(d, create),         SY_INFO_HOOK(d, destroy),     SY_INFO_HOOK(d, snapshot),
        SY_INFO_HOOK(d, on_http),        SY_INFO_HOOK(d, on_accept),   SY_INFO_HOOK(d, on_open),
        SY_INFO_HOOK(d, on_message),     SY_INFO_HOOK(d, on_close),    SY_INFO_HOOK(d, on_event),
        SY_INFO_HOOK(d, on_timer),       SY_INFO_HOOK(d, on_shutdown), SY_INFO_HOOK(d, on_follow),
        SY_INFO_HOOK(d, on_state_saved), SY_INFO_HOOK(d, on_upstream),
    };
}

#undef SY_INFO_HOOK

// The ABI this kernel speaks: "1.4".
std::string kernel_abi() {
    return std::to_string(SY_ABI_MAJOR) + "." + std::to_string(SY_ABI_MINOR);
}

const char* route_kind_name(uint32_t kind) {
    switch (kind) {
        case SY_ROUTE_HTTP: return "http";
        case SY_ROUTE_WEBSOCKET: return "websocket";
        case SY_ROUTE_SSE: return "sse";
        case SY_ROUTE_UPSTREAM: return "upstream";
        default: return "unknown"; // the loader refuses these; kept total all the same
    }
}

// max_queued_bytes is 1.1's: an endpoint struct of 1.0 has no such field.
bool declares_queued_bytes(const sy_endpoint_v1& endpoint) {
    return SY_HAS_FIELD(&endpoint, sy_endpoint_v1, max_queued_bytes);
}

// A declared limit, or what 0 means: the kernel picks (or the config overrides).
std::string limit_text(uint64_t value) {
    return value == 0 ? "0 (the kernel's default)" : std::to_string(value);
}

// ---- text ---------------------------------------------------------------------------

// Where the text form's columns start: labels' values, a route's path and its kind.
constexpr size_t kValueColumn = 22;
constexpr size_t kRoutePathColumn = 12;
constexpr size_t kRouteKindColumn = 40;

// `line` padded with spaces up to `column`, or by one space when it reaches it already.
std::string padded(std::string line, size_t column) {
    line.resize(std::max(line.size() + 1, column), ' ');
    return line;
}

// "  label:" padded so that the values line up.
std::string label(std::string_view indent, std::string_view name) {
    return padded(std::string(indent) + std::string(name) + ":", kValueColumn);
}

void write_hooks_text(const sy_plugin_v1& d, std::ostream& out) {
    std::string implemented;
    std::string missing;
    for (const Hook& hook : hooks_of(d)) {
        std::string& list = hook.implemented ? implemented : missing;
        if (!list.empty()) list += ", ";
        list += hook.name;
    }
    out << label("", "hooks") << implemented << "\n";
    out << label("", "not implemented") << (missing.empty() ? "(none)" : missing) << "\n";
}

void write_streams_text(const sy_plugin_v1& d, std::ostream& out) {
    std::string streams;
    for (size_t i = 0; i < d.stream_count; ++i) {
        if (!streams.empty()) streams += ", ";
        streams += d.streams[i];
    }
    out << label("", "streams") << (streams.empty() ? "(none)" : streams) << "\n";
}

void write_routes_text(const sy_endpoint_v1& endpoint, std::ostream& out) {
    out << "  routes:\n";
    for (size_t r = 0; r < endpoint.route_count; ++r) {
        const sy_route_v1& route = route_at(endpoint, r);
        const std::string method = padded("    " + std::string(route.method), kRoutePathColumn);
        out << padded(method + route.path, kRouteKindColumn) << route_kind_name(route.kind) << "\n";
    }
}

void write_endpoint_text(const sy_endpoint_v1& endpoint, std::ostream& out) {
    out << "endpoint \"" << endpoint.name << "\"\n";
    out << label("  ", "default listen")
        << (endpoint.default_listen != nullptr && *endpoint.default_listen != '\0'
                ? endpoint.default_listen
                : "(none: the config must name one)")
        << "\n";
    out << label("  ", "max_message_bytes") << limit_text(endpoint.max_message_bytes) << "\n";
    out << label("  ", "max_queued_frames") << limit_text(endpoint.max_queued_frames) << "\n";
    out << label("  ", "max_queued_bytes")
        << (declares_queued_bytes(endpoint) ? limit_text(endpoint.max_queued_bytes)
                                            : "(not in a 1.0 endpoint: the kernel's default)")
        << "\n";
    write_routes_text(endpoint, out);
}

void write_text(const PluginLibrary& library, std::ostream& out) {
    const sy_plugin_v1& d = library.descriptor();
    out << label("", "plugin") << d.name << "\n";
    out << label("", "version") << d.version << "\n";
    if (d.description != nullptr && *d.description != '\0') {
        out << label("", "description") << d.description << "\n";
    }
    out << label("", "library") << library.path().string() << "\n";
    out << label("", "abi") << library.abi_string() << " (this kernel: " << kernel_abi() << ")\n";
    write_hooks_text(d, out);
    write_streams_text(d, out);
    for (size_t i = 0; i < d.endpoint_count; ++i) write_endpoint_text(endpoint_at(d, i), out);
}

void write_refusal_text(const PluginLoadError& error, std::ostream& out) {
    out << "refused: " << error.what() << "\n";
}

// ---- JSON ---------------------------------------------------------------------------

json::value optional_string(const char* s) {
    if (s == nullptr) return nullptr;
    return json::string(s);
}

json::array routes_json(const sy_endpoint_v1& endpoint) {
    json::array routes;
    for (size_t r = 0; r < endpoint.route_count; ++r) {
        const sy_route_v1& route = route_at(endpoint, r);
        routes.push_back(json::object{
            {"method", route.method}, {"path", route.path}, {"kind", route_kind_name(route.kind)}});
    }
    return routes;
}

json::object endpoint_json(const sy_endpoint_v1& endpoint) {
    json::object out{{"name", endpoint.name},
                     {"default_listen", optional_string(endpoint.default_listen)},
                     {"max_message_bytes", endpoint.max_message_bytes},
                     {"max_queued_frames", endpoint.max_queued_frames}};
    // Absent, not 0, from an endpoint struct too old to declare it.
    if (declares_queued_bytes(endpoint)) out["max_queued_bytes"] = endpoint.max_queued_bytes;
    out["routes"] = routes_json(endpoint);
    return out;
}

json::object describe_json(const PluginLibrary& library) {
    const sy_plugin_v1& d = library.descriptor();
    json::array hooks;
    for (const Hook& hook : hooks_of(d)) {
        if (hook.implemented) hooks.push_back(json::string(hook.name));
    }
    json::array streams;
    for (size_t i = 0; i < d.stream_count; ++i) streams.push_back(json::string(d.streams[i]));
    json::array endpoints;
    for (size_t i = 0; i < d.endpoint_count; ++i) {
        endpoints.push_back(endpoint_json(endpoint_at(d, i)));
    }
    return json::object{{"library", library.path().string()},
                        {"loads", true},
                        {"name", d.name},
                        {"version", d.version},
                        {"description", optional_string(d.description)},
                        {"abi", library.abi_string()},
                        {"kernel_abi", kernel_abi()},
                        {"hooks", std::move(hooks)},
                        {"streams", std::move(streams)},
                        {"endpoints", std::move(endpoints)}};
}

json::object refusal_json(const PluginLoadError& error, const fs::path& library) {
    return json::object{{"library", library.string()},
                        {"loads", false},
                        {"reason", error.reason()},
                        {"kernel_abi", kernel_abi()}};
}

} // namespace

bool write_plugin_info(const fs::path& library, PluginInfoFormat format, std::ostream& out) {
    std::unique_ptr<PluginLibrary> loaded;
    try {
        loaded = PluginLibrary::load(library);
    } catch (const PluginLoadError& error) {
        if (format == PluginInfoFormat::json) {
            out << json::serialize(refusal_json(error, library)) << "\n";
        } else {
            write_refusal_text(error, out);
        }
        return false;
    }
    if (format == PluginInfoFormat::json) {
        out << json::serialize(describe_json(*loaded)) << "\n";
    } else {
        write_text(*loaded, out);
    }
    return true;
}

} // namespace switchyard

#include "plugin_list.hpp"

#include "test_json.hpp"

#include <stdexcept>

namespace switchyard::test {

namespace json = boost::json;

std::optional<json::object> listed_plugin(const KernelProcess& kernel, std::string_view name) {
    const HttpResponse response = kernel.control().get("/api/v1/plugins");
    if (response.status != 200) {
        throw std::runtime_error("GET /api/v1/plugins answered " + std::to_string(response.status) +
                                 ": " + response.body);
    }
    const json::value list = parse_json(response.body);
    const auto* plugins = list.is_object() ? list.as_object().if_contains("plugins") : nullptr;
    if (plugins == nullptr || !plugins->is_array())
        throw std::runtime_error("GET /api/v1/plugins: no plugin list in " + response.body);
    for (const auto& plugin : plugins->as_array()) {
        if (plugin.is_object() && string_field(plugin, "name") == name) return plugin.as_object();
    }
    return std::nullopt;
}

uint64_t listed_generation(const KernelProcess& kernel, std::string_view name) {
    const auto plugin = listed_plugin(kernel, name);
    if (!plugin) return 0;
    const auto* generation = plugin->if_contains("generation");
    return generation && generation->is_number() ? generation->to_number<uint64_t>() : 0;
}

uint64_t settled_generation(const KernelProcess& kernel, std::string_view name) {
    const auto plugin = listed_plugin(kernel, name);
    if (!plugin || string_field(*plugin, "state") != "running") return 0;
    const auto* generation = plugin->if_contains("generation");
    return generation && generation->is_number() ? generation->to_number<uint64_t>() : 0;
}

std::string listed_state(const KernelProcess& kernel, std::string_view name) {
    const auto plugin = listed_plugin(kernel, name);
    return plugin ? string_field(*plugin, "state") : std::string();
}

std::string listed_version(const KernelProcess& kernel, std::string_view name) {
    const auto plugin = listed_plugin(kernel, name);
    return plugin ? string_field(*plugin, "version") : std::string();
}

uint16_t listed_port(const KernelProcess& kernel, std::string_view name,
                     std::string_view endpoint) {
    const auto plugin = listed_plugin(kernel, name);
    return plugin ? endpoint_port(*plugin, endpoint) : 0;
}

uint16_t endpoint_port(const json::object& plugin, std::string_view endpoint) {
    const auto* endpoints = plugin.if_contains("endpoints");
    if (endpoints == nullptr || !endpoints->is_array()) return 0;
    for (const auto& entry : endpoints->as_array()) {
        if (string_field(entry, "name") != endpoint) continue;
        const auto* port = entry.is_object() ? entry.as_object().if_contains("port") : nullptr;
        return port && port->is_number() ? uint16_t(port->to_number<int64_t>()) : 0;
    }
    return 0;
}

std::string plugin_list_text(const KernelProcess& kernel) {
    return kernel.control().get("/api/v1/plugins").body;
}

} // namespace switchyard::test

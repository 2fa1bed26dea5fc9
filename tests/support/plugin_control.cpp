#include "plugin_control.hpp"

#include "test_json.hpp"

#include <stdexcept>
#include <string>

namespace switchyard::test {

boost::json::object plugin_status(const KernelProcess& kernel, std::string_view name) {
    const HttpResponse response = kernel.control().get("/api/v1/plugins");
    const std::string what =
        "GET /api/v1/plugins answered " + std::to_string(response.status) + ": " + response.body;
    if (response.status != 200) throw std::runtime_error(what);
    const boost::json::value answer = parse_json(response.body);
    const auto* object = answer.if_object();
    const auto* plugins = object ? object->if_contains("plugins") : nullptr;
    if (plugins == nullptr || !plugins->is_array()) throw std::runtime_error(what);
    for (const auto& plugin : plugins->get_array()) {
        if (plugin.is_object() && string_field(plugin, "name") == name) return plugin.get_object();
    }
    throw std::runtime_error("no plugin named '" + std::string(name) + "': " + what);
}

HttpResponse reload_plugin(const KernelProcess& kernel, std::string_view name) {
    return kernel.control().post("/api/v1/plugins/" + std::string(name) + "/reload", "");
}

} // namespace switchyard::test

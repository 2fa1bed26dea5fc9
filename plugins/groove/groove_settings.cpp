#include "groove_settings.hpp"

#include <switchyard/json.hpp>
#include <switchyard/plugin.hpp>

namespace switchyard::groove {
namespace {

std::vector<std::string> parse_host_list(const json::Value& value, std::string_view key) {
    const std::string problem =
        "config key '" + std::string(key) + "' must be an array of host name strings";
    if (!value.is_array()) throw std::invalid_argument(problem);
    std::vector<std::string> hosts;
    for (const json::Value& element : value.as_array()) {
        if (!element.is_string() || element.as_string().empty())
            throw std::invalid_argument(problem);
        hosts.push_back(element.as_string());
    }
    return hosts;
}

Envelope parse_envelope(const json::Value& value) {
    if (value.is_string() && value.as_string() == "docs") return Envelope::Docs;
    if (value.is_string() && value.as_string() == "daemon") return Envelope::Daemon;
    const std::string given = value.is_string() ? "\"" + value.as_string() + "\"" : "not a string";
    throw std::invalid_argument(
        "config key 'envelope' must be \"docs\" (seed 001's {event, data}, the default) or "
        "\"daemon\" (the shipping daemon's {type, ...data}); it is " +
        given);
}

} // namespace

GrooveSettings parse_settings(std::string_view config_json) {
    GrooveSettings settings;
    if (config_json.empty()) return settings;
    std::string error;
    std::optional<json::Value> config = json::parse(config_json, &error);
    if (!config) throw std::invalid_argument("config is not valid JSON: " + error);
    if (!config->is_object()) throw std::invalid_argument("config is not a JSON object");
    for (const auto& [key, value] : config->as_object()) {
        if (key == "allowed_origins") {
            settings.allowed_origins = parse_host_list(value, key);
        } else if (key == "envelope") {
            settings.envelope = parse_envelope(value);
        } else if (!sdk::is_kernel_config_key(key)) {
            throw std::invalid_argument("unknown config key '" + key +
                                        "' (groove knows: allowed_origins, envelope)");
        }
    }
    return settings;
}

} // namespace switchyard::groove

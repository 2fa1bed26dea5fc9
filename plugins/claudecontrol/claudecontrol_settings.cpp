#include "claudecontrol_settings.hpp"

#include "claudecontrol_auth.hpp"

#include <switchyard/json.hpp>
#include <switchyard/plugin.hpp>

#include <optional>
#include <stdexcept>

namespace switchyard::claudecontrol {
namespace {

std::invalid_argument key_error(std::string_view key, std::string_view problem) {
    return std::invalid_argument("config key '" + std::string(key) + "' " + std::string(problem));
}

// A whole number from `min` to `max`.
uint32_t bounded(const json::Value& value, std::string_view key, uint32_t min, uint32_t max) {
    const std::optional<int64_t> n = value.as_int64();
    if (!n || *n < min || *n > max)
        throw key_error(key, "must be a whole number from " + std::to_string(min) + " to " +
                                 std::to_string(max));
    return static_cast<uint32_t>(*n);
}

} // namespace

ClaudeControlSettings parse_settings(std::string_view config_json) {
    ClaudeControlSettings settings;
    if (config_json.empty()) return settings;
    std::string error;
    std::optional<json::Value> config = json::parse(config_json, &error);
    if (!config) throw std::invalid_argument("config is not valid JSON: " + error);
    if (!config->is_object()) throw std::invalid_argument("config is not a JSON object");
    for (const auto& [key, value] : config->as_object()) {
        if (key == "pin") {
            if (!value.is_string()) throw key_error(key, "must be a string");
            settings.pin = value.as_string();
            if (!settings.pin.empty() && !is_valid_pin(settings.pin))
                throw key_error(key, "must be empty (no PIN) or 4 to 8 characters");
        } else if (key == "allowed_origins") {
            if (!value.is_array()) throw key_error(key, "must be an array of host names");
            settings.allowed_origins.clear();
            for (const json::Value& item : value.as_array()) {
                if (!item.is_string() || item.as_string().empty())
                    throw key_error(key, "must be an array of host names");
                settings.allowed_origins.push_back(item.as_string());
            }
        } else if (key == "max_login_failures") {
            settings.max_login_failures = bounded(value, key, 1, 1'000);
        } else if (key == "login_window_ms") {
            settings.login_window_ms = bounded(value, key, 100, 86'400'000);
        } else if (key == "max_pending_permissions") {
            settings.max_pending_permissions = bounded(value, key, 1, 1'000'000);
        } else if (!sdk::is_kernel_config_key(key)) {
            throw std::invalid_argument(
                "unknown config key '" + key +
                "' (claudecontrol knows: pin, allowed_origins, max_login_failures, "
                "login_window_ms, max_pending_permissions, ping_interval_ms, pong_timeout_ms)");
        }
    }
    return settings;
}

} // namespace switchyard::claudecontrol

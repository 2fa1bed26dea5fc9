#include "jarvis_settings.hpp"

#include "jarvis_auth.hpp"

#include <switchyard/json.hpp>
#include <switchyard/plugin.hpp>

#include <cstdint>

namespace switchyard::jarvis {
namespace {

// RFC 6265 cookie-octet: what `Set-Cookie: token=<value>` may carry unquoted.
bool is_cookie_octet(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u == 0x21 || (u >= 0x23 && u <= 0x2B) || (u >= 0x2D && u <= 0x3A) ||
           (u >= 0x3C && u <= 0x5B) || (u >= 0x5D && u <= 0x7E);
}

const std::string& string_value(const json::Value& value, std::string_view key) {
    if (!value.is_string())
        throw std::invalid_argument("config key '" + std::string(key) + "' must be a string");
    return value.as_string();
}

// A number of milliseconds: an integer from 0 to 2^32 - 1 (the host's keepalive takes
// 32 bits).
uint32_t milliseconds(const json::Value& value, std::string_view key) {
    const std::optional<int64_t> n = value.as_int64();
    if (!n || *n < 0 || *n > int64_t{UINT32_MAX})
        throw std::invalid_argument("config key '" + std::string(key) +
                                    "' must be a whole number of milliseconds from 0 to " +
                                    std::to_string(UINT32_MAX) + " (0 disables)");
    return static_cast<uint32_t>(*n);
}

// backend_commands: distinct non-empty names, none of them one the plugin answers itself
// (the backend would never see it, which is a mistake worth saying at start).
std::vector<std::string> command_list(const json::Value& value, std::string_view key) {
    const std::string named = "config key '" + std::string(key) + "'";
    if (!value.is_array())
        throw std::invalid_argument(named + " must be an array of command names");
    std::vector<std::string> commands;
    for (const json::Value& item : value.as_array()) {
        if (!item.is_string() || item.as_string().empty())
            throw std::invalid_argument(named + " must hold non-empty strings");
        const std::string& command = item.as_string();
        if (command == "health" || command == "ping")
            throw std::invalid_argument(named + ": '" + command +
                                        "' is answered by the plugin itself");
        for (const std::string& seen : commands) {
            if (seen == command)
                throw std::invalid_argument(named + " names '" + command + "' twice");
        }
        commands.push_back(command);
    }
    return commands;
}

// The types a client message may have that jarvis handles itself (forward_types cannot
// name them: the backend would never see them that way), and "binary", the type of the
// events a client's binary frames become, which a text message must not pass for.
bool is_own_type(std::string_view type) {
    return type == "chat" || type == "command" || type == "status" || type == "voice_start" ||
           type == "voice_end" || type == "binary";
}

// forward_types: "*" or distinct type names of at most kMaxForwardTypeBytes bytes of
// [A-Za-z0-9_.:-], none of them one the plugin handles itself.
std::vector<std::string> type_list(const json::Value& value, std::string_view key) {
    const std::string named = "config key '" + std::string(key) + "'";
    if (!value.is_array())
        throw std::invalid_argument(named + " must be an array of message types");
    std::vector<std::string> types;
    for (const json::Value& item : value.as_array()) {
        if (!item.is_string() || item.as_string().empty())
            throw std::invalid_argument(named + " must hold non-empty strings");
        const std::string& type = item.as_string();
        if (type != "*" && !is_forwardable_type_name(type))
            throw std::invalid_argument(named + ": '" + type + "' is not a message type (at most " +
                                        std::to_string(kMaxForwardTypeBytes) +
                                        " bytes of letters, digits, '_', '.', ':' and '-')");
        if (is_own_type(type))
            throw std::invalid_argument(named + ": '" + type + "' is handled by the plugin itself");
        for (const std::string& seen : types) {
            if (seen == type) throw std::invalid_argument(named + " names '" + type + "' twice");
        }
        types.push_back(type);
    }
    return types;
}

} // namespace

bool is_forwardable_type_name(std::string_view type) {
    if (type.empty() || type.size() > kMaxForwardTypeBytes) return false;
    for (char c : type) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' || c == '-';
        if (!ok) return false;
    }
    return true;
}

bool forwards_type(const JarvisSettings& settings, std::string_view type) {
    if (is_own_type(type) || !is_forwardable_type_name(type)) return false;
    for (const std::string& name : settings.forward_types) {
        if (name == "*" || name == type) return true;
    }
    return false;
}

bool forwards_command(const JarvisSettings& settings, std::string_view command) {
    for (const std::string& name : settings.backend_commands) {
        if (name == "*" || name == command) return true;
    }
    return false;
}

JarvisSettings parse_settings(std::string_view config_json) {
    JarvisSettings settings;
    if (config_json.empty()) return settings;
    std::string error;
    std::optional<json::Value> config = json::parse(config_json, &error);
    if (!config) throw std::invalid_argument("config is not valid JSON: " + error);
    if (!config->is_object()) throw std::invalid_argument("config is not a JSON object");
    for (const auto& [key, value] : config->as_object()) {
        if (key == "auth_token") {
            const std::string& token = string_value(value, key);
            for (char c : token) {
                if (!is_cookie_octet(c))
                    throw std::invalid_argument(
                        "config key 'auth_token' may hold only printable ASCII without space, "
                        "'\"', ',', ';' and '\\' (it travels as a cookie value)");
            }
            // '+' is a cookie octet, but in ?token=a+b the query reads it as a space, so
            // the browser bootstrap would answer 401 to the right token: refused here
            // rather than asking every user to type %2B.
            if (token.find('+') != std::string::npos)
                throw std::invalid_argument(
                    "config key 'auth_token' may not hold '+' (in ?token= a '+' reads as a "
                    "space, so the token could not be presented in a URL)");
            settings.auth_token = token;
        } else if (key == "public_origin") {
            const std::string& origin = string_value(value, key);
            if (!origin.empty()) {
                settings.public_origin = normalize_origin(origin);
                if (settings.public_origin.empty())
                    throw std::invalid_argument(
                        "config key 'public_origin' must be an origin such as "
                        "\"https://jarvis.example.com\" (scheme, host and port only)");
            }
        } else if (key == "dashboard_dir") {
            settings.dashboard_dir = string_value(value, key);
            settings.dashboard_dir_given = true;
            // A NUL would cut the path short in every system call that opens it.
            if (settings.dashboard_dir.find('\0') != std::string::npos)
                throw std::invalid_argument("config key 'dashboard_dir' holds a NUL character");
        } else if (key == "backend_commands") {
            settings.backend_commands = command_list(value, key);
        } else if (key == "forward_types") {
            settings.forward_types = type_list(value, key);
        } else if (key == "ping_interval_ms") {
            settings.ping_interval_ms = milliseconds(value, key);
        } else if (key == "pong_timeout_ms") {
            settings.pong_timeout_ms = milliseconds(value, key);
        } else if (!sdk::is_kernel_config_key(key)) {
            throw std::invalid_argument(
                "unknown config key '" + key +
                "' (jarvis knows: auth_token, public_origin, dashboard_dir, backend_commands, "
                "forward_types, ping_interval_ms, pong_timeout_ms)");
        }
    }
    return settings;
}

} // namespace switchyard::jarvis

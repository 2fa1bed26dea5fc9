#include "jarvis_settings.hpp"

#include <switchyard/json.hpp>

#include <array>

namespace switchyard::jarvis {
namespace {

// Keys of the plugin's table that the kernel reads; the plugin may be handed them.
constexpr std::array<std::string_view, 3> kKernelKeys{"enabled", "library", "listen"};

bool is_kernel_key(std::string_view key) {
    for (std::string_view known : kKernelKeys) {
        if (key == known) return true;
    }
    return false;
}

// RFC 6265 cookie-octet: what `Set-Cookie: token=<value>` may carry unquoted.
bool is_cookie_octet(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u == 0x21 || (u >= 0x23 && u <= 0x2B) || (u >= 0x2D && u <= 0x3A) ||
           (u >= 0x3C && u <= 0x5B) || (u >= 0x5D && u <= 0x7E);
}

char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

const std::string& string_value(const json::Value& value, std::string_view key) {
    if (!value.is_string())
        throw std::invalid_argument("config key '" + std::string(key) + "' must be a string");
    return value.as_string();
}

} // namespace

std::string normalize_origin(std::string_view origin) {
    std::string lower;
    for (char c : origin) lower.push_back(ascii_lower(c));
    if (!lower.empty() && lower.back() == '/') lower.pop_back();
    std::string_view rest(lower);
    if (rest.starts_with("http://")) {
        rest.remove_prefix(7);
    } else if (rest.starts_with("https://")) {
        rest.remove_prefix(8);
    } else {
        return {};
    }
    if (rest.empty()) return {};
    for (char c : rest) {
        // An origin is scheme, host and port: no path, query, fragment or credentials.
        const bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                             c == '-' || c == ':' || c == '[' || c == ']' || c == '_';
        if (!allowed) return {};
    }
    return lower;
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
        } else if (!is_kernel_key(key)) {
            throw std::invalid_argument("unknown config key '" + key +
                                        "' (jarvis knows: auth_token, public_origin)");
        }
    }
    return settings;
}

} // namespace switchyard::jarvis

#include "clijaw_settings.hpp"

#include <switchyard/json.hpp>
#include <switchyard/plugin.hpp>

#include <cstdint>
#include <optional>

namespace switchyard::clijaw {
namespace {

// The most workers a manager follows: the kernel follows at most 256 streams per plugin.
constexpr size_t kMaxWorkers = 256;

std::invalid_argument key_error(std::string_view key, std::string_view problem) {
    return std::invalid_argument("config key '" + std::string(key) + "' " + std::string(problem));
}

const std::string& string_value(const json::Value& value, std::string_view key) {
    if (!value.is_string()) throw key_error(key, "must be a string");
    return value.as_string();
}

// A whole number from `min` to `max`.
uint32_t bounded(const json::Value& value, std::string_view key, uint32_t min, uint32_t max) {
    const std::optional<int64_t> n = value.as_int64();
    if (!n || *n < min || *n > max)
        throw key_error(key, "must be a whole number from " + std::to_string(min) + " to " +
                                 std::to_string(max));
    return static_cast<uint32_t>(*n);
}

// An array of non-empty strings, each checked by `valid` (which names what it wants).
template <class Check>
std::vector<std::string> string_list(const json::Value& value, std::string_view key,
                                     std::string_view what, Check valid) {
    if (!value.is_array()) throw key_error(key, "must be an array of " + std::string(what));
    std::vector<std::string> items;
    for (const json::Value& element : value.as_array()) {
        if (!element.is_string() || element.as_string().empty() || !valid(element.as_string()))
            throw key_error(key, "must be an array of " + std::string(what));
        items.push_back(element.as_string());
    }
    return items;
}

bool is_host_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
}

// A token goes into an Authorization header: visible ASCII only, so it can never split
// the head or be mangled on the way.
bool is_header_token(std::string_view token) {
    for (char c : token) {
        if (c <= 0x20 || c >= 0x7F) return false;
    }
    return true;
}

} // namespace

bool is_worker_base_url(std::string_view url) {
    constexpr std::string_view kScheme = "http://";
    if (!url.starts_with(kScheme)) return false;
    std::string_view rest = url.substr(kScheme.size());
    if (rest.ends_with('/')) rest.remove_suffix(1);
    std::string_view host;
    if (rest.starts_with('[')) {
        const size_t close = rest.find(']');
        if (close == std::string_view::npos || close == 1) return false;
        for (char c : rest.substr(1, close - 1)) {
            const bool hex =
                (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            if (!hex && c != ':' && c != '.') return false;
        }
        rest.remove_prefix(close + 1);
    } else {
        const size_t colon = rest.find(':');
        host = rest.substr(0, colon);
        if (host.empty()) return false;
        for (char c : host) {
            if (!is_host_char(c)) return false;
        }
        rest.remove_prefix(host.size());
    }
    if (rest.empty()) return true;
    if (rest.front() != ':' || rest.size() < 2 || rest.size() > 6) return false;
    uint32_t port = 0;
    for (char c : rest.substr(1)) {
        if (c < '0' || c > '9') return false;
        port = port * 10 + static_cast<uint32_t>(c - '0');
    }
    return port >= 1 && port <= 65535;
}

ClijawSettings parse_settings(std::string_view config_json) {
    ClijawSettings settings;
    if (config_json.empty()) return settings;
    std::string error;
    std::optional<json::Value> config = json::parse(config_json, &error);
    if (!config) throw std::invalid_argument("config is not valid JSON: " + error);
    if (!config->is_object()) throw std::invalid_argument("config is not a JSON object");
    for (const auto& [key, value] : config->as_object()) {
        if (key == "auth_token") {
            settings.auth_token = string_value(value, key);
            if (!is_header_token(settings.auth_token))
                throw key_error(key, "may hold only visible ASCII (no space or control character)");
        } else if (key == "allowed_origins") {
            settings.allowed_origins = string_list(value, key, "host name strings",
                                                   [](const std::string&) { return true; });
        } else if (key == "max_listeners") {
            settings.max_listeners = bounded(value, key, 1, 1'000'000);
        } else if (key == "heartbeat_ms") {
            settings.heartbeat_ms = bounded(value, key, 100, 3'600'000);
        } else if (key == "workers") {
            settings.workers =
                string_list(value, key, "\"http://host:port\" base URLs",
                            [](const std::string& url) { return is_worker_base_url(url); });
            if (settings.workers.size() > kMaxWorkers)
                throw key_error(key,
                                "may name at most " + std::to_string(kMaxWorkers) + " workers");
            for (std::string& url : settings.workers) {
                if (url.ends_with('/')) url.pop_back();
            }
            for (size_t i = 0; i < settings.workers.size(); ++i) {
                for (size_t j = 0; j < i; ++j) {
                    if (settings.workers[i] == settings.workers[j])
                        throw key_error(key, "names '" + settings.workers[i] + "' twice");
                }
            }
        } else if (key == "worker_stall_ms") {
            settings.worker_stall_ms = bounded(value, key, 100, 86'400'000);
        } else if (key == "worker_retry_min_ms") {
            settings.worker_retry_min_ms = bounded(value, key, 10, 3'600'000);
        } else if (key == "worker_retry_max_ms") {
            settings.worker_retry_max_ms = bounded(value, key, 10, 3'600'000);
        } else if (key == "worker_auth_token") {
            settings.worker_auth_token = string_value(value, key);
            if (!is_header_token(settings.worker_auth_token))
                throw key_error(key, "may hold only visible ASCII (no space or control character)");
        } else if (!sdk::is_kernel_config_key(key)) {
            throw std::invalid_argument(
                "unknown config key '" + key +
                "' (clijaw knows: auth_token, allowed_origins, max_listeners, heartbeat_ms, "
                "workers, worker_stall_ms, worker_retry_min_ms, worker_retry_max_ms, "
                "worker_auth_token)");
        }
    }
    if (settings.worker_retry_max_ms < settings.worker_retry_min_ms)
        throw std::invalid_argument(
            "config key 'worker_retry_max_ms' must not be less than 'worker_retry_min_ms'");
    return settings;
}

} // namespace switchyard::clijaw

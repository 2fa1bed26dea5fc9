#include "jetstart_settings.hpp"

#include <switchyard/json.hpp>
#include <switchyard/plugin.hpp>

#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>

namespace switchyard::jetstart {
namespace {

// The port of a "host:port" or "[v6]:port" address; 0 when there is none.
uint32_t port_of(std::string_view address) {
    const size_t colon = address.rfind(':');
    if (colon == std::string_view::npos) return 0;
    uint32_t port = 0;
    for (const char c : address.substr(colon + 1)) {
        if (c < '0' || c > '9' || port > 65535) return 0;
        port = port * 10 + static_cast<uint32_t>(c - '0');
    }
    return port <= 65535 ? port : 0;
}

constexpr uint64_t kMaxMessageLimit = uint64_t{256} << 20;
// A full replay must fit in a logs socket's queue (the endpoint takes 131,072 frames).
constexpr uint64_t kMaxLogEntriesLimit = 100'000;

std::invalid_argument key_error(std::string_view key, std::string_view problem) {
    return std::invalid_argument("config key '" + std::string(key) + "' " + std::string(problem));
}

const std::string& string_value(const json::Value& value, std::string_view key) {
    if (!value.is_string()) throw key_error(key, "must be a string");
    return value.as_string();
}

uint64_t bounded(const json::Value& value, std::string_view key, uint64_t min, uint64_t max) {
    const std::optional<int64_t> n = value.as_int64();
    if (!n || *n < 0 || static_cast<uint64_t>(*n) < min || static_cast<uint64_t>(*n) > max)
        throw key_error(key, "must be a whole number from " + std::to_string(min) + " to " +
                                 std::to_string(max));
    return static_cast<uint64_t>(*n);
}

// A secret goes into a QR payload split on '|' and is compared as sent: visible ASCII
// without '|'. Empty means "generate one".
void check_secret(const std::string& value, std::string_view key) {
    if (value.size() > 256) throw key_error(key, "must hold at most 256 characters");
    for (char c : value) {
        if (c <= 0x20 || c >= 0x7F || c == '|')
            throw key_error(key, "may hold only visible ASCII other than '|'");
    }
}

} // namespace

std::string random_secret() {
    unsigned char bytes[16];
    size_t got = 0;
    while (got < sizeof bytes) {
        const ssize_t n = getrandom(bytes + got, sizeof bytes - got, GRND_NONBLOCK);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error(std::string("getrandom failed: ") + std::strerror(errno) +
                                     " (set session_id and token in the config)");
        }
        got += static_cast<size_t>(n);
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string text;
    text.reserve(2 * sizeof bytes);
    for (unsigned char b : bytes) {
        text.push_back(kHex[b >> 4]);
        text.push_back(kHex[b & 0xF]);
    }
    return text;
}

JetstartSettings parse_settings(std::string_view config_json) {
    JetstartSettings settings;
    uint32_t bound_ws_port = 0;   // the core endpoint's, from the kernel's "listening"
    uint32_t bound_http_port = 0; // the http endpoint's
    std::optional<json::Value> config;
    if (!config_json.empty()) {
        std::string error;
        config = json::parse(config_json, &error);
        if (!config) throw std::invalid_argument("config is not valid JSON: " + error);
        if (!config->is_object()) throw std::invalid_argument("config is not a JSON object");
        for (const auto& [key, value] : config->as_object()) {
            if (key == "session_id") {
                settings.session_id = string_value(value, key);
                check_secret(settings.session_id, key);
            } else if (key == "token") {
                settings.token = string_value(value, key);
                check_secret(settings.token, key);
            } else if (key == "require_token") {
                if (!value.is_bool()) throw key_error(key, "must be true or false");
                settings.require_token = value.as_bool();
            } else if (key == "project_name") {
                settings.project_name = string_value(value, key);
                if (settings.project_name.empty() || settings.project_name.size() > 200)
                    throw key_error(key, "must hold 1 to 200 characters");
                if (settings.project_name.find('|') != std::string::npos)
                    throw key_error(key, "may not hold '|' (the QR code's separator)");
            } else if (key == "connect_timeout_ms") {
                settings.connect_timeout_ms =
                    static_cast<uint32_t>(bounded(value, key, 100, 3'600'000));
            } else if (key == "heartbeat_interval_ms") {
                settings.heartbeat_interval_ms =
                    static_cast<uint32_t>(bounded(value, key, 100, 3'600'000));
            } else if (key == "max_message_bytes") {
                settings.max_message_bytes = bounded(value, key, 1024, kMaxMessageLimit);
            } else if (key == "max_log_entries") {
                settings.max_log_entries =
                    static_cast<uint32_t>(bounded(value, key, 1, kMaxLogEntriesLimit));
            } else if (key == "artifact_dir") {
                settings.artifact_dir = string_value(value, key);
                if (!settings.artifact_dir.empty() && !settings.artifact_dir.starts_with('/'))
                    throw key_error(key, "must be an absolute folder");
            } else if (key == "advertised_host") {
                settings.advertised_host = string_value(value, key);
                for (char c : settings.advertised_host) {
                    if (c <= 0x20 || c >= 0x7F || c == '|' || c == '/')
                        throw key_error(key, "must be a host name or an address");
                }
            } else if (key == "advertised_http_port") {
                settings.advertised_http_port =
                    static_cast<uint32_t>(bounded(value, key, 0, 65535));
            } else if (key == "advertised_ws_port") {
                settings.advertised_ws_port = static_cast<uint32_t>(bounded(value, key, 0, 65535));
            } else if (key == "max_queued_bytes") {
                settings.max_queued_bytes = bounded(value, key, 1, uint64_t{1} << 40);
            } else if (key == "listening") {
                // The kernel's: each endpoint's bound "host:port". The ports a device is
                // told to use default to the bound ones (the real port behind a 0).
                if (value.is_object()) {
                    for (const auto& [endpoint, address] : value.as_object()) {
                        if (!address.is_string()) continue;
                        const uint32_t port = port_of(address.as_string());
                        if (endpoint == "core") bound_ws_port = port;
                        if (endpoint == "http") bound_http_port = port;
                    }
                }
            } else if (!sdk::is_kernel_config_key(key)) {
                throw std::invalid_argument(
                    "unknown config key '" + key +
                    "' (jetstart knows: session_id, token, require_token, project_name, "
                    "connect_timeout_ms, heartbeat_interval_ms, max_message_bytes, "
                    "max_log_entries, artifact_dir, advertised_host, advertised_http_port, "
                    "advertised_ws_port)");
            }
        }
    }
    if (settings.advertised_host.empty()) settings.advertised_host = "localhost";
    if (settings.advertised_http_port == 0)
        settings.advertised_http_port = bound_http_port != 0 ? bound_http_port : 8765;
    if (settings.advertised_ws_port == 0)
        settings.advertised_ws_port = bound_ws_port != 0 ? bound_ws_port : 8766;
    return settings;
}

} // namespace switchyard::jetstart

// The clijaw plugin's config: the keys of [plugins.clijaw] that belong to the protocol.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::clijaw {

// What [plugins.clijaw] configures; the names follow seed 002's terms.
struct ClijawSettings {
    // The Bearer token a non-loopback peer must present (SSE, WebSocket and HTTP). Empty:
    // non-loopback peers are refused; loopback peers never need it.
    std::string auth_token;
    // Host names a browser's Origin may carry; a request without Origin (a CLI, the TUI) is
    // always accepted. An allowed Origin gets the CORS headers back.
    std::vector<std::string> allowed_origins{"localhost", "127.0.0.1", "::1"};
    // SSE listeners at once on /api/events; the next gets 503 {"error":"SSE_CAPACITY"}.
    uint32_t max_listeners = 256;
    // How often ": ping" goes to every SSE listener, in ms (at least 100).
    uint32_t heartbeat_ms = 15'000;
    // Manager mode: the workers' base URLs ("http://host:port"); empty = not a manager.
    std::vector<std::string> workers;
    // A connected worker sending no event for this long is reported worker_stalled.
    uint32_t worker_stall_ms = 60'000;
    // Reconnection backoff after a worker drops: from min, doubling, capped at max.
    uint32_t worker_retry_min_ms = 1'000;
    uint32_t worker_retry_max_ms = 30'000;
    // Sent to every worker as `Authorization: Bearer <token>` when not empty.
    std::string worker_auth_token;
};

// Parses the plugin's config (a JSON object text; empty means {}). The keys the kernel
// reads from every plugin table pass (sdk::is_kernel_config_key). Throws
// std::invalid_argument naming the key when a value has the wrong type or range, or a key
// is unknown.
ClijawSettings parse_settings(std::string_view config_json);

// Whether `url` is a worker base URL the manager can follow: "http://" then a host (a name,
// an IPv4 address or a bracketed IPv6 one) and an optional ":port", nothing after but an
// optional "/". Exposed for the tests.
bool is_worker_base_url(std::string_view url);

} // namespace switchyard::clijaw

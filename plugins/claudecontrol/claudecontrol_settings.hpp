// The claudecontrol plugin's config: the keys of [plugins.claudecontrol] that belong to the
// protocol.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::claudecontrol {

// What [plugins.claudecontrol] configures; the names follow seed 004's terms.
struct ClaudeControlSettings {
    // The initial PIN (4 to 8 characters), used while no PIN was saved through the API;
    // empty: no PIN, every client admitted without a token.
    std::string pin;
    // Host names a browser's Origin may carry on the WebSocket and the HTTP routes; a
    // request without Origin (a script, the phone app) is always accepted.
    std::vector<std::string> allowed_origins{"localhost", "127.0.0.1", "::1"};
    // Wrong PINs (or tokens) one client address may send within login_window_ms; the
    // next attempt in that window is answered 429 with Retry-After.
    uint32_t max_login_failures = 5;
    // The window of max_login_failures, in ms, counted from the first failure.
    uint32_t login_window_ms = 60'000;
    // permission_request events awaiting an answer; the oldest is dropped (logged) past it.
    uint32_t max_pending_permissions = 10'000;
};

// Parses the plugin's config (a JSON object text; empty means {}). The keys the kernel
// reads from every plugin table pass (sdk::is_kernel_config_key). Throws
// std::invalid_argument naming the key when a value has the wrong type or range, or a key
// is unknown.
ClaudeControlSettings parse_settings(std::string_view config_json);

} // namespace switchyard::claudecontrol

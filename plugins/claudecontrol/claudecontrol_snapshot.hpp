// What one generation of the claudecontrol plugin hands to the next on a reload: the
// token in force, the PIN changes still waiting for the disk (their deferred HTTP answers
// are owed by the next generation), the clients and their subscriptions, the pending
// permission requests (oldest first) and the wrong-PIN counts per address. Group
// membership itself stays in the kernel.
#pragma once

#include "claudecontrol_auth.hpp"

#include <switchyard/plugin.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::claudecontrol {

// A PUT or DELETE /api/settings/pin whose state_save has not reached the disk yet; the
// save's tag is the request's id.
struct PinChange {
    sy_request_id request = 0;
    // The token once it is on disk ("" for DELETE: no PIN).
    std::string token;
    // What the state held before (restored if the write fails); nullopt: nothing saved.
    std::optional<std::string> previous_state;
    // The request's Origin (an allowed one), for the answer's CORS headers; "" when none.
    std::string origin;
};

// An authenticated WebSocket client.
struct ClientState {
    sy_conn_id conn = 0;
    // The workspace it subscribed to; empty: every event.
    std::string workspace;
};

// A permission_request no client has answered yet.
struct PendingPermission {
    std::string request_id;
    std::string workspace; // the topic's workspace; empty when unscoped
};

struct Snapshot {
    std::string token;
    // The token was set through the API but could not be saved (no state_dir).
    bool token_in_memory_only = false;
    std::vector<PinChange> pin_changes;
    std::vector<ClientState> clients;
    std::vector<PendingPermission> pending; // oldest first
    std::vector<FailureLimiter::Entry> failures;
};

// A JSON object text.
std::string encode_snapshot(const Snapshot& snapshot);
// The snapshot in `text`; nullopt when it is not one.
std::optional<Snapshot> decode_snapshot(std::string_view text);

// The value kept with state_save under kPinStateKey: {"token":"<hex>"} ("" = no PIN).
inline constexpr std::string_view kPinStateKey = "pin";
std::string encode_pin_state(std::string_view token);
// The token in a saved value; nullopt when it is not one.
std::optional<std::string> decode_pin_state(std::string_view value);

} // namespace switchyard::claudecontrol

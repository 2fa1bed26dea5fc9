// The jarvis plugin's config: the keys of [plugins.jarvis] that belong to the protocol.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::jarvis {

// What [plugins.jarvis] configures (seed 000's `auth.token`, the public origin, the
// dashboard's folder and the commands the backend answers).
struct JarvisSettings {
    // The token /ws, the dashboard and /api/* require; empty means open access (seed 000).
    // Limited to the characters a cookie value may hold, because browsers carry it as
    // cookie `token`, and without '+', which ?token= would read as a space.
    std::string auth_token;
    // The browser Origin accepted on /ws besides one whose host equals the Host header,
    // normalized to lower-case "scheme://host[:port]". Empty: "http://localhost:<port>".
    std::string public_origin;
    // The folder whose files are served at / (index.html for a path ending in '/'). The
    // kernel hands it over already resolved against the config file's folder when it was
    // relative (keys ending in _dir). Absent: the dashboard jarvis ships (installed beside
    // jarvis.so); given as "": no dashboard, every page is 404.
    std::string dashboard_dir;
    // Whether the config named dashboard_dir at all (even as "").
    bool dashboard_dir_given = false;
    // `command` names the backend answers: a client's command with one of these names goes
    // to the bus stream `inbound` like a chat. "*" stands for every command. Commands in
    // neither this list nor the plugin's own (health, ping) are answered "Unknown command".
    std::vector<std::string> backend_commands;
    // Client message types forwarded to the backend besides the ones jarvis knows
    // (chat, the voice messages, the dashboard's voice_text, interview_* and cancel): a
    // message of one of these types goes to the bus stream `inbound` as it was sent,
    // instead of being answered "Unknown message type". "*" stands for every type the
    // plugin does not answer itself.
    std::vector<std::string> forward_types;
    // Keepalive of every /ws connection (DESIGN.md's names): the kernel pings it every
    // ping_interval_ms and drops it when no pong comes within pong_timeout_ms, so a peer
    // that vanished without a FIN (a laptop closed, a NAT that forgot) stops counting in
    // /health and `status`. ping_interval_ms 0: no pings at all; pong_timeout_ms 0: pings
    // (which keep proxies' idle timers alive) but never a drop.
    uint32_t ping_interval_ms = 30'000;
    uint32_t pong_timeout_ms = 10'000;
};

// Whether a `command` message named `command` goes to the backend under `settings`.
bool forwards_command(const JarvisSettings& settings, std::string_view command);
// Whether a client message of type `type`, which jarvis does not know, goes to the
// backend under `settings` (forward_types).
bool forwards_type(const JarvisSettings& settings, std::string_view type);

// The longest type name forward_types may hold, in bytes.
inline constexpr size_t kMaxForwardTypeBytes = 64;
// Whether `type` may be a forwarded type's name: 1 to kMaxForwardTypeBytes bytes of
// [A-Za-z0-9_.:-] (what a JSON escape never inflates, and what can be logged as it is).
bool is_forwardable_type_name(std::string_view type);

// Parses the plugin's config (a JSON object text; empty means {}). Keys the kernel
// handles itself (enabled, library, listen) are ignored. Throws std::invalid_argument
// naming the offending key when a value has the wrong type or form, or a key is unknown.
// Does not look at the file system: the plugin checks dashboard_dir when it starts.
JarvisSettings parse_settings(std::string_view config_json);

} // namespace switchyard::jarvis

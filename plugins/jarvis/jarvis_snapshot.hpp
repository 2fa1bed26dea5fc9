// What one generation of the jarvis plugin hands to the next on a reload (its snapshot):
// the time it first started, for /health's uptime, and the open voice sessions.
//
// The voice sessions live in the plugin, not in the kernel's per-connection state,
// because on_close must still know a closing connection's requestId to tell the backend
// the session ended, and the kernel drops a connection's state before on_close runs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace switchyard::jarvis {

struct Snapshot {
    int64_t started_ms = 0;
    // Connection id -> the requestId of its open voice session.
    std::unordered_map<uint64_t, std::string> voice_sessions;
};

// {"started":<ms>,"voice":{"<conn>":"<requestId>",...}}.
std::string encode_snapshot(const Snapshot& snapshot);
// The snapshot in `text`; nullopt when it is not one. A bare integer is read as the start
// time alone (what generations before the voice sessions moved here wrote).
std::optional<Snapshot> decode_snapshot(std::string_view text);

} // namespace switchyard::jarvis

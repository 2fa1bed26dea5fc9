// What one generation of the jetstart plugin hands to the next on a reload: the session
// and token in use (generated ones must not change under connected devices), the
// authenticated devices, the sockets still to authenticate and their connect timers, the
// heartbeat sweep timer (the kernel keeps timers across a reload) and the stored log
// entries.
#pragma once

#include <switchyard/plugin.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchyard::jetstart {

// An authenticated core connection.
struct Device {
    sy_conn_id conn = 0;
    std::string platform;     // deviceInfo.platform ("android", "web") or empty
    int64_t last_seen_ms = 0; // when it last sent anything
    bool heartbeats = false;  // it has sent client:heartbeat: the sweep watches it
};

struct Snapshot {
    std::string session_id;
    std::string token;
    sy_timer_id sweep_timer = 0;
    std::vector<Device> devices;
    // Core sockets not authenticated yet, and their connect timers.
    std::vector<std::pair<sy_conn_id, sy_timer_id>> connect_timers;
    std::vector<std::string> logs; // LogEntry JSON texts, oldest first
};

// A JSON object text.
std::string encode_snapshot(const Snapshot& snapshot);
// The snapshot in `text`; nullopt when it is not one.
std::optional<Snapshot> decode_snapshot(std::string_view text);

} // namespace switchyard::jetstart

// What one generation of the clijaw plugin hands to the next on a reload: the last bus
// sequence it handled (so a replay still stops where the group broadcast takes over), the
// latest agent_status / queue_update / orc_state / memory_status WebSocket frames, its
// timers (the kernel keeps them across the reload: the next generation cancels and
// restarts them with its own settings) and the manager's workers.
#pragma once

#include "clijaw_manager.hpp"
#include "clijaw_protocol.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::clijaw {

struct Snapshot {
    uint64_t last_handled_seq = 0;
    // WebSocket frame texts, by latest_status_slot(); empty: none yet.
    std::array<std::string, kLatestStatusCount> latest_status;
    sy_timer_id heartbeat_timer = 0;
    sy_timer_id stall_timer = 0;
    std::vector<WorkerState> workers;
};

// A JSON object text.
std::string encode_snapshot(const Snapshot& snapshot);
// The snapshot in `text`; nullopt when it is not one.
std::optional<Snapshot> decode_snapshot(std::string_view text);

} // namespace switchyard::clijaw

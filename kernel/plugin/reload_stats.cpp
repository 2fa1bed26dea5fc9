#include "plugin/reload_stats.hpp"

namespace switchyard {

// A swap pauses the plugin for the snapshot and the new instance's create(): typically
// well under a millisecond, seconds only for a plugin with a large state.
ReloadStats::ReloadStats()
    : pause_seconds_{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                     0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10} {}

void ReloadStats::record(bool ok, double pause_ms) noexcept {
    if (!ok) {
        rolled_back_.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    pause_seconds_.observe(pause_ms / 1000.0);
    ok_.fetch_add(1, std::memory_order_relaxed);
}

ReloadCounts ReloadStats::counts() const {
    ReloadCounts counts;
    counts.ok = ok_.load(std::memory_order_relaxed);
    counts.rolled_back = rolled_back_.load(std::memory_order_relaxed);
    counts.pause_seconds = pause_seconds_.snapshot();
    return counts;
}

} // namespace switchyard

// What a plugin's reloads did, for /metrics: how many swapped in a new generation, how
// many failed and left the running one serving (rolled back), and the pauses the swaps
// caused. Any thread; a reload records once, when it is over.
#pragma once

#include "metrics/histogram.hpp"

#include <atomic>
#include <cstdint>

namespace switchyard {

// The counts at one moment.
struct ReloadCounts {
    uint64_t ok = 0;
    uint64_t rolled_back = 0;
    HistogramSnapshot pause_seconds; // of the reloads that swapped
};

class ReloadStats {
  public:
    ReloadStats();
    // A reload is over: `ok` when it swapped, with the pause it caused.
    void record(bool ok, double pause_ms) noexcept;
    ReloadCounts counts() const;

  private:
    std::atomic<uint64_t> ok_{0};
    std::atomic<uint64_t> rolled_back_{0};
    Histogram pause_seconds_;
};

} // namespace switchyard

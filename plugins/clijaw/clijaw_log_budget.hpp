// A budget of log lines per one-second window, for lines a client or a worker can cause
// (bad WebSocket messages, a worker's garbage): a flood of them costs a bounded number of
// log writes, and the next line written says how many were held back meanwhile.
#pragma once

#include <cstdint>

namespace switchyard::clijaw {

class LogBudget {
  public:
    // At most `lines_per_second` lines in any one-second window (at least 1).
    explicit constexpr LogBudget(uint32_t lines_per_second) noexcept
        : limit_(lines_per_second == 0 ? 1 : lines_per_second) {}

    // Whether a line at `now_ms` may be written. When it may, `suppressed` gets the number
    // of lines refused since the last one written (to report first), and restarts at 0.
    bool admit(int64_t now_ms, uint64_t& suppressed) noexcept {
        if (now_ms - window_start_ms_ >= 1000 || now_ms < window_start_ms_) {
            window_start_ms_ = now_ms;
            used_ = 0;
        }
        if (used_ >= limit_) {
            ++suppressed_;
            return false;
        }
        ++used_;
        suppressed = suppressed_;
        suppressed_ = 0;
        return true;
    }

  private:
    uint32_t limit_;
    uint32_t used_ = 0;
    int64_t window_start_ms_ = 0;
    uint64_t suppressed_ = 0;
};

} // namespace switchyard::clijaw

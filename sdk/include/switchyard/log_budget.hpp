// switchyard/log_budget.hpp — a budget of log lines per time window, for the lines a
// client or a followed server can cause (bad messages, garbage): a flood of them costs a
// bounded number of log writes, and the next line written says how many were held back
// meanwhile. A plugin keeps one per kind of line; it needs no lock (hooks are serialized).
#pragma once

#include <cstdint>

namespace switchyard::sdk {

class LogBudget {
  public:
    // At most `lines` lines (at least 1) in any window of `window_ms` (one second unless
    // said).
    explicit constexpr LogBudget(uint32_t lines, int64_t window_ms = 1000) noexcept
        : limit_(lines == 0 ? 1 : lines), window_ms_(window_ms <= 0 ? 1 : window_ms) {}

    // Whether a line at `now_ms` may be written. When it may, `suppressed` gets the number
    // of lines refused since the last one written (to report first), and restarts at 0.
    bool admit(int64_t now_ms, uint64_t& suppressed) noexcept {
        if (now_ms - window_start_ms_ >= window_ms_ || now_ms < window_start_ms_) {
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
    int64_t window_ms_;
    uint32_t used_ = 0;
    int64_t window_start_ms_ = 0;
    uint64_t suppressed_ = 0;
};

} // namespace switchyard::sdk

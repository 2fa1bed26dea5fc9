// Log lines that a client can cause (a bad frame, a protocol error, a refused connection,
// a slow consumer) go through a RateLimitedLog, so that a flood of bad clients costs a
// bounded number of log writes: at most N lines per second for each category, then
// silence until a later second, whose first line is preceded by one saying how many
// lines of the category were suppressed meanwhile (like the Linux kernel's printk
// rate limit, the count is reported when the category next writes).
//
// A category is one RateLimitedLog object, usually a static in the file whose lines it
// limits:
//
//     RateLimitedLog protocol_errors("websocket protocol errors");
//     protocol_errors.debug("connection {}: protocol error: {}", id, why);
#pragma once

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>

namespace switchyard {

// What a LogRateLimiter says about one line.
struct LogRateDecision {
    bool write = false;      // the line may be written
    uint64_t suppressed = 0; // lines refused since the last one written: report them first
};

// Counts the lines of one category in one-second windows. Thread-safe: workers share it.
class LogRateLimiter {
  public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::chrono::seconds kWindow{1};

    // At most `lines_per_second` lines per window (at least 1).
    explicit LogRateLimiter(uint32_t lines_per_second) noexcept;

    // Decides for a line at `now`: within the window's budget it is written (with the
    // count of lines suppressed before it, which the caller reports first); past it, it
    // is counted as suppressed.
    LogRateDecision admit(Clock::time_point now) noexcept;

    // Lines allowed per window.
    uint32_t limit() const noexcept { return limit_; }

  private:
    std::mutex mutex_;
    const uint32_t limit_;
    Clock::time_point window_start_{};
    bool started_ = false;
    uint32_t in_window_ = 0;
    uint64_t suppressed_ = 0;
};

// A rate-limited category of log lines, written through spdlog's default logger.
class RateLimitedLog {
  public:
    // Lines per second a category writes unless it says otherwise: enough to see what a
    // misbehaving client did, too few for a flood of them to matter.
    static constexpr uint32_t kDefaultLinesPerSecond = 10;

    // `category` names the lines in the "suppressed" report.
    explicit RateLimitedLog(std::string category,
                            uint32_t lines_per_second = kDefaultLinesPerSecond);

    // Writes the line at `level`, if that level is logged at all and the category's budget
    // allows it. A level that is off costs neither the budget nor the formatting.
    template <typename... Args>
    void log(spdlog::level::level_enum level, spdlog::format_string_t<Args...> format,
             Args&&... args) {
        if (!spdlog::should_log(level)) return;
        const LogRateDecision decision = limiter_.admit(LogRateLimiter::Clock::now());
        if (!decision.write) return;
        if (decision.suppressed != 0) report_suppressed(level, decision.suppressed);
        spdlog::log(level, format, std::forward<Args>(args)...);
    }

    template <typename... Args>
    void debug(spdlog::format_string_t<Args...> format, Args&&... args) {
        log(spdlog::level::debug, format, std::forward<Args>(args)...);
    }
    template <typename... Args>
    void info(spdlog::format_string_t<Args...> format, Args&&... args) {
        log(spdlog::level::info, format, std::forward<Args>(args)...);
    }
    template <typename... Args>
    void warn(spdlog::format_string_t<Args...> format, Args&&... args) {
        log(spdlog::level::warn, format, std::forward<Args>(args)...);
    }

    const std::string& category() const noexcept { return category_; }

  private:
    void report_suppressed(spdlog::level::level_enum level, uint64_t count) const;

    std::string category_;
    LogRateLimiter limiter_;
};

} // namespace switchyard

#include "log/rate_limited_log.hpp"

#include "log/log_fields.hpp"

#include <algorithm>

namespace switchyard {

LogRateLimiter::LogRateLimiter(uint32_t lines_per_second) noexcept
    : limit_(std::max<uint32_t>(lines_per_second, 1)) {}

LogRateDecision LogRateLimiter::admit(Clock::time_point now) noexcept {
    std::lock_guard lock(mutex_);
    if (!started_ || now - window_start_ >= kWindow) {
        started_ = true;
        window_start_ = now;
        in_window_ = 0;
    }
    if (in_window_ >= limit_) {
        ++suppressed_;
        return {};
    }
    ++in_window_;
    return {true, std::exchange(suppressed_, 0)};
}

RateLimitedLog::RateLimitedLog(std::string category, uint32_t lines_per_second)
    : category_(std::move(category)), limiter_(lines_per_second) {}

void RateLimitedLog::report_suppressed(spdlog::level::level_enum level, uint64_t count) const {
    // In the JSON log format the count and the category are fields of their own.
    const LogField fields[] = {{"category", std::string_view(category_)}, {"suppressed", count}};
    ScopedLogFields scope(fields);
    spdlog::log(level, "{}: {} similar line{} suppressed (at most {} a second)", category_, count,
                count == 1 ? "" : "s", limiter_.limit());
}

} // namespace switchyard

// The log rate limiter: a budget of lines per one-second window per category, and the
// count of suppressed lines handed to the next line written.
#include "log/rate_limited_log.hpp"

#include <catch2/catch.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace switchyard;
using namespace std::chrono_literals;

namespace {

size_t count_lines(const std::string& text) {
    size_t lines = 0;
    for (char c : text) lines += c == '\n' ? 1 : 0;
    return lines;
}

// Routes spdlog's default logger into a string while it lives.
class CapturedLog {
  public:
    explicit CapturedLog(spdlog::level::level_enum level) {
        previous_ = spdlog::default_logger();
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
        auto logger = std::make_shared<spdlog::logger>("captured", sink);
        logger->set_pattern("%l %v");
        logger->set_level(level);
        spdlog::set_default_logger(logger);
    }
    ~CapturedLog() { spdlog::set_default_logger(previous_); }
    std::string text() const { return out_.str(); }

  private:
    std::ostringstream out_;
    std::shared_ptr<spdlog::logger> previous_;
};

} // namespace

TEST_CASE("log rate limiter: N lines a window, then suppressed until the next window", "[log]") {
    LogRateLimiter limiter(3);
    const auto t0 = LogRateLimiter::Clock::now();
    for (int i = 0; i < 3; ++i) {
        const auto decision = limiter.admit(t0 + std::chrono::milliseconds(i));
        CHECK(decision.write);
        CHECK(decision.suppressed == 0);
    }
    for (int i = 0; i < 5; ++i) CHECK_FALSE(limiter.admit(t0 + 500ms).write);
    // Still the same window just before a second has passed.
    CHECK_FALSE(limiter.admit(t0 + 999ms).write);

    const auto next = limiter.admit(t0 + 1000ms);
    CHECK(next.write);
    CHECK(next.suppressed == 6);
    // The count is reported once.
    const auto after = limiter.admit(t0 + 1001ms);
    CHECK(after.write);
    CHECK(after.suppressed == 0);
}

TEST_CASE("log rate limiter: suppressed lines add up over silent windows", "[log]") {
    LogRateLimiter limiter(1);
    const auto t0 = LogRateLimiter::Clock::now();
    CHECK(limiter.admit(t0).write);
    CHECK_FALSE(limiter.admit(t0 + 1ms).write);
    // A window with nothing at all, then one more suppressed line in a later window.
    CHECK(limiter.admit(t0 + 5s).write);
    CHECK_FALSE(limiter.admit(t0 + 5s + 1ms).write);
    CHECK_FALSE(limiter.admit(t0 + 5s + 2ms).write);
    CHECK(limiter.admit(t0 + 7s).suppressed == 2);
}

TEST_CASE("log rate limiter: a budget of 0 still lets one line a window through", "[log]") {
    LogRateLimiter limiter(0);
    const auto t0 = LogRateLimiter::Clock::now();
    CHECK(limiter.admit(t0).write);
    CHECK_FALSE(limiter.admit(t0).write);
}

TEST_CASE("log rate limiter: threads sharing a category never exceed its budget", "[log]") {
    LogRateLimiter limiter(50);
    const auto t0 = LogRateLimiter::Clock::now();
    std::atomic<int> written{0};
    std::atomic<uint64_t> reported{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 1000; ++i) {
                const auto decision = limiter.admit(t0 + 10ms); // all in one window
                if (decision.write) ++written;
                reported += decision.suppressed;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    CHECK(written == 50);
    CHECK(reported == 0);
    CHECK(limiter.admit(t0 + 2s).suppressed == 4000 - 50);
}

TEST_CASE("rate-limited log: a flood writes the budget, then one suppressed report", "[log]") {
    CapturedLog captured(spdlog::level::info);
    RateLimitedLog log("bad frames", 5);
    for (int i = 0; i < 200; ++i) log.warn("bad frame from client {}", i);
    const std::string text = captured.text();
    INFO(text);
    CHECK(count_lines(text) == 5);
    CHECK(text.find("warning bad frame from client 4\n") != std::string::npos);
    CHECK(text.find("client 5\n") == std::string::npos);
}

TEST_CASE("rate-limited log: lines below the logger's level cost no budget", "[log]") {
    CapturedLog captured(spdlog::level::info);
    RateLimitedLog log("protocol errors", 2);
    for (int i = 0; i < 100; ++i) log.debug("not written {}", i);
    log.warn("first");
    log.warn("second");
    log.warn("third, suppressed");
    const std::string text = captured.text();
    INFO(text);
    CHECK(count_lines(text) == 2);
    CHECK(text.find("not written") == std::string::npos);
    CHECK(text.find("first") != std::string::npos);
    CHECK(text.find("second") != std::string::npos);
}

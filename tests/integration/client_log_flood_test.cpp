// A flood of misbehaving clients does not become a flood of log writes: the lines they
// cause (here: connections closed with 1002 for an unmasked frame) are rate-limited per
// category, and what was left out is reported in one line.
#include "kernel_log_lines.hpp"
#include "kernel_process.hpp"
#include "raw_tcp_exchange.hpp"
#include "raw_websocket.hpp"
#include "toml_text.hpp"
#include "wait_until.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

using namespace switchyard::test;

namespace {

constexpr int kBadClients = 200;
// RateLimitedLog::kDefaultLinesPerSecond.
constexpr size_t kLinesPerSecond = 10;

// One client that upgrades and sends a frame without a mask (RFC 6455 requires one):
// the server closes it with 1002.
void one_bad_client(uint16_t port) {
    const auto exchange = raw_tcp_exchange(port, websocket_upgrade_request() + "\x81\x05hello",
                                           [](const std::string&) { return false; });
    REQUIRE(exchange.closed);
    REQUIRE(close_code_in(exchange.received) == 1002);
}

size_t lines_of(const KernelProcess& kernel) {
    return count_log_lines(kernel, {""});
}

} // namespace

TEST_CASE("logs: 200 clients sending bad frames write a bounded number of lines",
          "[integration][logs]") {
    KernelOptions options;
    options.extra_toml = enabled_plugin_table("groove");
    std::string text = kernel_config_text(options);
    const std::string debug = "log_level = \"debug\"";
    text.replace(text.find(debug), debug.size(), "log_level = \"info\"");
    options.full_toml = text;
    auto kernel = KernelProcess::start(options);
    const uint16_t port = kernel.plugin_port("groove");
    // The start's own lines are done once the ready line is out; what follows is ours.
    const size_t before = lines_of(kernel);

    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kBadClients; ++i) one_bad_client(port);
    // Once a window has passed, the next such line comes after one with the count left
    // out; more bad clients until it shows (which also lets the flood's lines settle).
    int more = 0;
    const bool reported = wait_until(
        [&] {
            one_bad_client(port);
            ++more;
            return count_log_lines(kernel, {"similar lines suppressed"}) >= 1;
        },
        std::chrono::seconds(10), std::chrono::milliseconds(100));
    const auto elapsed = std::chrono::steady_clock::now() - start;

    // Every one-second window the flood touched allows the budget and one report.
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(elapsed).count();
    const size_t windows = static_cast<size_t>(seconds) + 2;
    const size_t bound = windows * (kLinesPerSecond + 1);
    const size_t written = lines_of(kernel) - before;
    INFO(kernel_stderr(kernel));
    INFO(written << " lines for " << kBadClients + more << " bad clients in "
                 << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()
                 << " ms; bound " << bound);
    CHECK(reported);
    CHECK(count_log_lines(kernel, {"closed with 1002"}) >= 1); // the first ones are seen
    CHECK(written <= bound);
    CHECK(written < static_cast<size_t>(kBadClients));
}

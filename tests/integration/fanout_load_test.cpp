// Fan-out under load, checked by the benchmark's own load generator (bench/loadgen): a
// publisher keeping 64 publishes in flight on one pipelined connection, hundreds of
// subscribers, and every message counted at every subscriber, so a frame lost, repeated
// or reordered into garbage by the coalesced write path fails the test. The kernel runs
// two workers, so broadcasts cross threads.
#include "child_process.hpp"
#include "kernel_process.hpp"
#include "test_json.hpp"
#include "toml_text.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace switchyard::test;

namespace {

constexpr auto kRunLimit = std::chrono::seconds(60);

// Runs loadgen with `args` to its end; the JSON line it printed.
boost::json::value run_loadgen(std::vector<std::string> args) {
    args.insert(args.begin(), SWITCHYARD_LOADGEN);
    auto loadgen = ChildProcess::spawn(args);
    const auto status = loadgen.wait_exit(kRunLimit);
    REQUIRE(loadgen.wait_for_output_end(std::chrono::seconds(10)));
    INFO("loadgen stderr: " << loadgen.stderr_text());
    INFO("loadgen stdout: " << loadgen.stdout_text());
    REQUIRE(status.has_value());
    CHECK(*status == 0);
    return parse_json(loadgen.stdout_text());
}

int64_t number(const boost::json::value& result, std::string_view key) {
    return result.at(key).to_number<int64_t>();
}

void check_every_delivery(const boost::json::value& result, int64_t subscribers, int64_t messages) {
    CHECK(number(result, "connected") == subscribers);
    CHECK(number(result, "published") == messages);
    CHECK(number(result, "publish_errors") == 0);
    CHECK(number(result, "expected") == subscribers * messages);
    CHECK(number(result, "delivered") == subscribers * messages);
    CHECK(number(result, "lost") == 0);
    CHECK(number(result, "duplicated") == 0);
    CHECK(number(result, "malformed") == 0);
}

std::string control_url(const KernelProcess& kernel, std::string_view path) {
    return "http://127.0.0.1:" + std::to_string(kernel.control_port()) + std::string(path);
}

} // namespace

TEST_CASE("fan-out: 64 pipelined publishes in flight reach 1000 WebSocket clients once each",
          "[integration][fanout]") {
    auto kernel = KernelProcess::start(enabled_plugin_table("groove"));
    const auto result = run_loadgen(
        {"--subscribe", "ws://127.0.0.1:" + std::to_string(kernel.plugin_port("groove")) + "/ws",
         "--subscribers", "1000", "--publish", control_url(kernel, "/api/v1/publish"), "--messages",
         "2000", "--size", "128", "--window", "64", "--timeout-s", "50"});
    check_every_delivery(result, 1000, 2000);
}

TEST_CASE("fan-out: large messages in a burst reach every WebSocket client whole",
          "[integration][fanout]") {
    // 64 KiB messages, 64 in flight: more than a socket buffer takes at once, so writes
    // end part-way through frames.
    auto kernel = KernelProcess::start(enabled_plugin_table("groove"));
    const auto result = run_loadgen(
        {"--subscribe", "ws://127.0.0.1:" + std::to_string(kernel.plugin_port("groove")) + "/ws",
         "--subscribers", "20", "--publish", control_url(kernel, "/api/v1/publish"), "--messages",
         "300", "--size", "65536", "--window", "64", "--timeout-s", "50"});
    check_every_delivery(result, 20, 300);
}

TEST_CASE("fan-out: the control API's event stream reaches 100 SSE followers once each",
          "[integration][fanout]") {
    auto kernel = KernelProcess::start(enabled_plugin_table("groove"));
    const auto result =
        run_loadgen({"--subscribe", control_url(kernel, "/api/v1/events?stream=groove"),
                     "--subscribers", "100", "--publish", control_url(kernel, "/api/v1/publish"),
                     "--messages", "2000", "--window", "64", "--timeout-s", "50"});
    check_every_delivery(result, 100, 2000);
}

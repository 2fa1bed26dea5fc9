// A JetStart device whose messages the bus refuses (the redis engine, Redis down) does not
// become a flood of log lines: the plugin logs refused publishes at a bounded rate and
// says how many it left out.
#include "free_port.hpp"
#include "jetstart_fixture.hpp"
#include "kernel_log_lines.hpp"
#include "kernel_process.hpp"
#include "wait_until.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace switchyard::test;

TEST_CASE("jetstart: publishes the bus refuses are logged at a bounded rate",
          "[integration][jetstart][logs]") {
    // Nothing listens at that port: every publish fails with the engine unavailable.
    const std::string bus = "[bus]\nengine = \"redis\"\nredis_url = \"redis://127.0.0.1:" +
                            std::to_string(free_port()) + "\"\nredis_timeout_ms = 100\n";
    auto kernel = start_jetstart({}, true, bus);
    auto device = open_device(kernel);
    constexpr int kMessages = 300;
    for (int i = 0; i < kMessages; ++i)
        REQUIRE(device.send_text(R"({"type":"client:heartbeat","timestamp":1})"));
    // The device is still served, and every heartbeat was handled by now.
    REQUIRE(device.send_text(R"({"type":"client:heartbeat","timestamp":"soon"})"));
    const auto error = next_object(device);
    CHECK(error.at("type") == "core:error");
    // A line per refused publish would be 301 (the client:connect too); the budget is 5
    // a second, and this took well under a minute.
    const size_t refused = count_log_lines(kernel, {"plugin jetstart: the bus refused"});
    CHECK(refused >= 1);
    CHECK(refused < 100);
    // Once a window has passed, the next refused publish reports what was left out.
    REQUIRE(wait_until(
        [&] {
            REQUIRE(device.send_text(R"({"type":"client:heartbeat","timestamp":1})"));
            return count_log_lines(kernel,
                                   {"plugin jetstart:", "more refused publishes not logged"}) >= 1;
        },
        std::chrono::seconds(10), std::chrono::milliseconds(50)));
}

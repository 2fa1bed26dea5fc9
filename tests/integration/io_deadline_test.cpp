// Deadlines on what a client sends ([kernel] io_timeout_ms, 30 s unless set; short here):
// a WebSocket frame of which only two header bytes came, a request head sent in part, and
// a request body that stops arriving are each cut off, while a well-behaved client on the
// same worker, idle between whole frames for longer than the deadline, is untouched.
#include "kernel_process.hpp"
#include "publish.hpp"
#include "raw_tcp_client.hpp"
#include "raw_websocket.hpp"
#include "toml_text.hpp"
#include "wait_until.hpp"
#include "ws_client.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace switchyard::test;

namespace {

constexpr auto kWait = std::chrono::seconds(10);

// One worker (so the good and the bad client share it), a 300 ms deadline, groove
// without keepalive (so only the deadline can close anything).
KernelProcess start_with_short_deadline() {
    KernelOptions options;
    options.extra_toml = enabled_plugin_table("groove", "ping_interval_ms = 0\n");
    std::string text = kernel_config_text(options);
    const std::string workers = "workers = 2\n";
    text.replace(text.find(workers), workers.size(), "workers = 1\nio_timeout_ms = 300\n");
    options.full_toml = text;
    return KernelProcess::start(options);
}

} // namespace

TEST_CASE("deadline: two bytes of a frame header, then nothing: closed, others untouched",
          "[integration][deadline]") {
    auto kernel = start_with_short_deadline();
    const uint16_t port = kernel.plugin_port("groove");
    auto good = WsClient::connect(port);

    auto stalled = RawTcpClient::connect(port);
    stalled.write(websocket_upgrade_request());
    REQUIRE(stalled.read_until(
        [](const std::string& got) { return got.find("\r\n\r\n") != std::string::npos; }, kWait));
    REQUIRE(stalled.received().rfind("HTTP/1.1 101", 0) == 0);
    // A masked text frame of 5 bytes announced; the mask and payload never come.
    stalled.write(std::string("\x81\x85", 2));

    REQUIRE(stalled.wait_closed(kWait));
    CHECK(close_code_in(stalled.received()) == 1008);

    // The good client was idle between whole frames all that time and is still served.
    CHECK_FALSE(good.closed());
    publish(kernel, R"({"topic":"groove","type":"still:here","data":{}})");
    CHECK(next_text_or_why(good) == R"({"event":"still:here","data":{}})");
}

TEST_CASE("deadline: a request head sent in part is cut off", "[integration][deadline]") {
    auto kernel = start_with_short_deadline();
    auto client = RawTcpClient::connect(kernel.plugin_port("groove"));
    client.write("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n");
    CHECK(client.wait_closed(kWait));
    // The same on the control API.
    auto control = RawTcpClient::connect(kernel.control_port());
    control.write("GET /healthz HTTP/1.1\r\nHo");
    CHECK(control.wait_closed(kWait));
}

TEST_CASE("deadline: a request body that stops arriving is cut off", "[integration][deadline]") {
    auto kernel = start_with_short_deadline();
    auto client = RawTcpClient::connect(kernel.control_port());
    client.write(
        "POST /api/v1/publish HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Content-Length: 100\r\n\r\n{\"topic\":\"groove\",");
    CHECK(client.wait_closed(kWait));
    CHECK(client.received().find("\"seq\"") == std::string::npos); // nothing was published
}

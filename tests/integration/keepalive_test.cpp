// WebSocket keepalive by default: every endpoint pings its clients (ping_interval_ms,
// pong_timeout_ms in the plugin's table; 30 s and 10 s unless set) and drops one that
// does not answer, while a client that answers stays; 0 turns it off. Accepted sockets
// carry SO_KEEPALIVE. Groove never asks for keepalive itself: what these tests see is the
// kernel's default.
#include "kernel_process.hpp"
#include "plugin_list.hpp"
#include "raw_tcp_client.hpp"
#include "raw_websocket.hpp"
#include "toml_text.hpp"
#include "wait_until.hpp"
#include "ws_client.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

using namespace switchyard::test;

namespace {

constexpr auto kWait = std::chrono::seconds(10);
constexpr uint8_t kPing = 0x9;

// A raw client upgraded to /ws that reads but never answers a ping.
RawTcpClient silent_client(uint16_t port) {
    auto client = RawTcpClient::connect(port);
    client.write(websocket_upgrade_request());
    const bool upgraded = client.read_until(
        [](const std::string& got) { return got.find("\r\n\r\n") != std::string::npos; }, kWait);
    REQUIRE(upgraded);
    REQUIRE(client.received().rfind("HTTP/1.1 101", 0) == 0);
    return client;
}

// The "timer active" field of the server side of the connection between the server's
// `server_port` and the client's `client_port` in /proc/net/tcp: 2 means the keepalive
// timer runs (the socket has SO_KEEPALIVE), 0 that no timer does.
std::optional<int> server_socket_timer(uint16_t server_port, uint16_t client_port) {
    std::ifstream in("/proc/net/tcp");
    std::string line;
    std::getline(in, line); // the header
    char local[32];
    char remote[32];
    std::snprintf(local, sizeof local, ":%04X", server_port);
    std::snprintf(remote, sizeof remote, ":%04X", client_port);
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string slot, local_address, remote_address, state, queues, timer;
        fields >> slot >> local_address >> remote_address >> state >> queues >> timer;
        if (!local_address.ends_with(local) || !remote_address.ends_with(remote)) continue;
        return std::stoi(timer.substr(0, timer.find(':')), nullptr, 16);
    }
    return std::nullopt;
}

} // namespace

TEST_CASE("keepalive: by default a client that never answers pings is closed, one that does stays",
          "[integration][keepalive]") {
    auto kernel = KernelProcess::start(
        enabled_plugin_table("groove", "ping_interval_ms = 200\npong_timeout_ms = 500\n"));
    const uint16_t port = kernel.plugin_port("groove");
    auto silent = silent_client(port);
    auto alive = WsClient::connect(port);

    // The test client answers a ping while it reads: keep `alive` reading until the
    // silent one was dropped.
    const bool dropped = wait_until(
        [&] {
            alive.read(std::chrono::milliseconds(20));
            silent.read_until([](const std::string&) { return false; },
                              std::chrono::milliseconds(1));
            return silent.closed();
        },
        kWait);
    INFO(silent.received().size() << " bytes received by the silent client");
    REQUIRE(dropped);
    CHECK(count_frames(silent.received(), kPing) >= 1); // it was pinged before the drop
    CHECK_FALSE(alive.closed());
    const bool counted_once = wait_until(
        [&] {
            alive.read(std::chrono::milliseconds(20));
            const auto groove = listed_plugin(kernel, "groove");
            return groove && groove->at("connections").to_number<int64_t>() == 1;
        },
        kWait);
    CHECK(counted_once);
    CHECK_FALSE(alive.closed());
}

TEST_CASE("keepalive: ping_interval_ms = 0 in the plugin's table turns it off",
          "[integration][keepalive]") {
    // jarvis with keepalive off (the kernel reads its table too, and jarvis asks for
    // none itself), groove with a short one: the groove client's pings show that time
    // passed.
    KernelOptions options;
    options.extra_toml =
        enabled_plugin_table("groove", "ping_interval_ms = 50\npong_timeout_ms = 0\n") + "\n" +
        enabled_plugin_table("jarvis", "ping_interval_ms = 0\n");
    auto kernel = KernelProcess::start(options);
    auto pinged = silent_client(kernel.plugin_port("groove"));
    auto quiet = silent_client(kernel.plugin_port("jarvis"));

    const bool pinged_often = pinged.read_until(
        [](const std::string& got) { return count_frames(got, kPing) >= 5; }, kWait);
    REQUIRE(pinged_often);
    quiet.read_until([](const std::string&) { return false; }, std::chrono::milliseconds(1));
    CHECK(count_frames(quiet.received(), kPing) == 0);
    CHECK_FALSE(quiet.closed());
    CHECK_FALSE(pinged.closed()); // pong_timeout_ms = 0: pinged, never dropped
}

TEST_CASE("keepalive: accepted sockets have SO_KEEPALIVE", "[integration][keepalive]") {
    auto kernel = KernelProcess::start(enabled_plugin_table("groove", "ping_interval_ms = 0\n"));
    const uint16_t port = kernel.plugin_port("groove");
    auto ws = silent_client(port);
    auto control = RawTcpClient::connect(kernel.control_port());
    CHECK(server_socket_timer(port, ws.local_port()) == 2);
    // The control connection is accepted on the server's own time.
    CHECK(wait_until(
        [&] { return server_socket_timer(kernel.control_port(), control.local_port()) == 2; },
        kWait));
}

// Connection caps over real sockets: past an endpoint's max_connections, the kernel's
// max_connections or an endpoint's max_connections_per_address, the next connection is
// answered 503 TOO_MANY_CONNECTIONS at once (before any upgrade), and once a connection
// closes a new one is served again. The control API counts apart from the kernel's cap.
#include "http_client.hpp"
#include "kernel_process.hpp"
#include "raw_tcp_client.hpp"
#include "raw_websocket.hpp"
#include "toml_text.hpp"
#include "wait_until.hpp"
#include "ws_client.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

using namespace switchyard::test;

namespace {

constexpr auto kWait = std::chrono::seconds(10);

// The refusal a capped endpoint answers with, checked whole.
void check_refused(const WsAttempt& attempt) {
    INFO("status " << attempt.status << ", body " << attempt.body);
    CHECK(attempt.status == 503);
    CHECK(attempt.body.find(R"("error":"TOO_MANY_CONNECTIONS")") != std::string::npos);
    CHECK_FALSE(attempt.client.has_value());
}

// Waits until an upgrade to `port` is accepted again (the server hears of a closed
// connection on its own time) and returns the client.
std::optional<WsClient> wait_accepted(uint16_t port) {
    std::optional<WsClient> client;
    wait_until(
        [&] {
            auto attempt = WsClient::try_connect(port);
            if (attempt.client) client = std::move(attempt.client);
            return client.has_value();
        },
        kWait, std::chrono::milliseconds(20));
    return client;
}

// A raw connection from `source` that upgrades to /ws; its answer's status line.
std::string raw_upgrade_status(RawTcpClient& client) {
    client.write(websocket_upgrade_request());
    client.read_until(
        [](const std::string& got) { return got.find("\r\n\r\n") != std::string::npos; }, kWait);
    return client.received().substr(0, client.received().find("\r\n"));
}

} // namespace

TEST_CASE("caps: an endpoint's max_connections refuses the next connection with 503",
          "[integration][caps]") {
    auto kernel = KernelProcess::start(enabled_plugin_table("groove", "max_connections = 2\n"));
    const uint16_t port = kernel.plugin_port("groove");
    auto first = WsClient::connect(port);
    auto second = WsClient::connect(port);

    check_refused(WsClient::try_connect(port));
    // A plain HTTP request is a connection too: refused the same way.
    const HttpResponse plain = HttpClient(port).get("/ws");
    CHECK(plain.status == 503);
    CHECK(plain.body.find("TOO_MANY_CONNECTIONS") != std::string::npos);
    // The open ones are untouched, and the control API still answers.
    CHECK_FALSE(first.closed());
    CHECK(kernel.control().get("/healthz").status == 200);

    second.close();
    auto third = wait_accepted(port);
    REQUIRE(third.has_value());
    check_refused(WsClient::try_connect(port));
}

TEST_CASE("caps: the kernel's max_connections spans every plugin endpoint but not the control API",
          "[integration][caps]") {
    KernelOptions options;
    options.kernel_toml = "max_connections = 2\n";
    options.extra_toml = enabled_plugin_table("groove") + "\n" + enabled_plugin_table("jarvis");
    auto kernel = KernelProcess::start(options);
    const uint16_t groove = kernel.plugin_port("groove");
    const uint16_t jarvis = kernel.plugin_port("jarvis");
    auto on_groove = WsClient::connect(groove);
    auto on_jarvis = WsClient::connect(jarvis);

    check_refused(WsClient::try_connect(groove));
    check_refused(WsClient::try_connect(jarvis));
    // The operator's API is outside the kernel's cap.
    CHECK(kernel.control().get("/healthz").status == 200);
    CHECK(kernel.control().get("/api/v1/plugins").status == 200);

    on_jarvis.close();
    // The place freed at one endpoint serves a client of the other.
    auto again = wait_accepted(groove);
    REQUIRE(again.has_value());
    check_refused(WsClient::try_connect(jarvis));
    CHECK_FALSE(on_groove.closed());
}

TEST_CASE("caps: max_connections_per_address refuses a second connection from one address only",
          "[integration][caps]") {
    auto kernel =
        KernelProcess::start(enabled_plugin_table("groove", "max_connections_per_address = 1\n"));
    const uint16_t port = kernel.plugin_port("groove");
    auto first = RawTcpClient::connect(port, "127.0.0.1");
    CHECK(raw_upgrade_status(first) == "HTTP/1.1 101 Switching Protocols");

    auto second = RawTcpClient::connect(port, "127.0.0.1");
    CHECK(raw_upgrade_status(second) == "HTTP/1.1 503 Service Unavailable");
    CHECK(second.received().find(R"("error":"TOO_MANY_CONNECTIONS")") != std::string::npos);
    CHECK(second.wait_closed(kWait));

    // Another client address has its own count.
    auto elsewhere = RawTcpClient::connect(port, "127.0.0.2");
    CHECK(raw_upgrade_status(elsewhere) == "HTTP/1.1 101 Switching Protocols");

    first.write(masked_client_frame(0x8, std::string("\x03\xe8", 2))); // close 1000
    CHECK(first.wait_closed(kWait));
    std::string status;
    const bool served = wait_until(
        [&] {
            auto again = RawTcpClient::connect(port, "127.0.0.1");
            status = raw_upgrade_status(again);
            return status == "HTTP/1.1 101 Switching Protocols";
        },
        kWait, std::chrono::milliseconds(20));
    INFO("last answer: " << status);
    CHECK(served);
}

TEST_CASE("caps: SIGHUP raises an endpoint's max_connections for the next connections",
          "[integration][caps]") {
    KernelOptions options;
    options.extra_toml = enabled_plugin_table("groove", "max_connections = 1\n");
    auto kernel = KernelProcess::start(options);
    const uint16_t port = kernel.plugin_port("groove");
    auto first = WsClient::connect(port);
    check_refused(WsClient::try_connect(port));

    // The same file with a higher cap (the port stays: listen is the same ephemeral
    // address, which SIGHUP leaves bound).
    std::string text = kernel_config_text(options);
    const std::string cap = "max_connections = 1";
    text.replace(text.find(cap), cap.size(), "max_connections = 2");
    {
        std::ofstream out(kernel.config_path(), std::ios::binary | std::ios::trunc);
        out << text;
    }
    kernel.send_signal(SIGHUP);
    auto second = wait_accepted(port);
    REQUIRE(second.has_value());
    check_refused(WsClient::try_connect(port));
    CHECK_FALSE(first.closed());
}

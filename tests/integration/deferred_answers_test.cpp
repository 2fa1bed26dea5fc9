// Deferred HTTP answers (ABI 1.1, issue 9 section 2) over real sockets, with the
// deferred_answers test plugin: on_http returns SY_DEFERRED, and a later hook (a bus event,
// another request) answers with host->respond. Pipelined requests behind a deferred one
// keep their order; the kernel answers 504 past the deadline, 503 past the bound and when
// the plugin is disabled; respond says SY_ERR_CLOSED for a client that left and
// SY_ERR_NOT_FOUND for an unknown or answered id.
#include "http_client.hpp"
#include "kernel_log_lines.hpp"
#include "kernel_process.hpp"
#include "publish.hpp"
#include "raw_tcp_exchange.hpp"
#include "toml_text.hpp"
#include "wait_until.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <future>
#include <string>

using namespace switchyard::test;

namespace {

constexpr auto kWait = std::chrono::seconds(10);
// respond()'s statuses as the plugin reports them (plugin.h: SY_ERR_NOT_FOUND,
// SY_ERR_CLOSED; the integration tests see the kernel only from outside).
const std::string kNotFound = "-3";
const std::string kClosed = "-4";

std::string plugin_table(std::string_view more = {}, bool enabled = true) {
    std::string table = enabled_plugin_table(
        "deferred_answers",
        "library = " +
            toml_quote(std::string(SWITCHYARD_TEST_PLUGIN_DIR) + "/deferred_answers.so") + "\n" +
            std::string(more));
    if (!enabled) table.replace(table.find("enabled = true"), 14, "enabled = false");
    return table;
}

KernelProcess start_plugin(std::string_view more = {}) {
    KernelOptions options;
    options.extra_toml = plugin_table(more);
    return KernelProcess::start(options);
}

uint16_t port_of(const KernelProcess& kernel) {
    return kernel.plugin_port("deferred_answers");
}

// GET `path` on a raw connection, in the background, until `answers` responses came.
std::future<RawExchange> get_in_background(uint16_t port, std::string requests,
                                           size_t answers = 1) {
    return std::async(std::launch::async, [port, requests = std::move(requests), answers] {
        return raw_tcp_exchange(
            port, requests,
            [answers](const std::string& received) {
                return count_of(received, "HTTP/1.1 ") >= answers &&
                       received.rfind("\r\n\r\n") != std::string::npos;
            },
            kWait);
    });
}

std::string get_request(std::string_view path) {
    return "GET " + std::string(path) + " HTTP/1.1\r\nHost: test\r\n\r\n";
}

bool holds(const HttpClient& http, size_t n) {
    return wait_until([&] { return http.get("/held").body == std::to_string(n); }, kWait);
}

} // namespace

TEST_CASE("deferred: a request answered from a later hook, pipelined requests keep their order",
          "[integration][deferred]") {
    auto kernel = start_plugin();
    const HttpClient http(port_of(kernel));
    // Deferred first, answered at once second: the second answer must wait for the first.
    auto pending =
        get_in_background(port_of(kernel), get_request("/defer") + get_request("/now"), 2);
    REQUIRE(holds(http, 1));
    publish(kernel, R"({"topic":"deferred_answers","type":"answer","data":{"from":"bus"}})");
    const RawExchange exchange = pending.get();
    INFO(exchange.received);
    const size_t first = exchange.received.find(R"({"from":"bus"})");
    REQUIRE(first != std::string::npos);
    CHECK(exchange.received.rfind("HTTP/1.1 200", 0) == 0);
    const size_t second = exchange.received.find("HTTP/1.1 200", first);
    CHECK(second != std::string::npos);
    CHECK(count_of(exchange.received, "HTTP/1.1 200") == 2);
}

TEST_CASE(
    "deferred: request ids are non-zero and never reused, and unknown or answered ids are "
    "SY_ERR_NOT_FOUND",
    "[integration][deferred]") {
    auto kernel = start_plugin();
    const HttpClient http(port_of(kernel));
    const std::string a = http.get("/now").body;
    const std::string b = http.get("/now").body;
    CHECK(a != "0");
    CHECK(b != "0");
    CHECK(a != b);
    CHECK(http.get("/respond/987654321").body == kNotFound);
    CHECK(http.get("/respond/0").body == kNotFound);
    // Answered already (at once, by on_http).
    CHECK(http.get("/respond/" + b).body == kNotFound);
    // Answered by respond: a second respond finds nothing.
    auto pending = get_in_background(port_of(kernel), get_request("/defer"));
    REQUIRE(holds(http, 1));
    CHECK(http.get("/answer").body == "[0]");
    CHECK(pending.get().received.find("answered") != std::string::npos);
}

TEST_CASE(
    "deferred: no answer within respond_timeout_ms gets 504 and the late respond is "
    "SY_ERR_NOT_FOUND",
    "[integration][deferred]") {
    auto kernel = start_plugin("respond_timeout_ms = 200\n");
    const HttpClient http(port_of(kernel));
    const HttpResponse answer = http.get("/defer");
    CHECK(answer.status == 504);
    CHECK(answer.body.find(R"("error":"TIMEOUT")") != std::string::npos);
    CHECK(http.get("/answer").body == "[" + kNotFound + "]");
}

TEST_CASE("deferred: respond after the client left is SY_ERR_CLOSED", "[integration][deferred]") {
    auto kernel = start_plugin();
    const HttpClient http(port_of(kernel));
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port_of(kernel));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    const std::string request = get_request("/defer");
    REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(request.size()));
    REQUIRE(holds(http, 1));
    ::close(fd);
    REQUIRE(wait_until(
        [&] {
            return count_log_lines(kernel, {"client left", "deferred"}) > 0;
        },
        kWait));
    CHECK(http.get("/answer").body == "[" + kClosed + "]");
}

TEST_CASE("deferred: past max_deferred a deferral is answered 503 at once",
          "[integration][deferred]") {
    auto kernel = start_plugin("max_deferred = 2\n");
    const HttpClient http(port_of(kernel));
    auto first = get_in_background(port_of(kernel), get_request("/defer"));
    auto second = get_in_background(port_of(kernel), get_request("/defer"));
    REQUIRE(holds(http, 2));
    const HttpResponse refused = http.get("/defer");
    CHECK(refused.status == 503);
    CHECK(refused.body.find(R"("error":"BUSY")") != std::string::npos);
    // The two held are answered; the refused one is no longer the plugin's to answer.
    CHECK(http.get("/answer").body == "[0,0," + kNotFound + "]");
    CHECK(first.get().received.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(second.get().received.rfind("HTTP/1.1 200", 0) == 0);
    // Below the bound again: deferring works.
    auto third = get_in_background(port_of(kernel), get_request("/defer"));
    REQUIRE(holds(http, 1));
    CHECK(http.get("/answer").body == "[0]");
    CHECK(third.get().received.rfind("HTTP/1.1 200", 0) == 0);
}

TEST_CASE("deferred: requests still held when the plugin is disabled get 503",
          "[integration][deferred]") {
    auto kernel = start_plugin();
    const HttpClient http(port_of(kernel));
    auto pending = get_in_background(port_of(kernel), get_request("/defer"));
    REQUIRE(holds(http, 1));
    KernelOptions options;
    options.extra_toml = plugin_table({}, false);
    {
        std::ofstream out(kernel.config_path(), std::ios::binary | std::ios::trunc);
        out << kernel_config_text(options);
    }
    kernel.send_signal(SIGHUP);
    const RawExchange exchange = pending.get();
    INFO(exchange.received);
    CHECK(exchange.received.rfind("HTTP/1.1 503", 0) == 0);
    CHECK(exchange.received.find("PLUGIN_DISABLED") != std::string::npos);
}

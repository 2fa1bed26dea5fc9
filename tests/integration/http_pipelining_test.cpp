// HTTP/1.1 pipelining on the control API, over a raw socket: requests a client writes
// back to back are answered in order, a bad request among them is answered in its turn
// and ends the connection, and an event stream pipelined behind a publish starts after
// the publish's answer. (A backend publishing with many requests in flight relies on the
// first; the others keep the session's read-ahead honest.)
#include "kernel_process.hpp"
#include "raw_tcp_exchange.hpp"
#include "toml_text.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace switchyard::test;

namespace {

std::string publish_request(std::string_view type) {
    const std::string body = R"({"topic":"groove","type":")" + std::string(type) + R"("})";
    return "POST /api/v1/publish HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           "Content-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
}

} // namespace

TEST_CASE("control: pipelined publishes on one connection are answered in order",
          "[integration][control]") {
    auto kernel = KernelProcess::start(enabled_plugin_table("groove"));
    std::string requests;
    for (int i = 0; i < 50; ++i) requests += publish_request("t" + std::to_string(i));

    const auto exchange = raw_tcp_exchange(kernel.control_port(), requests, [](const auto& got) {
        return count_of(got, "{\"seq\":") == 50;
    });
    INFO(exchange.received);
    REQUIRE(count_of(exchange.received, "HTTP/1.1 200 OK\r\n") == 50);
    CHECK_FALSE(exchange.closed);
    // The seqs come back 1, 2, ... 50: each answer belongs to its own request.
    size_t at = 0;
    for (int seq = 1; seq <= 50; ++seq) {
        const std::string body = "{\"seq\":" + std::to_string(seq) + "}";
        const size_t found = exchange.received.find(body, at);
        REQUIRE(found != std::string::npos);
        at = found + body.size();
    }
}

TEST_CASE(
    "control: a bad request pipelined behind a publish is answered 400 after it "
    "then the connection closes",
    "[integration][control]") {
    auto kernel = KernelProcess::start(enabled_plugin_table("groove"));
    const std::string requests =
        publish_request("first") + "NOT HTTP AT ALL\r\n\r\n" + publish_request("never");
    const auto exchange =
        raw_tcp_exchange(kernel.control_port(), requests, [](const auto&) { return false; });
    INFO(exchange.received);
    CHECK(exchange.closed);
    const size_t ok = exchange.received.find("HTTP/1.1 200 OK\r\n");
    const size_t bad = exchange.received.find("HTTP/1.1 400 Bad Request\r\n");
    REQUIRE(ok != std::string::npos);
    REQUIRE(bad != std::string::npos);
    CHECK(ok < bad);
    CHECK(count_of(exchange.received, "HTTP/1.1 ") == 2); // nothing served after the 400
    CHECK(count_of(exchange.received, "{\"seq\":") == 1);
}

TEST_CASE("control: an event stream pipelined behind a publish starts after its answer",
          "[integration][control]") {
    auto kernel = KernelProcess::start(enabled_plugin_table("groove"));
    const std::string requests = publish_request("before") +
                                 "GET /api/v1/events?stream=groove HTTP/1.1\r\n"
                                 "Host: 127.0.0.1\r\n\r\n";
    const auto exchange = raw_tcp_exchange(kernel.control_port(), requests, [](const auto& got) {
        return got.find(": connected\n\n") != std::string::npos;
    });
    INFO(exchange.received);
    const size_t answer = exchange.received.find("{\"seq\":1}");
    const size_t stream = exchange.received.find("Content-Type: text/event-stream");
    const size_t connected = exchange.received.find(": connected\n\n");
    REQUIRE(answer != std::string::npos);
    REQUIRE(stream != std::string::npos);
    REQUIRE(connected != std::string::npos);
    CHECK(answer < stream);
    CHECK(stream < connected);
}

TEST_CASE("control: the answer to HEAD has its Content-Length but no body",
          "[integration][control]") {
    auto kernel = KernelProcess::start(enabled_plugin_table("groove"));
    // Pipelined: were a body sent after the HEAD answer, it would stand where the second
    // answer's status line must be.
    const std::string requests =
        "HEAD /api/v1/plugins HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    const auto exchange = raw_tcp_exchange(kernel.control_port(), requests, [](const auto& got) {
        return count_of(got, "HTTP/1.1 ") == 2 &&
               got.find("\r\n\r\n", got.rfind("HTTP/1.1 ")) != std::string::npos;
    });
    INFO(exchange.received);
    const size_t head_end = exchange.received.find("\r\n\r\n");
    REQUIRE(head_end != std::string::npos);
    const std::string head = exchange.received.substr(0, head_end);
    CHECK(head.find("Content-Length: 0\r\n") == std::string::npos);
    CHECK(head.find("Content-Length: ") != std::string::npos);
    // The next bytes are the second answer's status line.
    CHECK(exchange.received.compare(head_end + 4, 9, "HTTP/1.1 ") == 0);
}

// The upstream pass-through (issue 13, item 1; ABI 1.4 SY_ROUTE_UPSTREAM and
// on_upstream): requests a plugin's routes do not serve go to `upstream`, the product's
// own backend, as nginx's proxy_pass would. The plugin is tests/plugins/upstream_gate.cpp;
// the backends are a FakeBackend (REST routes that record what they got) and raw TCP
// backends the test drives byte by byte (a half-sent answer, a stall, a 100 MiB body).
#include "fake_backend.hpp"
#include "http_client.hpp"
#include "kernel_process.hpp"
#include "process_memory.hpp"
#include "tcp_acceptor.hpp"
#include "tcp_peer.hpp"
#include "temp_dir.hpp"
#include "toml_text.hpp"
#include "wait_until.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <string>
#include <thread>

using namespace switchyard::test;

namespace {

constexpr auto kWait = std::chrono::seconds(10);

std::string gate_table(const std::string& upstream, std::string_view more = {}) {
    std::string lines =
        "library = " + toml_quote(std::string(SWITCHYARD_TEST_PLUGIN_DIR) + "/upstream_gate.so") +
        "\n";
    if (!upstream.empty()) lines += "upstream = " + toml_quote(upstream) + "\n";
    lines += more;
    return enabled_plugin_table("upstream_gate", lines);
}

KernelProcess start_gate(const std::string& upstream, std::string_view more = {}) {
    return KernelProcess::start(gate_table(upstream, more));
}

std::string up_url(uint16_t port) {
    return "http://127.0.0.1:" + std::to_string(port);
}

bool has_head(const std::string& received) {
    return received.find("\r\n\r\n") != std::string::npos;
}

// The body of a raw response after its head.
std::string body_of(const std::string& received) {
    const size_t end = received.find("\r\n\r\n");
    return end == std::string::npos ? std::string() : received.substr(end + 4);
}

} // namespace

TEST_CASE(
    "upstream: a request no route serves reaches the backend whole, rewritten as a "
    "proxy does",
    "[integration][upstream]") {
    FakeBackend backend;
    backend.route("POST", "/api/things", [](const BackendRequest& request) {
        return BackendResponse{201,
                               "application/json",
                               {{"X-Backend", "yes"}},
                               R"({"got":)" + std::to_string(request.body.size()) + "}"};
    });
    auto kernel = start_gate(backend.url());
    const uint16_t port = kernel.plugin_port("upstream_gate");

    HttpClient client(port);
    const std::string body(300000, 'b');
    const auto answer = client.request("POST", "/api/things?x=1&y=%20z", body,
                                       {{"X-Custom", "kept"},
                                        {"Connection", "keep-alive, X-Secret"},
                                        {"X-Secret", "hop"},
                                        {"Keep-Alive", "timeout=5"},
                                        {"TE", "trailers"},
                                        {"Proxy-Connection", "keep-alive"},
                                        {"X-Forwarded-For", "203.0.113.7"}});
    CHECK(answer.status == 201);
    CHECK(answer.body == R"({"got":300000})");
    CHECK(answer.header("X-Backend") == "yes");
    CHECK(answer.header("X-Gate-Passed") == "4/2"); // SY_ROUTE_UPSTREAM, route index 2

    const auto seen = backend.wait_for("/api/things", kWait);
    REQUIRE(seen);
    CHECK(seen->method == "POST");
    CHECK(seen->target == "/api/things?x=1&y=%20z");
    CHECK(seen->body == body);
    CHECK(seen->header("X-Custom") == "kept");
    CHECK(seen->header("Host") == "127.0.0.1:" + std::to_string(backend.port()));
    CHECK(seen->header("X-Forwarded-Host") == "127.0.0.1:" + std::to_string(port));
    CHECK(seen->header("X-Forwarded-Proto") == "http");
    CHECK(seen->header("X-Forwarded-For") == "203.0.113.7, 127.0.0.1");
    for (const char* hop : {"X-Secret", "Keep-Alive", "TE", "Proxy-Connection"}) {
        INFO(hop);
        CHECK_FALSE(seen->header(hop));
    }
    CHECK(seen->header("Connection") == "close");
    CHECK(seen->header_count("X-Forwarded-For") == 1);
}

TEST_CASE(
    "upstream: the plugin's routes stay its own, unrouted paths and plain GETs on a "
    "WebSocket route go upstream, and without an upstream on_http serves upstream routes",
    "[integration][upstream]") {
    FakeBackend backend;
    backend.route_json("GET", "/elsewhere", R"({"from":"backend"})");
    backend.route_json("GET", "/ws", R"({"from":"backend ws page"})");
    {
        auto kernel = start_gate(backend.url());
        HttpClient client(kernel.plugin_port("upstream_gate"));
        CHECK(client.get("/own").body == "own");
        const auto elsewhere = client.get("/elsewhere");
        CHECK(elsewhere.body == R"({"from":"backend"})");
        CHECK(elsewhere.header("X-Gate-Passed") == "4/3"); // no route: route_count
        CHECK(client.get("/ws").body == R"({"from":"backend ws page"})");
        // The backend's own 404 comes back as it is.
        const auto missing = client.get("/api/missing");
        CHECK(missing.status == 404);
        CHECK(missing.body == R"({"error":"Not found"})");
    }
    const size_t reached_backend = backend.requests().size();
    auto kernel = start_gate("");
    HttpClient client(kernel.plugin_port("upstream_gate"));
    const auto fallback = client.get("/api/anything");
    CHECK(fallback.status == 404);
    CHECK(fallback.body == R"({"error":"NO_UPSTREAM"})");
    CHECK(client.get("/elsewhere").status == 404);
    CHECK(backend.requests().size() == reached_backend);
}

TEST_CASE("upstream: the plugin's on_upstream refuses before anything reaches the backend",
          "[integration][upstream]") {
    FakeBackend backend;
    backend.route_json("*", "/api/secret", R"({"secret":true})");
    auto kernel = start_gate(backend.url());
    HttpClient client(kernel.plugin_port("upstream_gate"));
    const auto refused = client.request("POST", "/api/secret", "{}", {{"X-Gate", "closed"}});
    CHECK(refused.status == 401);
    CHECK(refused.body == R"({"error":"UNAUTHORIZED"})");
    const auto passed = client.get("/api/secret");
    CHECK(passed.status == 200);
    const auto requests = backend.requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].method == "GET");
}

TEST_CASE("upstream: a backend that is down gets 502, one that stalls 504, as JSON errors",
          "[integration][upstream]") {
    uint16_t closed_port = 0;
    {
        TcpAcceptor gone; // bound, then closed: nothing listens there any more
        closed_port = gone.port();
    }
    {
        auto kernel = start_gate(up_url(closed_port));
        HttpClient client(kernel.plugin_port("upstream_gate"));
        const auto down = client.get("/api/status");
        CHECK(down.status == 502);
        CHECK(down.header("Content-Type") == "application/json");
        CHECK(down.body.find(R"("error":"BAD_GATEWAY")") != std::string::npos);
        // The plugin's own routes are untouched.
        CHECK(client.get("/own").body == "own");
    }
    TcpAcceptor stalling;
    auto kernel = start_gate(up_url(stalling.port()), "upstream_timeout_ms = 300\n");
    const uint16_t port = kernel.plugin_port("upstream_gate");
    std::thread client_thread;
    HttpResponse slow;
    client_thread = std::thread([&] { slow = HttpClient(port).get("/api/slow"); });
    auto backend_side = stalling.accept(kWait);
    REQUIRE(backend_side);
    // It reads the request and never answers.
    CHECK(backend_side->read_until(has_head, kWait));
    client_thread.join();
    CHECK(slow.status == 504);
    CHECK(slow.body.find(R"("error":"GATEWAY_TIMEOUT")") != std::string::npos);
}

TEST_CASE("upstream: bodies stream both ways, piece by piece, chunked or not",
          "[integration][upstream]") {
    TcpAcceptor backend;
    auto kernel = start_gate(up_url(backend.port()));
    auto client = TcpPeer::connect(kernel.plugin_port("upstream_gate"));

    // The client sends the head and a first chunk, and holds the rest back.
    REQUIRE(
        client.write("POST /api/upload HTTP/1.1\r\nHost: sy\r\nTransfer-Encoding: chunked\r\n"
                     "\r\n5\r\nfirst\r\n"));
    auto upstream = backend.accept(kWait);
    REQUIRE(upstream);
    // The backend sees the first piece while the client has not sent the second.
    REQUIRE(upstream->read_until(
        [](const std::string& got) { return got.find("first") != std::string::npos; }, kWait));
    CHECK(upstream->received().find("Transfer-Encoding: chunked") != std::string::npos);
    REQUIRE(client.write("6\r\nsecond\r\n0\r\n\r\n"));
    REQUIRE(upstream->read_until(
        [](const std::string& got) { return got.find("0\r\n\r\n") != std::string::npos; }, kWait));
    CHECK(upstream->received().find("second") != std::string::npos);

    // The backend answers without a length, in two pieces: the client gets the first
    // before the backend sends the second, as a chunked body.
    REQUIRE(
        upstream->write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n"
                        "X-Hop: gone\r\n\r\npart-one "));
    REQUIRE(client.read_until(
        [](const std::string& got) { return got.find("part-one") != std::string::npos; }, kWait));
    const std::string head = client.received().substr(0, client.received().find("\r\n\r\n"));
    CHECK(head.find("Transfer-Encoding: chunked") != std::string::npos);
    CHECK(head.find("Connection: close") == std::string::npos); // the client's stays open
    REQUIRE(upstream->write("part-two"));
    upstream.reset(); // the end of the body
    REQUIRE(client.read_until(
        [](const std::string& got) { return got.find("0\r\n\r\n") != std::string::npos; }, kWait));
    CHECK(body_of(client.received()).find("part-two") != std::string::npos);

    // The client's connection carries its next request.
    REQUIRE(client.write("GET /own HTTP/1.1\r\nHost: sy\r\n\r\n"));
    CHECK(client.read_until(
        [](const std::string& got) { return got.rfind("own") == got.size() - 3; }, kWait));
}

TEST_CASE("upstream: a 100 MiB answer passes without the kernel's memory growing with it",
          "[integration][upstream]") {
    TcpAcceptor backend;
    auto kernel = start_gate(up_url(backend.port()));
    const uint64_t before_kib = resident_kib(kernel.pid());
    auto client = TcpPeer::connect(kernel.plugin_port("upstream_gate"));
    REQUIRE(client.write("GET /api/big HTTP/1.1\r\nHost: sy\r\n\r\n"));
    auto upstream = backend.accept(kWait);
    REQUIRE(upstream);
    REQUIRE(upstream->read_until(has_head, kWait));

    constexpr size_t kTotal = 100u << 20;
    std::atomic<bool> written{false};
    std::thread writer([&] {
        std::string head =
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
            "Content-Length: " +
            std::to_string(kTotal) + "\r\n\r\n";
        bool ok = upstream->write(head);
        const std::string piece(1u << 20, 'z');
        for (size_t sent = 0; ok && sent < kTotal; sent += piece.size())
            ok = upstream->write(piece);
        written = ok;
    });
    uint64_t peak_kib = 0;
    const bool complete = client.read_until(
        [&](const std::string& got) {
            peak_kib = std::max(peak_kib, resident_kib(kernel.pid()));
            const size_t end = got.find("\r\n\r\n");
            return end != std::string::npos && got.size() - end - 4 >= kTotal;
        },
        std::chrono::seconds(60));
    writer.join();
    CHECK(written);
    REQUIRE(complete);
    CHECK(client.received().find("Content-Length: 104857600") != std::string::npos);
    INFO("resident before " << before_kib << " KiB, peak while relaying " << peak_kib << " KiB");
    // A copy of the answer would be 102,400 KiB; the relay holds 64 KiB of it at a time
    // (the margin is the sanitizer build's: its allocator keeps freed memory a while).
    CHECK(peak_kib < before_kib + 32 * 1024);
}

TEST_CASE("upstream: HEAD, Expect: 100-continue, an upgrade nowhere routed, pipelined requests",
          "[integration][upstream]") {
    FakeBackend backend;
    backend.route("*", "/api/doc", [](const BackendRequest& request) {
        (void)request;
        return BackendResponse{200, "text/plain", {}, "document"};
    });
    backend.route("POST", "/api/echo", [](const BackendRequest& request) {
        return BackendResponse{200, "text/plain", {}, request.body};
    });
    auto kernel = start_gate(backend.url());
    const uint16_t port = kernel.plugin_port("upstream_gate");

    // HEAD: the backend's length, no body, the connection goes on.
    auto client = TcpPeer::connect(port);
    REQUIRE(
        client.write("HEAD /api/doc HTTP/1.1\r\nHost: sy\r\n\r\nGET /own HTTP/1.1\r\nHost: "
                     "sy\r\n\r\n"));
    REQUIRE(client.read_until(
        [](const std::string& got) {
            return got.size() >= 3 && got.rfind("own") == got.size() - 3;
        },
        kWait));
    const std::string& both = client.received();
    CHECK(both.find("Content-Length: 8\r\n") != std::string::npos);
    CHECK(both.find("document") == std::string::npos);

    // Expect: 100-continue is answered by the kernel once the request may pass.
    auto expecting = TcpPeer::connect(port);
    REQUIRE(
        expecting.write("POST /api/echo HTTP/1.1\r\nHost: sy\r\nContent-Length: 5\r\nExpect: "
                        "100-continue\r\n\r\n"));
    REQUIRE(expecting.read_until(
        [](const std::string& got) {
            return got.find("100 Continue\r\n\r\n") != std::string::npos;
        },
        kWait));
    REQUIRE(expecting.write("hello"));
    REQUIRE(expecting.read_until(
        [](const std::string& got) { return got.find("\r\n\r\nhello") != std::string::npos; },
        kWait));
    const auto echoed = backend.wait_for("/api/echo", kWait);
    REQUIRE(echoed);
    CHECK_FALSE(echoed->header("Expect"));

    // A WebSocket upgrade that no route serves is not passed on.
    auto upgrade = TcpPeer::connect(port);
    REQUIRE(
        upgrade.write("GET /api/socket HTTP/1.1\r\nHost: sy\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      "Sec-WebSocket-Version: 13\r\n\r\n"));
    REQUIRE(upgrade.read_until(has_head, kWait));
    CHECK(upgrade.received().rfind("HTTP/1.1 101", 0) != 0);
    CHECK_FALSE(backend.wait_for("/api/socket", std::chrono::milliseconds(200)));

    // Pipelined: a routed request, one for the backend, a routed one; answers in order.
    auto pipelined = TcpPeer::connect(port);
    REQUIRE(
        pipelined.write("GET /own HTTP/1.1\r\nHost: sy\r\n\r\nGET /api/doc HTTP/1.1\r\nHost: "
                        "sy\r\n\r\nGET /own HTTP/1.1\r\nHost: sy\r\n\r\n"));
    REQUIRE(pipelined.read_until(
        [](const std::string& got) {
            const size_t doc = got.find("document");
            return doc != std::string::npos && got.find("own", doc) != std::string::npos;
        },
        kWait));
    const std::string& answers = pipelined.received();
    const size_t first_own = answers.find("\r\n\r\nown");
    const size_t doc = answers.find("document");
    CHECK(first_own < doc);
}

TEST_CASE(
    "upstream: a plugin without on_upstream cannot be given an upstream, and bad urls are "
    "refused at start",
    "[integration][upstream]") {
    const std::string probe = std::string(SWITCHYARD_TEST_PLUGIN_DIR) + "/abi_v1_0_probe.so";
    const auto table = [&](const std::string& plugin, const std::string& lines) {
        KernelOptions options;
        options.extra_toml = enabled_plugin_table(plugin, lines);
        return options;
    };
    const auto run = [](const KernelOptions& options) {
        TempDir dir("upstream");
        const auto file = dir.write("switchyard.toml", kernel_config_text(options));
        const RunResult result = run_switchyard({"--config", file.string()});
        INFO("stdout: " << result.out << "\nstderr: " << result.err);
        return result;
    };
    {
        KernelOptions options;
        options.extra_toml =
            "[plugins.abi_v1_0_probe]\nenabled = true\nlibrary = " + toml_quote(probe) +
            "\nlisten = { alpha = \"127.0.0.1:0\", beta = \"127.0.0.1:0\", "
            "gamma = \"127.0.0.1:0\" }\nupstream = \"http://127.0.0.1:9\"\n";
        const auto result = run(options);
        CHECK(result.exit_code == 2);
        CHECK(result.err.find("no on_upstream hook") != std::string::npos);
    }
    const std::string gate =
        "library = " + toml_quote(std::string(SWITCHYARD_TEST_PLUGIN_DIR) + "/upstream_gate.so") +
        "\n";
    for (const char* bad :
         {"upstream = \"https://example.com\"\n", "upstream = \"http://127.0.0.1:80/prefix\"\n",
          "upstream = 80\n", "upstream_timeout_ms = 5\n"}) {
        INFO(bad);
        const auto result = run(table("upstream_gate", gate + bad));
        CHECK(result.exit_code == 2);
        CHECK(result.err.find("plugins.upstream_gate") != std::string::npos);
    }
}

TEST_CASE("upstream: SIGHUP gives a running plugin an upstream, and takes it away",
          "[integration][upstream]") {
    FakeBackend backend;
    backend.route_json("GET", "/elsewhere", R"({"from":"backend"})");
    auto kernel = start_gate("");
    HttpClient client(kernel.plugin_port("upstream_gate"));
    CHECK(client.get("/elsewhere").status == 404);

    const auto rewrite = [&](const std::string& upstream) {
        KernelOptions options;
        options.extra_toml = gate_table(upstream);
        std::string text = kernel_config_text(options);
        // The same port: a SIGHUP keeps a listener whose address did not change.
        const std::string any_port = "listen = \"127.0.0.1:0\"";
        text.replace(
            text.find(any_port), any_port.size(),
            "listen = \"127.0.0.1:" + std::to_string(kernel.plugin_port("upstream_gate")) + "\"");
        std::ofstream(kernel.config_path()) << text;
        kernel.send_signal(SIGHUP);
    };
    rewrite(backend.url());
    CHECK(wait_until([&] { return client.get("/elsewhere").status == 200; }, kWait));
    rewrite("");
    CHECK(wait_until([&] { return client.get("/elsewhere").status == 404; }, kWait));
}

// CLI-JAW's shipping web UI and TUI in front of their own backend (issue 13): Switchyard
// serves the event channel; the product's server keeps its REST routes, reached through
// the pass-through (`upstream`). The client here does what the web UI does in its first
// minute (HSKIMRobert/cli-jaw public/js/event-channel.ts, ws.ts, main.ts): it opens
// GET /api/events?lang=<lang> (the channel is up at its first byte), then loads
// /api/messages, /api/settings and /api/orchestrate/snapshot, sends a prompt with
// POST /api/message, watches the run on the channel, stops it with POST /api/stop, and
// after a drop reconnects with ?lastEventId=<last id seen> and misses nothing.
// The backend is a FakeBackend that answers those routes as the product's server does
// and publishes the run's events through the control API.
#include "clijaw_stream.hpp"
#include "fake_backend.hpp"
#include "http_client.hpp"
#include "kernel_process.hpp"
#include "publish.hpp"
#include "tcp_peer.hpp"
#include "toml_text.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

using namespace switchyard::test;
namespace json = boost::json;

namespace {

constexpr auto kWait = std::chrono::seconds(10);

// The product's server, as far as the UI's first minute needs it. Each POST /api/message
// starts a "run" whose events go out on the bus, as the product's broadcast() would.
struct CliJawBackend {
    FakeBackend server;
    const KernelProcess* kernel = nullptr;

    CliJawBackend() {
        server.route_json(
            "GET", "/api/messages",
            R"([{"role":"user","content":"earlier"},{"role":"assistant","content":"reply"}])");
        server.route_json("GET", "/api/settings", R"({"cli":"claude","workingDir":"/work"})");
        server.route_json("GET", "/api/orchestrate/snapshot",
                          R"({"orc":{"scope":"","state":"IDLE","ctx":null},"workers":[],)"
                          R"("runtime":{"queuePending":0,"busy":false},"queued":[],)"
                          R"("heartbeat":{"pending":0,"deferredPending":0},"activeRun":null})");
        server.route("POST", "/api/message", [this](const BackendRequest& request) {
            const auto body = json::parse(request.body).as_object();
            const std::string prompt(body.at("prompt").as_string());
            publish_clijaw(*kernel, "agent", "agent_status",
                           R"({"status":"running","agentId":"main"})");
            publish_clijaw(*kernel, "agent", "agent_output",
                           R"({"text":"echo: )" + prompt + R"(","agentId":"main"})");
            return BackendResponse{200, "application/json", {}, R"({"ok":true,"queued":false})"};
        });
        server.route("POST", "/api/stop", [this](const BackendRequest&) {
            publish_clijaw(*kernel, "agent", "agent_done", R"({"agentId":"main","stopped":true})");
            return BackendResponse{200, "application/json", {}, R"({"ok":true})"};
        });
    }
};

} // namespace

TEST_CASE(
    "clijaw web ui: the UI's first minute through Switchyard in front of the product's "
    "server",
    "[integration][clijaw][upstream]") {
    CliJawBackend backend;
    auto kernel = start_clijaw("upstream = " + toml_quote(backend.server.url()) + "\n");
    backend.kernel = &kernel;
    const uint16_t port = kernel.plugin_port("clijaw");

    // The channel first: the UI hydrates once it is open.
    std::optional<ClijawStream> channel = ClijawStream::open(port, "/api/events?lang=en");

    HttpClient rest(port);
    const auto messages = rest.get("/api/messages");
    CHECK(messages.status == 200);
    CHECK(json::parse(messages.body).as_array().size() == 2);
    const auto settings = rest.get("/api/settings");
    CHECK(json::parse(settings.body).as_object().at("cli") == "claude");
    const auto snapshot = rest.get("/api/orchestrate/snapshot");
    CHECK(json::parse(snapshot.body).as_object().at("orc").as_object().at("state") == "IDLE");

    // A prompt: the backend gets the UI's body as sent; the run comes back on the channel.
    const auto sent = rest.post("/api/message", R"({"prompt":"hello","source":"web"})");
    CHECK(sent.status == 200);
    CHECK(json::parse(sent.body).as_object().at("ok") == true);
    const auto message = backend.server.wait_for("/api/message", kWait);
    REQUIRE(message);
    CHECK(message->body == R"({"prompt":"hello","source":"web"})");
    CHECK(message->header("X-Forwarded-For") == "127.0.0.1");

    const auto run =
        channel->until([](const SseEvent& e) { return event_name(e) == "agent_output"; });
    REQUIRE(run.size() == 2);
    CHECK(event_name(run[0]) == "agent_status");
    CHECK(data_object(run[1]).at("text") == "echo: hello");
    CHECK(data_object(run[1]).at("topic") == "agent");
    REQUIRE(run.back().id);
    const std::string last_seen = *run.back().id;

    // The channel drops; the run is stopped meanwhile; the UI reconnects with its cursor.
    channel.reset();
    CHECK(rest.post("/api/stop", "{}").status == 200);
    auto again = ClijawStream::open(port, "/api/events?lang=en&lastEventId=" + last_seen);
    const auto missed = again.next(kWait);
    REQUIRE(missed);
    CHECK(event_name(*missed) == "agent_done");
    CHECK(data_object(*missed).at("stopped") == true);

    // Every request reached the backend once, in the UI's order.
    std::vector<std::string> order;
    for (const auto& request : backend.server.requests())
        order.push_back(request.method + " " + request.target);
    CHECK(order == std::vector<std::string>{"GET /api/messages", "GET /api/settings",
                                            "GET /api/orchestrate/snapshot", "POST /api/message",
                                            "POST /api/stop"});
}

TEST_CASE("clijaw web ui: the plugin's rules apply before a request is passed on",
          "[integration][clijaw][upstream]") {
    CliJawBackend backend;
    auto kernel = start_clijaw("upstream = " + toml_quote(backend.server.url()) +
                               "\nauth_token = \"tok-3457\"\n"
                               "allowed_origins = [\"ui.example\"]\n");
    backend.kernel = &kernel;
    const uint16_t port = kernel.plugin_port("clijaw");
    HttpClient rest(port);

    // A page of another origin is refused; an allowed one reads the answer (CORS).
    const auto foreign = rest.get("/api/settings", {{"Origin", "http://evil.example"}});
    CHECK(foreign.status == 403);
    const auto allowed = rest.get("/api/settings", {{"Origin", "http://ui.example"}});
    CHECK(allowed.status == 200);
    CHECK(allowed.header("Access-Control-Allow-Origin") == "http://ui.example");
    // The plugin answers the preflight itself.
    const auto preflight =
        rest.request("OPTIONS", "/api/message", "",
                     {{"Origin", "http://ui.example"}, {"Access-Control-Request-Method", "POST"}});
    CHECK(preflight.status == 204);

    // A non-loopback client without the token never reaches the backend.
    if (const auto address = non_loopback_ipv4()) {
        auto listening = KernelProcess::start(
            "[plugins.clijaw]\nenabled = true\nlisten = \"0.0.0.0:0\"\nupstream = " +
            toml_quote(backend.server.url()) + "\nauth_token = \"tok-3457\"\n");
        const uint16_t open_port = listening.plugin_port("clijaw");
        const size_t before = backend.server.requests().size();
        auto peer = TcpPeer::connect(open_port, {*address});
        REQUIRE(peer.write("GET /api/messages HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        REQUIRE(peer.wait_closed(kWait));
        CHECK(peer.received().rfind("HTTP/1.1 401", 0) == 0);
        CHECK(backend.server.requests().size() == before);
        auto authorized = TcpPeer::connect(open_port, {*address});
        REQUIRE(
            authorized.write("GET /api/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                             "tok-3457\r\nConnection: close\r\n\r\n"));
        REQUIRE(authorized.wait_closed(kWait));
        CHECK(authorized.received().rfind("HTTP/1.1 200", 0) == 0);
    } else {
        WARN("this machine has no non-loopback IPv4 address: the token rule is not tested");
    }
}

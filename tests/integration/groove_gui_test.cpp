// The GROOVE GUI's first minute against Switchyard in front of a GROOVE daemon (issue 13):
// a test client does what packages/gui/src/stores/groove.js and the terminal component do
// (read for facts in grooveai-dev/groove) and must not notice it is not talking to the
// daemon. The daemon is a stand-in: a FakeBackend answering the GUI's REST routes (the
// plugin's `upstream`) plus a thread that reads inbound/groove through the control API and
// answers terminal:spawn with terminal:spawned {id, requestId} published with scope.conn,
// as the daemon answers the spawning client alone.
//
// What the GUI does: it connects to ws://<host>:<port> (path /), calls its REST routes on
// the same port when the socket opens (/api/status, /api/teams, /api/chat-history, ...),
// sends {type:"editor:watchdir", path:""}, stays on its loading screen until a `state` or
// `state:delta` arrives, and its terminal sends terminal:spawn {cols, rows, requestId},
// waits for the terminal:spawned with its requestId, then resizes and sends input.
//
// The REST calls need the kernel's upstream pass-through (ABI 1.4's kernel side).
#include "fake_backend.hpp"
#include "http_client.hpp"
#include "kernel_process.hpp"
#include "publish.hpp"
#include "sse_client.hpp"
#include "test_json.hpp"
#include "toml_text.hpp"
#include "wait_until.hpp"
#include "ws_client.hpp"

#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace switchyard::test;
namespace json = boost::json;

namespace {

constexpr auto kWait = std::chrono::seconds(10);

// The agent list the daemon's registry holds (the `state` data).
constexpr std::string_view kAgents =
    R"([{"id":"a1b2","name":"backend-1","role":"backend","status":"running",)"
    R"("provider":"claude-code","model":"claude-sonnet-4-6","tokensUsed":1200,)"
    R"("contextUsage":0.12,"teamId":"default"}])";

// The REST routes the GUI calls when its socket opens (stores/groove.js and its slices),
// each with what the stand-in answers.
struct RestRoute {
    std::string path;
    std::string body;
};
const std::vector<RestRoute>& gui_rest_routes() {
    static const std::vector<RestRoute> routes{
        {"/api/status",
         R"({"version":"0.27.216","pid":4242,"agents":1,"running":1,"host":"127.0.0.1",)"
         R"("port":31415,"projectDir":"/home/dev/app","edition":"community"})"},
        {"/api/teams", R"({"teams":[{"id":"default","name":"Default"}]})"},
        {"/api/chat-history", R"({"history":{}})"},
        {"/api/auth/status", R"({"authenticated":false})"},
        {"/api/edition", R"({"edition":"community"})"},
        {"/api/tunnels", R"([])"},
        {"/api/beta/status", R"({"unlocked":false})"},
        {"/api/network/install/status", R"({"installed":false})"},
        {"/api/axom/status", R"({"installed":false})"},
        {"/api/training/status", R"({"optIn":false})"},
        {"/api/config", R"({"dataSharingDismissed":true})"},
        {"/api/preview", R"({"previews":[]})"},
        {"/api/onboarding/status", R"({"complete":true})"},
    };
    return routes;
}

// The GROOVE daemon as Switchyard's backend: its REST routes, and its WebSocket side
// through the control API (publishing, and reading inbound/groove on a thread of its own).
class DaemonStandIn {
  public:
    DaemonStandIn() {
        for (const RestRoute& route : gui_rest_routes())
            rest_.route_json("GET", route.path, route.body);
        rest_.route("GET", "/", [](const BackendRequest&) {
            BackendResponse page;
            page.content_type = "text/html; charset=utf-8";
            page.body = "<!doctype html><title>Groove</title><div id=\"root\"></div>";
            return page;
        });
    }
    ~DaemonStandIn() { stop(); }

    std::string url() const { return rest_.url(); }
    const FakeBackend& rest() const { return rest_; }

    // Stops the thread when it goes (declare it after the kernel: the thread publishes).
    struct Running {
        DaemonStandIn& daemon;
        ~Running() { daemon.stop(); }
    };

    // Starts reading inbound/groove from `kernel`'s control API and answering it, until
    // the Running it returns goes.
    [[nodiscard]] Running start(const KernelProcess& kernel) {
        feed_.emplace(SseClient::connect(kernel.control_port(),
                                         "/api/v1/events?stream=inbound&topic=inbound/groove",
                                         {{"Last-Event-ID", "0"}}));
        REQUIRE(feed_->status() == 200);
        thread_ = std::thread([this, &kernel] { serve(kernel); });
        return Running{*this};
    }
    void stop() {
        running_ = false;
        if (thread_.joinable()) thread_.join();
    }

    // The inbound events seen so far (JSON texts), in order.
    std::vector<json::object> inbound() const {
        std::lock_guard lock(mutex_);
        return inbound_;
    }
    // A problem the thread met, if any.
    std::string problem() const {
        std::lock_guard lock(mutex_);
        return problem_;
    }

  private:
    void serve(const KernelProcess& kernel) {
        int terminals = 0;
        while (running_) {
            std::optional<SseEvent> event = feed_->next(std::chrono::milliseconds(100));
            if (!event) continue;
            try {
                const json::object message = parse_json(event->data).as_object();
                {
                    std::lock_guard lock(mutex_);
                    inbound_.push_back(message);
                }
                if (string_field(message, "type") != "terminal:spawn") continue;
                // The daemon: ws.send({type:"terminal:spawned", id, requestId}) to that client.
                const std::string conn = string_field(message.at("scope"), "conn");
                json::object spawned{{"id", "term-" + std::to_string(++terminals)}};
                const std::string request_id = string_field(message.at("data"), "requestId");
                if (!request_id.empty()) spawned["requestId"] = request_id;
                json::object answer{{"topic", "groove"},
                                    {"type", "terminal:spawned"},
                                    {"data", spawned},
                                    {"scope", json::object{{"conn", conn}}}};
                publish(kernel, json::serialize(answer));
            } catch (const std::exception& e) {
                std::lock_guard lock(mutex_);
                problem_ += std::string(e.what()) + "\n";
            }
        }
    }

    FakeBackend rest_;
    std::optional<SseClient> feed_;
    std::thread thread_;
    std::atomic<bool> running_{true};
    mutable std::mutex mutex_;
    std::vector<json::object> inbound_;
    std::string problem_;
};

KernelProcess start_groove_in_front_of(const DaemonStandIn& daemon) {
    return KernelProcess::start(enabled_plugin_table(
        "groove", "envelope = \"daemon\"\nupstream = " + toml_quote(daemon.url()) + "\n"));
}

// Reads until a message of `type` arrives (the GUI's own onmessage ignores the others);
// throws, listing what came, otherwise.
json::object wait_for_type(WsClient& client, std::string_view type) {
    std::string seen;
    for (int i = 0; i < 100; ++i) {
        const std::string text = next_text_or_why(client, kWait);
        const json::value value = parse_json(text);
        if (value.is_object() && string_field(value, "type") == type) return value.as_object();
        seen += text + "\n";
    }
    throw std::runtime_error("no " + std::string(type) + " among:\n" + seen);
}

bool inbound_has(const DaemonStandIn& daemon, std::string_view type) {
    for (const json::object& event : daemon.inbound())
        if (string_field(event, "type") == type) return true;
    return false;
}

// The GUI's first minute; `through_upstream`: its page and REST calls too (they need the
// kernel's pass-through).
void gui_first_minute(bool through_upstream) {
    DaemonStandIn daemon;
    auto kernel = start_groove_in_front_of(daemon);
    const auto serving = daemon.start(kernel);
    const uint16_t port = kernel.plugin_port("groove");
    const std::string page_origin = "http://127.0.0.1:" + std::to_string(port);

    // The daemon's registry at start.
    publish(kernel, R"({"topic":"groove","type":"state","data":)" + std::string(kAgents) + "}");

    // The page itself comes from the daemon, through the pass-through.
    const HttpClient http(port);
    if (through_upstream) {
        const HttpResponse page = http.get("/");
        INFO("GET / answered " << page.status << ": " << page.body);
        CHECK(page.status == 200);
        CHECK(page.body.find("<title>Groove</title>") != std::string::npos);
    }

    // connect(): new WebSocket(`ws://${location.hostname}:${location.port}`).
    auto gui = WsClient::connect(port, "/", {{"Origin", page_origin}});
    // ws.onopen: the REST calls (same-origin GETs carry no Origin), then editor:watchdir.
    for (const RestRoute& route : gui_rest_routes()) {
        if (!through_upstream) break;
        const HttpResponse answer = http.get(route.path);
        INFO(route.path << " answered " << answer.status << ": " << answer.body);
        CHECK(answer.status == 200);
        CHECK(parse_json(answer.body) == parse_json(route.body));
        CHECK(daemon.rest().wait_for(route.path, kWait).has_value());
    }
    CHECK(gui.send_text(R"({"type":"editor:watchdir","path":""})"));

    // hydrated: the first message is the state; the loading screen goes.
    const std::string first = next_text_or_why(gui);
    CHECK(first == R"({"type":"state","data":)" + std::string(kAgents) + "}");

    // Another tab of the GUI, open meanwhile.
    auto other_tab = WsClient::connect(port, "/", {{"Origin", page_origin}});
    CHECK(next_text_or_why(other_tab) == first);

    // The terminal panel: spawn, wait for its requestId, resize, clear the screen.
    CHECK(gui.send_text(R"({"type":"terminal:spawn","cols":80,"rows":24,"requestId":"spawn-1"})"));
    const json::object spawned = wait_for_type(gui, "terminal:spawned");
    INFO(json::serialize(spawned));
    CHECK(string_field(spawned, "requestId") == "spawn-1");
    const std::string terminal = string_field(spawned, "id");
    CHECK_FALSE(terminal.empty());
    CHECK(gui.send_text(R"({"type":"terminal:resize","id":")" + terminal +
                        R"(","rows":30,"cols":100})"));
    CHECK(gui.send_text(R"({"type":"terminal:input","id":")" + terminal + R"(","data":"\f"})"));

    // The other tab never saw the answer: its next message is the next broadcast.
    publish(kernel, R"({"topic":"groove","type":"state:delta","data":{"data":{"changed":[],)"
                    R"("removed":[]}}})");
    CHECK(next_text_or_why(other_tab) ==
          R"({"type":"state:delta","data":{"changed":[],"removed":[]}})");

    // The daemon heard every message of the GUI, in order.
    INFO(daemon.problem());
    CHECK(wait_until([&] { return inbound_has(daemon, "terminal:input"); }, kWait));
    std::vector<std::string> types;
    for (const json::object& event : daemon.inbound()) types.push_back(string_field(event, "type"));
    CHECK(types == std::vector<std::string>{"editor:watchdir", "terminal:spawn", "terminal:resize",
                                            "terminal:input"});
}

} // namespace

TEST_CASE(
    "groove GUI: the GUI's socket at /: hydrated by state, its terminal answered to it "
    "alone",
    "[integration][groove][gui]") {
    gui_first_minute(false);
}

TEST_CASE(
    "groove GUI: the first minute of the GROOVE GUI, its page and REST calls through "
    "the pass-through to the daemon",
    "[integration][groove][gui][upstream]") {
    gui_first_minute(true);
}

TEST_CASE("groove GUI: a page of another origin is refused before the daemon hears it",
          "[integration][groove][gui][upstream]") {
    DaemonStandIn daemon;
    auto kernel = start_groove_in_front_of(daemon);
    const uint16_t port = kernel.plugin_port("groove");
    const HttpClient http(port);

    const HttpResponse refused = http.request("POST", "/api/agents", R"({"role":"backend"})",
                                              {{"Origin", "http://evil.example"}});
    CHECK(refused.status == 403);
    CHECK(refused.body == R"({"error":"FORBIDDEN_ORIGIN"})");
    const WsAttempt socket = WsClient::try_connect(port, "/", {{"Origin", "http://evil.example"}});
    CHECK(socket.status == 403);

    // A page of an allowed origin goes through.
    const HttpResponse allowed = http.get("/api/status", {{"Origin", "http://localhost:5173"}});
    CHECK(allowed.status == 200);
    const auto requests = daemon.rest().requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].target == "/api/status");
}

// The groove plugin with `envelope = "daemon"` in a real kernel: GROOVE as the shipping
// daemon speaks it (issue 13). Bus events go out as {"type", ...data} (data that is not an
// object as "data", the event's type winning over a "type" in the data); the latest
// `state` is kept and sent first to every new client, across a reload too; upgrades are
// accepted at / and /ws; the GUI's messages (the daemon's whitelist) reach the backend on
// inbound/groove with scope.conn, and a client's going as connection:closed; anything
// else is ignored with the socket left open; an event published with scope.conn reaches
// that client alone. The test plays the backend through the control API (publish, and SSE
// on stream `inbound`). Docs mode is groove_test.cpp's, unchanged; the tests here that
// name docs mode check what daemon mode adds does not leak into it.
#include "kernel_process.hpp"
#include "plugin_control.hpp"
#include "publish.hpp"
#include "sse_client.hpp"
#include "test_json.hpp"
#include "toml_text.hpp"
#include "ws_client.hpp"

#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

using namespace switchyard::test;
namespace json = boost::json;

namespace {

constexpr auto kWait = std::chrono::seconds(10);

KernelProcess start_daemon_groove() {
    return KernelProcess::start(enabled_plugin_table("groove", "envelope = \"daemon\"\n"));
}

WsClient connect_groove(const KernelProcess& kernel, std::string_view path = "/",
                        const HttpHeaders& headers = {}) {
    return WsClient::connect(kernel.plugin_port("groove"), path, headers);
}

std::string publish_json(std::string_view type, std::string_view data,
                         std::string_view scope = {}) {
    std::string out =
        R"({"topic":"groove","type":")" + std::string(type) + R"(","data":)" + std::string(data);
    if (!scope.empty()) out += R"(,"scope":)" + std::string(scope);
    return out + "}";
}

void publish_groove(const KernelProcess& kernel, std::string_view type, std::string_view data,
                    std::string_view scope = {}) {
    publish(kernel, publish_json(type, data, scope));
}

// The control API's SSE feed of stream `inbound`, from its first event on.
SseClient inbound_feed(const KernelProcess& kernel) {
    auto feed = SseClient::connect(kernel.control_port(), "/api/v1/events?stream=inbound",
                                   {{"Last-Event-ID", "0"}});
    REQUIRE(feed.status() == 200);
    return feed;
}

json::object next_inbound(SseClient& feed) {
    const auto event = feed.next(kWait);
    if (!event) throw std::runtime_error("no inbound event within the timeout");
    const json::value value = parse_json(event->data);
    if (!value.is_object())
        throw std::runtime_error("inbound event is not an object: " + event->data);
    return value.as_object();
}

std::string scope_conn(const json::object& event) {
    const auto* scope = event.if_contains("scope");
    return scope ? string_field(*scope, "conn") : "";
}

// A marker the test publishes on inbound itself: the first inbound event after it came
// from nothing the clients did before.
void publish_inbound_marker(const KernelProcess& kernel) {
    publish(kernel, R"({"topic":"inbound/test","type":"marker","data":{}})");
}

// The GUI's messages, one per type the daemon accepts, as the GUI writes them.
const std::vector<std::string>& gui_messages() {
    static const std::vector<std::string> messages{
        R"({"type":"editor:watchdir","path":""})",
        R"({"type":"editor:watch","path":"src/app.js"})",
        R"({"type":"editor:unwatch","path":"src/app.js"})",
        R"({"type":"editor:unwatchdir","path":""})",
        R"({"type":"editor:save","path":"src/app.js","content":"x"})",
        R"({"type":"terminal:spawn","cols":80,"rows":24,"requestId":"spawn-1"})",
        R"({"type":"terminal:input","id":"term-1","data":"ls\r"})",
        R"({"type":"terminal:resize","id":"term-1","rows":30,"cols":100})",
        R"({"type":"terminal:rename","id":"term-1","label":"build"})",
        R"({"type":"terminal:kill","id":"term-1"})",
        R"({"type":"terminal:close","id":"term-1"})",
        R"({"type":"ping"})",
    };
    return messages;
}

} // namespace

TEST_CASE("groove daemon: an object event goes out as {type, ...data}, byte for byte",
          "[integration][groove][daemon]") {
    auto kernel = start_daemon_groove();
    auto client = connect_groove(kernel);

    // Flat fields, as the daemon's rotation:complete and terminal:renamed.
    publish_groove(kernel, "rotation:complete",
                   R"({"agentId":"b-2","oldAgentId":"b-1","agentName":"backend"})");
    CHECK(
        next_text_or_why(client) ==
        R"({"type":"rotation:complete","agentId":"b-2","oldAgentId":"b-1","agentName":"backend"})");
    // Data with no members: the type alone.
    publish_groove(kernel, "auth:expired", "{}");
    CHECK(next_text_or_why(client) == R"({"type":"auth:expired"})");
}

TEST_CASE("groove daemon: an array event goes out as {type, data}",
          "[integration][groove][daemon]") {
    auto kernel = start_daemon_groove();
    auto client = connect_groove(kernel);

    publish_groove(kernel, "classifier:batch", R"([{"agentId":"b-1","tier":"heavy"}])");
    CHECK(next_text_or_why(client) ==
          R"({"type":"classifier:batch","data":[{"agentId":"b-1","tier":"heavy"}]})");
    publish_groove(kernel, "note", R"("text")");
    CHECK(next_text_or_why(client) == R"({"type":"note","data":"text"})");
}

TEST_CASE("groove daemon: a backend that wants a nested data publishes it nested",
          "[integration][groove][daemon]") {
    auto kernel = start_daemon_groove();
    auto client = connect_groove(kernel);

    // approval:request and journalist:cycle carry their fields under data.
    publish_groove(kernel, "approval:request",
                   R"({"data":{"id":"ap-1","agentId":"b-1","action":{"tool":"Bash"}}})");
    CHECK(
        next_text_or_why(client) ==
        R"({"type":"approval:request","data":{"id":"ap-1","agentId":"b-1","action":{"tool":"Bash"}}})");
    publish_groove(kernel, "state:delta", R"({"data":{"changed":[{"id":"b-1"}],"removed":[]}})");
    CHECK(next_text_or_why(client) ==
          R"({"type":"state:delta","data":{"changed":[{"id":"b-1"}],"removed":[]}})");
}

TEST_CASE("groove daemon: the event's type wins over a type member of the data",
          "[integration][groove][daemon]") {
    auto kernel = start_daemon_groove();
    auto client = connect_groove(kernel);

    publish_groove(kernel, "agent:status", R"({"type":"forged","id":"b-1","status":"idle"})");
    CHECK(next_text_or_why(client) == R"({"type":"agent:status","id":"b-1","status":"idle"})");
}

TEST_CASE("groove daemon: upgrades are accepted at / and at /ws, both get every event",
          "[integration][groove][daemon]") {
    auto kernel = start_daemon_groove();
    auto root = connect_groove(kernel, "/");
    auto ws = connect_groove(kernel, "/ws");
    auto browser = connect_groove(kernel, "/", {{"Origin", "http://localhost:31415"}});

    publish_groove(kernel, "agent:status", R"({"id":"b-1"})");
    for (WsClient* client : {&root, &ws, &browser})
        CHECK(next_text_or_why(*client) == R"({"type":"agent:status","id":"b-1"})");

    // The Origin rule holds at / as at /ws.
    const WsAttempt foreign = WsClient::try_connect(kernel.plugin_port("groove"), "/",
                                                    {{"Origin", "http://evil.example"}});
    CHECK(foreign.status == 403);
}

TEST_CASE("groove daemon: the latest state is sent first to every new client",
          "[integration][groove][daemon]") {
    auto kernel = start_daemon_groove();
    auto early = connect_groove(kernel);

    publish_groove(kernel, "state", R"([{"id":"b-1","status":"running"}])");
    publish_groove(kernel, "state", R"([{"id":"b-1","status":"idle"},{"id":"b-2"}])");
    publish_groove(kernel, "state:delta", R"({"data":{"changed":[],"removed":["b-2"]}})");
    // A state for one client is not everybody's latest.
    publish_groove(kernel, "state", R"([{"id":"private"}])", R"({"conn":"999999"})");
    const std::string latest =
        R"({"type":"state","data":[{"id":"b-1","status":"idle"},{"id":"b-2"}]})";
    CHECK(next_text_or_why(early) ==
          R"({"type":"state","data":[{"id":"b-1","status":"running"}]})");
    CHECK(next_text_or_why(early) == latest);

    for (std::string_view path : {"/", "/ws"}) {
        INFO("path " << path);
        auto late = connect_groove(kernel, path);
        CHECK(next_text_or_why(late) == latest);
        publish_groove(kernel, "agent:status", R"({"id":"b-1"})");
        CHECK(next_text_or_why(late) == R"({"type":"agent:status","id":"b-1"})");
    }
}

TEST_CASE("groove daemon: the latest state survives a reload", "[integration][groove][daemon]") {
    auto kernel = start_daemon_groove();
    auto before = connect_groove(kernel);
    publish_groove(kernel, "state", R"([{"id":"b-1","name":"kept \"across\""}])");
    const std::string state = R"({"type":"state","data":[{"id":"b-1","name":"kept \"across\""}]})";
    CHECK(next_text_or_why(before) == state);

    const auto reloaded = reload_plugin(kernel, "groove");
    INFO(reloaded.body);
    REQUIRE(reloaded.status == 200);

    auto after = connect_groove(kernel);
    CHECK(next_text_or_why(after) == state);
    // The client from before the reload is still served, and got no second state.
    publish_groove(kernel, "agent:status", R"({"id":"b-1"})");
    CHECK(next_text_or_why(before) == R"({"type":"agent:status","id":"b-1"})");
    CHECK(next_text_or_why(after) == R"({"type":"agent:status","id":"b-1"})");
}

TEST_CASE("groove daemon: each GUI message reaches inbound/groove as sent, with scope.conn",
          "[integration][groove][daemon]") {
    auto kernel = start_daemon_groove();
    auto feed = inbound_feed(kernel);
    auto first = connect_groove(kernel);
    auto second = connect_groove(kernel, "/ws");

    for (const std::string& message : gui_messages()) CHECK(first.send_text(message));

    std::string first_conn;
    for (const std::string& message : gui_messages()) {
        INFO("sent: " << message);
        const json::object event = next_inbound(feed);
        INFO("inbound: " << json::serialize(event));
        CHECK(string_field(event, "topic") == "inbound/groove");
        CHECK(string_field(event, "type") == string_field(parse_json(message), "type"));
        CHECK(event.at("data") == parse_json(message));
        const std::string conn = scope_conn(event);
        CHECK_FALSE(conn.empty());
        if (first_conn.empty()) first_conn = conn;
        CHECK(conn == first_conn);
    }
    // Another client's message names its own connection (sent now: two connections'
    // messages are not ordered between them).
    CHECK(second.send_text(R"({"type":"terminal:spawn","requestId":"spawn-2"})"));
    const json::object spawn = next_inbound(feed);
    CHECK(string_field(spawn, "type") == "terminal:spawn");
    CHECK_FALSE(scope_conn(spawn).empty());
    CHECK(scope_conn(spawn) != first_conn);
    // The daemon answers no ping: nothing came back.
    publish_groove(kernel, "agent:status", R"({"id":"b-1"})");
    CHECK(next_text_or_why(first) == R"({"type":"agent:status","id":"b-1"})");
}

TEST_CASE("groove daemon: what the daemon would not accept is ignored and the socket stays",
          "[integration][groove][daemon]") {
    auto kernel = start_daemon_groove();
    auto feed = inbound_feed(kernel);
    auto client = connect_groove(kernel);

    for (std::string_view garbage :
         {std::string_view("{{{"), std::string_view(""), std::string_view("ping"),
          std::string_view(R"(["ping"])"), std::string_view(R"({"type":"agent:spawn"})"),
          std::string_view(R"({"type":42})"), std::string_view(R"({"event":"ping"})"),
          std::string_view(R"({"type":"ping","__proto__":{"x":1}})"),
          std::string_view(R"({"type":"ping","constructor":{}})")})
        CHECK(client.send_text(garbage));
    CHECK(client.send_binary(std::string("\x00\x01\x02\xff", 4)));
    CHECK(client.send_binary(R"({"type":"ping"})"));
    publish_inbound_marker(kernel);

    // None reached the backend: the first inbound event is the marker.
    const json::object marker = next_inbound(feed);
    CHECK(string_field(marker, "type") == "marker");
    // None was answered or closed the socket, which still works both ways.
    publish_groove(kernel, "agent:status", R"({"id":"b-1"})");
    CHECK(next_text_or_why(client) == R"({"type":"agent:status","id":"b-1"})");
    CHECK_FALSE(client.closed());
    CHECK(client.send_text(R"({"type":"ping"})"));
    CHECK(string_field(next_inbound(feed), "type") == "ping");
    // Each was logged (rate-limited); never as an error.
    CHECK(kernel.log().find("ignored a client message") != std::string::npos);
}

TEST_CASE("groove daemon: an answer published with scope.conn reaches that client alone",
          "[integration][groove][daemon]") {
    auto kernel = start_daemon_groove();
    auto feed = inbound_feed(kernel);
    auto asker = connect_groove(kernel);
    auto bystander = connect_groove(kernel, "/ws");

    CHECK(
        asker.send_text(R"({"type":"terminal:spawn","cols":80,"rows":24,"requestId":"spawn-7"})"));
    const json::object spawn = next_inbound(feed);
    REQUIRE(string_field(spawn, "type") == "terminal:spawn");
    const std::string conn = scope_conn(spawn);
    REQUIRE_FALSE(conn.empty());

    // What the daemon sends the spawning client: {type:"terminal:spawned", id, requestId}.
    publish_groove(kernel, "terminal:spawned", R"({"id":"term-1","requestId":"spawn-7"})",
                   R"({"conn":")" + conn + R"("})");
    publish_groove(kernel, "terminal:output", R"({"id":"term-1","data":"$ "})",
                   R"({"conn":")" + conn + R"("})");
    publish_groove(kernel, "agent:status", R"({"id":"b-1"})");
    CHECK(next_text_or_why(asker) ==
          R"({"type":"terminal:spawned","id":"term-1","requestId":"spawn-7"})");
    CHECK(next_text_or_why(asker) == R"({"type":"terminal:output","id":"term-1","data":"$ "})");
    CHECK(next_text_or_why(asker) == R"({"type":"agent:status","id":"b-1"})");
    // The other client saw only the broadcast.
    CHECK(next_text_or_why(bystander) == R"({"type":"agent:status","id":"b-1"})");

    // A scope.conn that names no connection of the plugin's is sent to nobody.
    publish_groove(kernel, "terminal:spawned", R"({"id":"term-2"})", R"({"conn":"not-a-number"})");
    publish_groove(kernel, "terminal:spawned", R"({"id":"term-3"})", R"({"conn":"987654321"})");
    publish_groove(kernel, "agent:status", R"({"id":"b-2"})");
    CHECK(next_text_or_why(asker) == R"({"type":"agent:status","id":"b-2"})");
    CHECK(next_text_or_why(bystander) == R"({"type":"agent:status","id":"b-2"})");
}

TEST_CASE("groove daemon: a client's going reaches the backend as connection:closed",
          "[integration][groove][daemon]") {
    auto kernel = start_daemon_groove();
    auto feed = inbound_feed(kernel);
    auto client = connect_groove(kernel);
    CHECK(client.send_text(R"({"type":"editor:watchdir","path":""})"));
    const std::string conn = scope_conn(next_inbound(feed));
    REQUIRE_FALSE(conn.empty());

    client.close(1000);
    const json::object closed = next_inbound(feed);
    INFO(json::serialize(closed));
    CHECK(string_field(closed, "topic") == "inbound/groove");
    CHECK(string_field(closed, "type") == "connection:closed");
    CHECK(scope_conn(closed) == conn);
    CHECK(closed.at("data") == parse_json(R"({"code":1000})"));
}

TEST_CASE("groove docs mode: no upgrade at /, no state on connect, nothing to the backend",
          "[integration][groove]") {
    auto kernel = KernelProcess::start(enabled_plugin_table("groove"));
    const WsAttempt root = WsClient::try_connect(kernel.plugin_port("groove"), "/");
    CHECK(root.status == 404);

    publish_groove(kernel, "state", R"([{"id":"b-1"}])");
    auto feed = inbound_feed(kernel);
    auto client = connect_groove(kernel, "/ws");
    CHECK(client.send_text(R"({"type":"terminal:spawn","requestId":"spawn-1"})"));
    CHECK(client.send_text(R"({"type":"ping"})"));
    client.close(1000);
    auto second = connect_groove(kernel, "/ws");
    publish_inbound_marker(kernel);
    CHECK(string_field(next_inbound(feed), "type") == "marker");

    // The seed's envelope; the state published before the client came is not replayed.
    publish_groove(kernel, "agent:status", R"({"id":"b-1"})");
    CHECK(next_text_or_why(second) == R"({"event":"agent:status","data":{"id":"b-1"}})");
}

TEST_CASE("groove: an envelope other than docs or daemon stops the start, naming it",
          "[integration][groove]") {
    KernelOptions options;
    options.extra_toml = enabled_plugin_table("groove", "envelope = \"json\"\n");
    try {
        KernelProcess::start(options);
        FAIL("the kernel started with envelope = \"json\"");
    } catch (const std::runtime_error& e) {
        const std::string why = e.what();
        INFO(why);
        CHECK(why.find("'envelope' must be \"docs\"") != std::string::npos);
        CHECK(why.find("\"json\"") != std::string::npos);
    }
}

// The clijaw plugin's legacy WebSocket channel in a real kernel (seed 002, PROTOCOLS.md
// "clijaw"): an upgrade on any path (/ws and / are what the TUI and the web UI use);
// frames {type, ...data, ts}; the latest agent_status, queue_update, orc_state and
// memory_status pushed on connect; {type:"send_message", text} and {type:"stop"} handed
// to the backend on inbound/clijaw with scope.conn; bad JSON and wrong types ignored
// (logged, rate-limited) with the socket left open; internal events never on a
// WebSocket; an SSE frame never on a WebSocket (nor a WebSocket frame on SSE); the Origin
// policy and auth for non-loopback peers. The test plays the backend through the control
// API (publish, and SSE on stream `inbound`).
#include "clijaw_stream.hpp"
#include "kernel_log_lines.hpp"
#include "kernel_process.hpp"
#include "plugin_control.hpp"
#include "tcp_peer.hpp"
#include "test_json.hpp"
#include "toml_text.hpp"
#include "wait_until.hpp"
#include "ws_client.hpp"

#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

using namespace switchyard::test;
namespace json = boost::json;

namespace {

constexpr auto kWait = std::chrono::seconds(10);
constexpr std::string_view kToken = "ws-T0ken_jaw";

int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

uint16_t clijaw_port(const KernelProcess& kernel) {
    return kernel.plugin_port("clijaw");
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

// The next text frame as a JSON object; throws, saying what came instead, otherwise.
json::object next_frame(WsClient& client) {
    const std::string text = next_text_or_why(client);
    const json::value value = parse_json(text);
    if (!value.is_object()) throw std::runtime_error("not a JSON object: " + text);
    return value.as_object();
}

// Sends a send_message and waits for it on the inbound feed: the plugin has then heard of
// the connection (on_open ran before on_message), so a publish from now on reaches it.
// Returns the connection id the backend sees.
std::string sync(WsClient& client, SseClient& feed, const std::string& text = "sync") {
    REQUIRE(client.send_text(R"({"type":"send_message","text":")" + text + R"("})"));
    const json::object event = next_inbound(feed);
    INFO(json::serialize(event));
    REQUIRE(string_field(event, "type") == "send_message");
    REQUIRE(string_field(event.at("data"), "text") == text);
    return scope_conn(event);
}

uint64_t publish_marker(const KernelProcess& kernel) {
    return publish_clijaw(kernel, "system", "marker", R"({"marker":true})");
}

// The frames a client gets until the marker (included).
std::vector<json::object> frames_through_marker(WsClient& client) {
    std::vector<json::object> frames;
    for (int i = 0; i < 1000; ++i) {
        frames.push_back(next_frame(client));
        if (string_field(frames.back(), "type") == "marker") break;
    }
    return frames;
}

std::string types_of(const std::vector<json::object>& frames) {
    std::string text;
    for (const auto& frame : frames) text += json::serialize(frame) + "\n";
    return text;
}

std::set<std::string> keys_of(const json::object& object) {
    std::set<std::string> keys;
    for (const auto& member : object) keys.insert(std::string(member.key()));
    return keys;
}

} // namespace

TEST_CASE("clijaw ws: clients at /ws, at / and at any path get {type, ...data, ts}",
          "[integration][clijaw][ws]") {
    auto kernel = start_clijaw();
    auto feed = inbound_feed(kernel);
    std::vector<WsClient> clients;
    for (const char* path : {"/ws", "/", "/some/other/path?x=1"}) {
        clients.push_back(WsClient::connect(clijaw_port(kernel), path));
        sync(clients.back(), feed);
    }
    const int64_t before = wall_ms();
    publish_clijaw(kernel, "agent", "agent_output", R"({"text":"hi","n":1,"list":[1,{"a":null}]})");
    publish_clijaw(kernel, "widget", "widget_update", R"({"id":"w1"})");
    for (auto& client : clients) {
        const json::object frame = next_frame(client);
        INFO(json::serialize(frame));
        CHECK(keys_of(frame) == std::set<std::string>{"type", "text", "n", "list", "ts"});
        CHECK(string_field(frame, "type") == "agent_output");
        CHECK(string_field(frame, "text") == "hi");
        CHECK(json::serialize(frame.at("list")) == R"([1,{"a":null}])");
        REQUIRE(frame.at("ts").is_number());
        const auto ts = frame.at("ts").to_number<int64_t>();
        CHECK(ts >= before - 1000);
        CHECK(ts <= wall_ms() + 1000);

        const json::object widget = next_frame(client);
        INFO(json::serialize(widget));
        CHECK(string_field(widget, "type") == "widget_update");
        CHECK(string_field(widget, "id") == "w1");
    }
}

TEST_CASE(
    "clijaw ws: on connect the latest agent_status, queue_update, orc_state and "
    "memory_status are pushed, and nothing else",
    "[integration][clijaw][ws]") {
    auto kernel = start_clijaw();
    publish_clijaw(kernel, "agent", "agent_status", R"({"status":"running"})");
    publish_clijaw(kernel, "agent", "agent_status", R"({"status":"done"})");
    publish_clijaw(kernel, "queue", "queue_update", R"({"pending":2})");
    publish_clijaw(kernel, "orchestrate", "orc_state", R"({"state":"B"})");
    publish_clijaw(kernel, "memory", "memory_status", R"({"ok":true})");
    publish_clijaw(kernel, "agent", "agent_output", R"({"text":"not pushed"})");
    // Internal: never pushed, even as the latest of its type.
    publish_clijaw(kernel, "agent", "agent_status", R"({"status":"secret"})", true);
    publish_clijaw(kernel, "trace", "queue_update", R"({"pending":99})");

    for (const char* path : {"/ws", "/"}) {
        INFO(path);
        auto client = WsClient::connect(clijaw_port(kernel), path);
        std::map<std::string, json::object> pushed;
        for (int i = 0; i < 4; ++i) {
            const json::object frame = next_frame(client);
            pushed[string_field(frame, "type")] = frame;
        }
        REQUIRE(pushed.size() == 4);
        REQUIRE(pushed.count("agent_status") == 1);
        CHECK(string_field(pushed["agent_status"], "status") == "done");
        REQUIRE(pushed.count("queue_update") == 1);
        CHECK(pushed["queue_update"].at("pending").to_number<int64_t>() == 2);
        REQUIRE(pushed.count("orc_state") == 1);
        CHECK(string_field(pushed["orc_state"], "state") == "B");
        REQUIRE(pushed.count("memory_status") == 1);
        for (const auto& [type, frame] : pushed) {
            INFO(json::serialize(frame));
            CHECK(frame.contains("ts"));
        }
        // Then only what is published from now on.
        auto feed = inbound_feed(kernel);
        sync(client, feed);
        publish_marker(kernel);
        const auto frames = frames_through_marker(client);
        INFO(types_of(frames));
        CHECK(frames.size() == 1);
    }
}

TEST_CASE("clijaw ws: send_message and stop reach the backend on inbound/clijaw with scope.conn",
          "[integration][clijaw][ws]") {
    auto kernel = start_clijaw();
    auto feed = inbound_feed(kernel);
    auto first = WsClient::connect(clijaw_port(kernel), "/ws");
    auto second = WsClient::connect(clijaw_port(kernel), "/");

    const std::string sent = R"({"type":"send_message","text":"hello \"jaw\" é"})";
    REQUIRE(first.send_text(sent));
    const json::object message = next_inbound(feed);
    INFO(json::serialize(message));
    CHECK(string_field(message, "topic") == "inbound/clijaw");
    CHECK(string_field(message, "type") == "send_message");
    CHECK(json::serialize(message.at("data")) == json::serialize(parse_json(sent)));
    const std::string first_conn = scope_conn(message);
    CHECK_FALSE(first_conn.empty());

    REQUIRE(second.send_text(R"({"type":"stop"})"));
    const json::object stop = next_inbound(feed);
    INFO(json::serialize(stop));
    CHECK(string_field(stop, "topic") == "inbound/clijaw");
    CHECK(string_field(stop, "type") == "stop");
    CHECK(json::serialize(stop.at("data")) == R"({"type":"stop"})");
    const std::string second_conn = scope_conn(stop);
    CHECK_FALSE(second_conn.empty());
    CHECK(second_conn != first_conn);
}

TEST_CASE("clijaw ws: bad JSON and wrong types are ignored and logged, the socket stays open",
          "[integration][clijaw][ws]") {
    auto kernel = start_clijaw();
    auto feed = inbound_feed(kernel);
    auto client = WsClient::connect(clijaw_port(kernel), "/ws");
    sync(client, feed, "before");
    const size_t lines_before = count_log_lines(kernel, {"clijaw"});

    for (const std::string bad :
         {"not json", "{", "[1,2]", "42", "\"text\"", "null", "", R"({"type":42})",
          R"({"text":"no type"})", R"({"type":"send_message","text":5})",
          R"({"type":"send_message"})", R"({"type":"send_message","text":null})",
          R"({"type":["stop"]})", R"({"type":"unknown_thing"})", "{\"type\":\"stop\"} trailing"}) {
        INFO("sent " << bad);
        REQUIRE(client.send_text(bad));
    }
    // Nesting far deeper than any parser should recurse, alone and inside a valid message.
    REQUIRE(client.send_text(std::string(400000, '[') + std::string(400000, ']')));
    REQUIRE(client.send_text(R"({"type":"send_message","text":"deep","x":)" +
                             std::string(100000, '[') + std::string(100000, ']') + "}"));
    REQUIRE(client.send_binary(std::string("\x00\x01\xff{", 4)));
    REQUIRE_FALSE(client.closed());

    // Nothing of that reached the backend: the next inbound event is the valid one.
    sync(client, feed, "after");
    CHECK_FALSE(client.closed());
    // Still served.
    publish_marker(kernel);
    CHECK(string_field(next_frame(client), "type") == "marker");
    // Logged.
    CHECK(wait_until([&] { return count_log_lines(kernel, {"clijaw"}) > lines_before; }, kWait));

    // A flood of bad JSON is logged at a bounded rate and does not close the socket.
    const size_t lines_mid = count_log_lines(kernel, {"clijaw"});
    for (int i = 0; i < 2000; ++i) REQUIRE(client.send_text("{bad json " + std::to_string(i)));
    sync(client, feed, "after the flood");
    const size_t flood_lines = count_log_lines(kernel, {"clijaw"}) - lines_mid;
    INFO("log lines for 2000 bad messages: " << flood_lines);
    CHECK(flood_lines < 100);
    CHECK_FALSE(client.closed());
}

TEST_CASE("clijaw ws: internal events and topic trace never reach a WebSocket",
          "[integration][clijaw][ws]") {
    auto kernel = start_clijaw();
    auto feed = inbound_feed(kernel);
    auto client = WsClient::connect(clijaw_port(kernel), "/ws");
    sync(client, feed);
    publish_clijaw(kernel, "agent", "agent_output", R"({"text":"secret"})", true);
    publish_clijaw(kernel, "trace", "trace_line", R"({"text":"secret"})");
    publish_clijaw(kernel, "agent", "agent_status", R"({"status":"secret"})", true);
    publish_clijaw(kernel, "agent", "agent_output", R"({"text":"public"})");
    publish_marker(kernel);
    const auto frames = frames_through_marker(client);
    INFO(types_of(frames));
    REQUIRE(frames.size() == 2);
    CHECK(string_field(frames[0], "text") == "public");
}

TEST_CASE("clijaw ws: WebSocket and SSE clients each get their own framing, never the other's",
          "[integration][clijaw][ws]") {
    auto kernel = start_clijaw();
    auto feed = inbound_feed(kernel);
    auto ws = WsClient::connect(clijaw_port(kernel), "/ws");
    sync(ws, feed);
    auto sse = ClijawStream::open(clijaw_port(kernel));

    std::vector<uint64_t> seqs;
    for (int n = 0; n < 20; ++n) {
        seqs.push_back(publish_clijaw(kernel, n % 2 ? "agent" : "widget", "agent_output",
                                      R"({"n":)" + std::to_string(n) + "}"));
    }
    for (int n = 0; n < 20; ++n) {
        INFO("event " << n);
        const std::string text = next_text_or_why(ws);
        INFO(text);
        REQUIRE_FALSE(text.empty());
        CHECK(text.front() == '{');
        CHECK(text.find("id:") != 0);
        CHECK(text.find("data:") == std::string::npos);
        const json::value frame = parse_json(text);
        CHECK(string_field(frame, "type") == "agent_output");
        CHECK(frame.at("n").to_number<int64_t>() == n);

        const auto event = sse.next(kWait);
        REQUIRE(event.has_value());
        CHECK(event_seq(*event) == seqs[size_t(n)]);
        const json::value data = parse_json(event->data);
        CHECK(string_field(data, "event") == "agent_output");
        CHECK_FALSE(data.as_object().contains("type"));
        CHECK_FALSE(data.as_object().contains("ts"));
    }
}

TEST_CASE("clijaw ws: a refused Origin gets 403 at the upgrade", "[integration][clijaw][ws]") {
    auto kernel = start_clijaw();
    for (const char* path : {"/ws", "/"}) {
        INFO(path);
        const auto refused =
            WsClient::try_connect(clijaw_port(kernel), path, {{"Origin", "http://evil.example"}});
        CHECK(refused.status == 403);
        CHECK_FALSE(refused.client.has_value());
        const auto accepted =
            WsClient::try_connect(clijaw_port(kernel), path, {{"Origin", "http://localhost:5173"}});
        CHECK(accepted.status == 101);
    }
}

TEST_CASE("clijaw ws: a non-loopback peer needs the Bearer token to upgrade",
          "[integration][clijaw][ws][auth]") {
    const auto address = non_loopback_ipv4();
    if (!address) {
        WARN("this machine has no non-loopback IPv4 address: nothing to test");
        return;
    }
    auto kernel = KernelProcess::start(
        "[plugins.clijaw]\nenabled = true\nlisten = \"0.0.0.0:0\"\nauth_token = " +
        toml_quote(kToken) + "\n");
    auto upgrade = [&](const std::string& authorization) {
        auto peer = TcpPeer::connect(clijaw_port(kernel), {*address});
        std::string request =
            "GET /ws HTTP/1.1\r\nHost: clijaw.test\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\n";
        if (!authorization.empty()) request += "Authorization: " + authorization + "\r\n";
        REQUIRE(peer.write(request + "\r\n"));
        peer.read_until([](const std::string& received) { return response_complete(received); },
                        kWait);
        return split_response(peer.received());
    };
    const auto missing = upgrade("");
    INFO(missing.body);
    CHECK(missing.status == 401);
    CHECK(upgrade("Bearer wrong").status == 401);
    CHECK(upgrade("Bearer " + std::string(kToken)).status == 101);
}

TEST_CASE("clijaw ws: the latest statuses survive a reload and a client after it gets them",
          "[integration][clijaw][ws][reload]") {
    auto kernel = start_clijaw();
    auto feed = inbound_feed(kernel);
    auto before = WsClient::connect(clijaw_port(kernel), "/ws");
    sync(before, feed);
    publish_clijaw(kernel, "agent", "agent_status", R"({"status":"evaluating"})");
    publish_clijaw(kernel, "queue", "queue_update", R"({"pending":5})");
    publish_clijaw(kernel, "orchestrate", "orc_state", R"({"state":"C"})");
    publish_clijaw(kernel, "memory", "memory_status", R"({"ok":false})");
    publish_marker(kernel);
    CHECK(frames_through_marker(before).size() == 5);

    const auto reloaded = reload_plugin(kernel, "clijaw");
    INFO(reloaded.body);
    REQUIRE(reloaded.status == 200);

    // The client from before still gets events, once each.
    publish_clijaw(kernel, "agent", "agent_output", R"({"text":"after reload"})");
    publish_marker(kernel);
    const auto frames = frames_through_marker(before);
    INFO(types_of(frames));
    REQUIRE(frames.size() == 2);
    CHECK(string_field(frames[0], "text") == "after reload");

    auto after = WsClient::connect(clijaw_port(kernel), "/");
    std::map<std::string, json::object> pushed;
    for (int i = 0; i < 4; ++i) {
        const json::object frame = next_frame(after);
        pushed[string_field(frame, "type")] = frame;
    }
    REQUIRE(pushed.size() == 4);
    CHECK(string_field(pushed["agent_status"], "status") == "evaluating");
    CHECK(pushed["queue_update"].at("pending").to_number<int64_t>() == 5);
    CHECK(string_field(pushed["orc_state"], "state") == "C");
    CHECK(pushed["memory_status"].at("ok").as_bool() == false);
}

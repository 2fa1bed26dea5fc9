// The jarvis plugin in a real kernel (seed 000_38c0132566fc8b8c.txt, PROTOCOLS.md): bus
// events become {type, payload, id?, priority, timestamp} envelopes for every client or
// one (scope.conn); the plugin's own answers (health, ping, status), its errors for bad
// input, chat and voice forwarded to the bus stream `inbound`, speech as binary frames,
// the token cookie bootstrap, the Origin policy, the 16 MiB frame limit and a reload
// under open connections. Each test starts its own kernel on ephemeral ports; the test
// plays the backend through the control API (publish, and SSE on stream `inbound`).
#include "kernel_process.hpp"
#include "plugin_control.hpp"
#include "publish.hpp"
#include "sse_client.hpp"
#include "temp_dir.hpp"
#include "test_json.hpp"
#include "toml_text.hpp"
#include "wait_until.hpp"
#include "ws_client.hpp"

#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

using namespace switchyard::test;
namespace json = boost::json;

namespace {

constexpr auto kWait = std::chrono::seconds(10);
constexpr size_t kMiB = 1024 * 1024;
constexpr std::string_view kToken = "s3cret-Token_1";

// The dashboard Switchyard ships, which config/switchyard.toml serves too.
const std::string kDashboardDir =
    (std::filesystem::path(SWITCHYARD_SOURCE_DIR) / "plugins/jarvis/dashboard").string();

int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

KernelProcess start_jarvis(std::string_view extra_lines = {}) {
    return KernelProcess::start(enabled_plugin_table("jarvis", extra_lines));
}

KernelProcess start_with_token() {
    return start_jarvis("auth_token = " + toml_quote(kToken) +
                        "\ndashboard_dir = " + toml_quote(kDashboardDir) + "\n");
}

uint16_t jarvis_port(const KernelProcess& kernel) {
    return kernel.plugin_port("jarvis");
}

WsClient connect_jarvis(const KernelProcess& kernel, const HttpHeaders& headers = {}) {
    return WsClient::connect(jarvis_port(kernel), "/ws", headers);
}

HttpClient jarvis_http(const KernelProcess& kernel) {
    return HttpClient(jarvis_port(kernel));
}

// The next text message as a JSON object; throws, saying what came instead, otherwise.
json::object next_object(WsClient& client) {
    const std::string text = next_text_or_why(client);
    const json::value value = parse_json(text);
    if (!value.is_object()) throw std::runtime_error("not a JSON object: " + text);
    return value.as_object();
}

// The `payload.message` of an error reply.
std::string error_message(const json::object& reply) {
    if (string_field(reply, "type") != "error")
        return "<not an error: " + json::serialize(reply) + ">";
    const auto* payload = reply.if_contains("payload");
    return payload ? string_field(*payload, "message") : "<no payload>";
}

// The control API's SSE feed of stream `inbound`, from its first event on (so nothing
// published before the subscription is missed).
SseClient inbound_feed(const KernelProcess& kernel) {
    auto feed = SseClient::connect(kernel.control_port(), "/api/v1/events?stream=inbound",
                                   {{"Last-Event-ID", "0"}});
    REQUIRE(feed.status() == 200);
    return feed;
}

// The next inbound event as a JSON object.
json::object next_inbound(SseClient& feed) {
    const auto event = feed.next(kWait);
    if (!event) throw std::runtime_error("no inbound event within the timeout");
    const json::value value = parse_json(event->data);
    if (!value.is_object())
        throw std::runtime_error("inbound event is not an object: " + event->data);
    return value.as_object();
}

std::string scope_field(const json::object& event, std::string_view key) {
    const auto* scope = event.if_contains("scope");
    return scope ? string_field(*scope, key) : "";
}

// The connection id (a string, as on the wire) the kernel gave `client`: it sends a chat
// and reads the forwarded event's scope.conn.
std::string conn_id_of(WsClient& client, SseClient& feed) {
    REQUIRE(client.send_text(R"({"type":"chat","payload":{"text":"who am I?"}})"));
    const json::object event = next_inbound(feed);
    REQUIRE(string_field(event, "type") == "chat");
    const std::string conn = scope_field(event, "conn");
    REQUIRE_FALSE(conn.empty());
    return conn;
}

// Asks `client` for health until the plugin counts `clients` connections, for up to
// kWait: the plugin hears of a client leaving on its own time, so until then health may
// still count it. `last` gets the last payload, for the failure message.
bool wait_health_clients(WsClient& client, int clients, std::string& last) {
    const std::string expected =
        R"({"status":"ok","service":"websocket","clients":)" + std::to_string(clients) + "}";
    return wait_until(
        [&] {
            if (!client.send_text(R"({"type":"command","payload":{"command":"health"}})"))
                return false;
            last = json::serialize(next_object(client).at("payload"));
            return last == expected;
        },
        kWait, std::chrono::milliseconds(20));
}

// Checks that `event`, read from stream inbound, is the client message `sent` forwarded as
// sent, with its type, id and priority; returns the connection id it names (not empty),
// which the backend answers.
std::string check_forwarded(const json::object& event, std::string_view type,
                            const std::string& sent, std::string_view id,
                            std::string_view priority) {
    CHECK(string_field(event, "topic") == "inbound/jarvis");
    CHECK(string_field(event, "type") == type);
    CHECK(json::serialize(event.at("data")) == sent);
    CHECK(string_field(event, "id") == id);
    CHECK(string_field(event, "priority") == priority);
    const std::string conn = scope_field(event, "conn");
    CHECK_FALSE(conn.empty());
    return conn;
}

// What a client must receive for a bus event, byte for byte, given the timestamp it got.
std::string envelope(std::string_view type, std::string_view payload, std::string_view id,
                     std::string_view priority, int64_t timestamp) {
    std::string out = R"({"type":")" + std::string(type) + R"(","payload":)" + std::string(payload);
    if (!id.empty()) out += R"(,"id":")" + std::string(id) + '"';
    out += R"(,"priority":")" + std::string(priority) + R"(","timestamp":)" +
           std::to_string(timestamp) + "}";
    return out;
}

// Reads the next message and checks it is `envelope(...)` with a bus timestamp taken
// between `before` and now.
void check_envelope(WsClient& client, std::string_view type, std::string_view payload,
                    std::string_view id, std::string_view priority, int64_t before) {
    const std::string text = next_text_or_why(client);
    INFO("received: " << text);
    const json::value value = parse_json(text);
    REQUIRE(value.is_object());
    const auto* timestamp = value.as_object().if_contains("timestamp");
    REQUIRE(timestamp != nullptr);
    REQUIRE(timestamp->is_int64());
    const int64_t ts = timestamp->as_int64();
    CHECK(ts >= before);
    CHECK(ts <= wall_ms());
    CHECK(text == envelope(type, payload, id, priority, ts));
}

// Standard padded base64, written out here so the test does not trust the codec it checks.
std::string base64_of(std::string_view bytes) {
    constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const uint32_t n = uint32_t(uint8_t(bytes[i])) << 16 |
                           uint32_t(uint8_t(bytes[i + 1])) << 8 | uint8_t(bytes[i + 2]);
        for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
    }
    if (i + 1 == bytes.size()) {
        const uint32_t n = uint32_t(uint8_t(bytes[i])) << 16;
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += "==";
    } else if (i + 2 == bytes.size()) {
        const uint32_t n = uint32_t(uint8_t(bytes[i])) << 16 | uint32_t(uint8_t(bytes[i + 1])) << 8;
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += kAlphabet[(n >> 6) & 63];
        out += '=';
    }
    return out;
}

std::string publish_json(std::string_view type, std::string_view data, std::string_view more = {}) {
    return R"({"topic":"jarvis","type":")" + std::string(type) + R"(","data":)" +
           std::string(data) + std::string(more) + "}";
}

// Publishes the chat {"text":"<text>"} and checks that each of `clients` receives it as a
// normal-priority envelope: how a test shows that those clients are still served.
void check_chat_reaches(const KernelProcess& kernel, std::string_view text,
                        std::initializer_list<WsClient*> clients) {
    const std::string payload = R"({"text":")" + std::string(text) + R"("})";
    const int64_t before = wall_ms();
    publish(kernel, publish_json("chat", payload));
    for (WsClient* client : clients) check_envelope(*client, "chat", payload, "", "normal", before);
}

} // namespace

TEST_CASE(
    "jarvis: a published event reaches every client as the type/payload/id/priority/timestamp "
    "envelope",
    "[integration][jarvis]") {
    auto kernel = start_jarvis();
    auto first = connect_jarvis(kernel);
    auto second = connect_jarvis(kernel);

    const int64_t before = wall_ms();
    publish(kernel, publish_json("notification", R"({"source":"task_update","action":"created"})",
                                 R"(,"id":"evt-1","priority":"urgent")"));
    publish(kernel, publish_json("chat", R"({"text":"Hello","source":"heartbeat"})"));
    for (WsClient* client : {&first, &second}) {
        check_envelope(*client, "notification", R"({"source":"task_update","action":"created"})",
                       "evt-1", "urgent", before);
        // No priority given: "normal"; no id: none on the wire.
        check_envelope(*client, "chat", R"({"text":"Hello","source":"heartbeat"})", "", "normal",
                       before);
    }
}

TEST_CASE("jarvis: the seed's server message types arrive unchanged and in publish order",
          "[integration][jarvis]") {
    auto kernel = start_jarvis();
    auto client = connect_jarvis(kernel);
    const std::vector<std::pair<std::string, std::string>> events{
        {"stream", R"({"text":"partial ","source":"sub-agent","agentName":"coder"})"},
        {"notification", R"({"source":"approval_request","shortId":"ab12cd34"})"},
        {"status", R"({"status":"ok"})"},
        {"error", R"({"message":"Chat processing failed"})"},
        {"tts_start", R"({"requestId":"voice-1"})"},
        {"tts_end", R"({"requestId":"voice-1"})"},
        {"workflow_event", R"({"type":"node_done","workflowId":"w1","data":{},"timestamp":1})"},
        {"goal_event", R"({"type":"progress","goalId":"g1","data":{"pct":0.5}})"},
        {"site_event", R"({"type":"deployed","data":{"url":"http://x"}})"},
        {"chat", R"({"text":"\"quoted\" é ☃","list":[1,2.5,null,false]})"},
    };
    const int64_t before = wall_ms();
    for (const auto& [type, data] : events)
        publish(kernel, publish_json(type, data, R"(,"priority":"low")"));
    for (const auto& [type, data] : events) check_envelope(client, type, data, "", "low", before);
}

TEST_CASE("jarvis: scope.conn sends an event to that connection only", "[integration][jarvis]") {
    auto kernel = start_jarvis();
    auto feed = inbound_feed(kernel);
    auto target = connect_jarvis(kernel);
    auto other = connect_jarvis(kernel);
    const std::string conn = conn_id_of(target, feed);

    const int64_t before = wall_ms();
    publish(kernel, publish_json("stream", R"({"text":"just for you"})",
                                 R"(,"id":"r1","scope":{"conn":")" + conn + R"("})"));
    // A numeric id is understood too, though ids are strings on the wire.
    publish(kernel,
            publish_json("stream", R"({"text":"again"})", R"(,"scope":{"conn":)" + conn + "}"));
    publish(kernel, publish_json("notification", R"({"text":"everyone"})"));

    check_envelope(target, "stream", R"({"text":"just for you"})", "r1", "normal", before);
    check_envelope(target, "stream", R"({"text":"again"})", "", "normal", before);
    check_envelope(target, "notification", R"({"text":"everyone"})", "", "normal", before);
    // The other client's first message is the broadcast.
    check_envelope(other, "notification", R"({"text":"everyone"})", "", "normal", before);
}

TEST_CASE("jarvis: every server message type of the seed can target one connection",
          "[integration][jarvis]") {
    auto kernel = start_jarvis();
    auto feed = inbound_feed(kernel);
    auto target = connect_jarvis(kernel);
    auto other = connect_jarvis(kernel);
    const std::string conn = conn_id_of(target, feed);
    const std::string scope = R"(,"scope":{"conn":")" + conn + R"("})";

    // Seed 000's server-to-client types (chat too: a backend may echo one).
    const std::vector<std::string> types{"stream",     "notification", "status", "error",
                                         "tts_start",  "tts_end",      "chat",   "workflow_event",
                                         "goal_event", "site_event"};
    const int64_t before = wall_ms();
    for (const std::string& type : types)
        publish(kernel, publish_json(type, R"({"for":")" + type + R"("})", scope));
    publish(kernel, publish_json("binary", R"({"binary":"AAEC"})", scope));
    // Then one event for everyone: the other client's first message must be this one.
    publish(kernel, publish_json("site_event", R"({"type":"deployed"})", R"(,"id":"all")"));

    for (const std::string& type : types)
        check_envelope(target, type, R"({"for":")" + type + R"("})", "", "normal", before);
    const auto audio = target.read(kWait);
    REQUIRE(audio.has_value());
    CHECK(audio->binary);
    CHECK(audio->payload == std::string("\x00\x01\x02", 3));
    check_envelope(target, "site_event", R"({"type":"deployed"})", "all", "normal", before);
    check_envelope(other, "site_event", R"({"type":"deployed"})", "all", "normal", before);
}

TEST_CASE(
    "jarvis: no client gets events for a gone or malformed connection nor internal ones nor other "
    "streams",
    "[integration][jarvis]") {
    auto kernel = start_jarvis();
    auto client = connect_jarvis(kernel);
    publish(kernel, publish_json("stream", "{}", R"(,"scope":{"conn":"999999"})"));
    publish(kernel, publish_json("stream", "{}", R"(,"scope":{"conn":"not-a-number"})"));
    publish(kernel, publish_json("stream", "{}", R"(,"scope":{"conn":true})"));
    publish(kernel, publish_json("stream", "{}", R"(,"visibility":"internal")"));
    publish(kernel, R"({"topic":"groove","type":"stream","data":{}})");
    publish(kernel, R"({"topic":"jarvisx","type":"stream","data":{}})");
    check_chat_reaches(kernel, "after", {&client});
}

TEST_CASE("jarvis: an event it cannot send is logged once as a warning and not as a failure",
          "[integration][jarvis]") {
    auto kernel = start_jarvis();
    auto client = connect_jarvis(kernel);
    publish(kernel, publish_json("stream", "{}", R"(,"scope":{"conn":"not-a-number"})"));
    publish(kernel, publish_json("binary", R"({"binary":"not base64!"})"));
    // The kernel logs a hook's failure right after the hook returns, on the same thread
    // and before the next event: once the second warning is in the log, a failure line
    // for the first event would be too.
    REQUIRE(wait_until(
        [&] {
            return kernel.log().find("data.binary is not padded standard base64") !=
                   std::string::npos;
        },
        kWait, std::chrono::milliseconds(20)));
    const std::string log = kernel.log();
    INFO("log: " << log);
    CHECK(log.find("scope.conn is not a connection id; not sent") != std::string::npos);
    CHECK(log.find("on_event failed") == std::string::npos);
    // Nothing reached the client, which is still served.
    check_chat_reaches(kernel, "after", {&client});
}

TEST_CASE("jarvis: commands health and ping and a status message are answered by the plugin",
          "[integration][jarvis]") {
    auto kernel = start_jarvis();
    auto bystander = connect_jarvis(kernel);
    auto client = connect_jarvis(kernel);
    const int64_t before = wall_ms();

    REQUIRE(client.send_text(R"({"type":"command","payload":{"command":"health"},"id":"h1",)"
                             R"("timestamp":1710000000000})"));
    json::object health = next_object(client);
    CHECK(json::serialize(health.at("payload")) ==
          R"({"status":"ok","service":"websocket","clients":2})");
    CHECK(string_field(health, "type") == "status");
    CHECK(string_field(health, "id") == "h1");
    REQUIRE(health.at("timestamp").is_int64());
    CHECK(health.at("timestamp").as_int64() >= before);

    REQUIRE(client.send_text(R"({"type":"command","payload":{"command":"ping"},"id":7})"));
    const std::string pong = next_text_or_why(client);
    INFO("pong: " << pong);
    const json::object pong_object = parse_json(pong).as_object();
    CHECK(pong == R"({"type":"status","payload":{"pong":true},"id":7,"timestamp":)" +
                      std::to_string(pong_object.at("timestamp").as_int64()) + "}");

    REQUIRE(client.send_text(R"({"type":"status"})"));
    const json::object status = next_object(client);
    CHECK(string_field(status, "type") == "status");
    CHECK(json::serialize(status.at("payload")) ==
          R"({"service":"websocket","status":"running","clients":2,"port":)" +
              std::to_string(jarvis_port(kernel)) + "}");
    CHECK_FALSE(status.contains("id"));

    REQUIRE(client.send_text(R"({"type":"command","payload":{"command":"reboot"},"id":"c9"})"));
    const json::object unknown = next_object(client);
    CHECK(error_message(unknown) == "Unknown command: reboot");
    CHECK(string_field(unknown, "id") == "c9");
    CHECK_FALSE(client.closed());
}

TEST_CASE("jarvis: bad client messages get an error message and the socket stays open",
          "[integration][jarvis]") {
    auto kernel = start_jarvis();
    auto feed = inbound_feed(kernel);
    auto bystander = connect_jarvis(kernel);
    auto client = connect_jarvis(kernel);

    struct Case {
        std::string sent;
        std::string message; // payload.message of the error
        std::string id;      // the id echoed, "" for none
    };
    const std::vector<Case> cases{
        // Malformed JSON, and JSON that is no message.
        {"{{{", "Invalid JSON: expected a string key at offset 1", ""},
        {"", "Invalid JSON: unexpected end of input at offset 0", ""},
        {R"({"type":"chat"} trailing)", "Invalid JSON: unexpected trailing characters at offset 16",
         ""},
        {"[1,2]", "Invalid message: expected a JSON object", ""},
        {"42", "Invalid message: expected a JSON object", ""},
        // Wrong field types.
        {R"({"payload":{}})", "Invalid message: type must be a string", ""},
        {R"({"type":5,"id":"t5"})", "Invalid message: type must be a string", "t5"},
        {R"({"type":["chat"]})", "Invalid message: type must be a string", ""},
        {R"({"type":"chat","id":{"x":1}})", "Invalid message: id must be a string or a number", ""},
        {R"({"type":"chat","id":true})", "Invalid message: id must be a string or a number", ""},
        {R"({"type":"chat","payload":"hello","id":"w1"})",
         "Invalid message: payload must be an object", "w1"},
        {R"({"type":"status","payload":[1]})", "Invalid message: payload must be an object", ""},
        {R"({"type":"chat","payload":{"text":42}})",
         "Invalid message: payload.text must be a string", ""},
        {R"({"type":"chat","payload":{"text":"hi"},"priority":3})",
         "Invalid message: priority must be a string", ""},
        {R"({"type":"chat","payload":{"text":"hi"},"timestamp":"yesterday","id":"ts"})",
         "Invalid message: timestamp must be a number", "ts"},
        {R"({"type":"command","payload":{"command":["health"]}})",
         "Invalid message: payload.command must be a string", ""},
        {R"({"type":"voice_start","payload":{"requestId":3}})",
         "Invalid message: payload.requestId must be a string", ""},
        // `data` where the seed says `payload`.
        {R"({"type":"chat","data":{"text":"hello"},"id":"d1"})",
         R"(Invalid message: the field is "payload", not "data")", "d1"},
        {R"({"type":"command","data":{"command":"health"}})",
         R"(Invalid message: the field is "payload", not "data")", ""},
        // An unknown priority.
        {R"({"type":"chat","payload":{"text":"hi"},"priority":"asap","id":"p1"})",
         R"(Invalid message: unknown priority "asap" (expected "urgent", "normal" or "low"))",
         "p1"},
        // Unknown types, server-to-client types included (the seed's directions).
        {R"({"type":"launch","id":"u1"})", "Unknown message type: launch", "u1"},
        {R"({"type":"tts_start","payload":{}})", "Unknown message type: tts_start", ""},
        {R"({"type":"stream","payload":{}})", "Unknown message type: stream", ""},
        {R"({"type":"notification","payload":{}})", "Unknown message type: notification", ""},
        {R"({"type":"error","payload":{}})", "Unknown message type: error", ""},
        // A chat without its text, commands and voice messages without what they need.
        {R"({"type":"chat","payload":{},"id":"m1"})", "Missing text in chat payload", "m1"},
        {R"({"type":"chat","id":"m3"})", "Missing text in chat payload", "m3"},
        {R"({"type":"chat","payload":{"text":""},"id":"m2"})", "Missing text in chat payload",
         "m2"},
        {R"({"type":"command","payload":{}})", "Missing command in command payload", ""},
        {R"({"type":"command","payload":{"command":"reboot"},"id":9})", "Unknown command: reboot",
         "9"},
        {R"({"type":"voice_start","payload":{}})", "Missing requestId in voice_start payload", ""},
        // A requestId is copied into every audio event: bounded, and plain characters only.
        {R"({"type":"voice_start","payload":{"requestId":")" + std::string(129, 'r') +
             R"("},"id":"r129"})",
         "Invalid message: payload.requestId is longer than 128 bytes", "r129"},
        {R"({"type":"voice_start","payload":{"requestId":")" + std::string(1024 * 1024, 'r') +
             R"("}})",
         "Invalid message: payload.requestId is longer than 128 bytes", ""},
        {R"({"type":"voice_start","payload":{"requestId":"voice 1"}})",
         "Invalid message: payload.requestId may hold only letters, digits, '.', '_', ':' and '-'",
         ""},
        {R"({"type":"voice_start","payload":{"requestId":"v\"1\n"}})",
         "Invalid message: payload.requestId may hold only letters, digits, '.', '_', ':' and '-'",
         ""},
        {R"({"type":"voice_end","id":"v1"})", "No voice session in progress", "v1"},
    };
    int pings = 0;
    for (const Case& c : cases) {
        INFO("sent: " << c.sent);
        REQUIRE(client.send_text(c.sent));
        const json::object reply = next_object(client);
        CHECK(error_message(reply) == c.message);
        if (c.id == "9") {
            CHECK(reply.at("id") == json::value(9)); // a number comes back as a number
        } else {
            CHECK(string_field(reply, "id") == c.id);
        }
        CHECK(reply.at("timestamp").is_int64());
        // The socket is still open and answering.
        const std::string ping_id = "after-" + std::to_string(++pings);
        REQUIRE(client.send_text(R"({"type":"command","payload":{"command":"ping"},"id":")" +
                                 ping_id + R"("})"));
        const json::object pong = next_object(client);
        CHECK(json::serialize(pong.at("payload")) == R"({"pong":true})");
        CHECK(string_field(pong, "id") == ping_id);
    }
    REQUIRE(client.send_binary(std::string("\x00\x01\x02", 3)));
    CHECK(error_message(next_object(client)) == "Binary data received outside a voice session");
    CHECK_FALSE(client.closed());

    // None of it reached the backend: the first event of stream inbound (seq 1, the
    // feed replays from the start) is this chat. The bystander got nothing.
    REQUIRE(client.send_text(R"({"type":"chat","payload":{"text":"first to arrive"}})"));
    const json::object first = next_inbound(feed);
    INFO("first inbound event: " << json::serialize(first));
    CHECK(first.at("seq") == json::value(1));
    CHECK(string_field(first, "type") == "chat");
    CHECK(string_field(first.at("data").at("payload"), "text") == "first to arrive");
    check_chat_reaches(kernel, "still here", {&client, &bystander});
}

TEST_CASE(
    "jarvis: a message of too many JSON values or too deep gets an error and the socket stays open",
    "[integration][jarvis]") {
    auto kernel = start_jarvis();
    auto feed = inbound_feed(kernel);
    auto client = connect_jarvis(kernel);
    // A chat whose payload carries `n` tiny elements besides its text.
    auto chat_with = [](size_t n, std::string_view id) {
        std::string out =
            R"({"type":"chat","id":")" + std::string(id) + R"(","payload":{"text":"hi","list":[)";
        for (size_t i = 0; i < n; ++i) out += i == 0 ? "0" : ",0";
        return out + "]}}";
    };

    // 1 MiB of "0,": half a million values, far over the cap of 100,000.
    REQUIRE(client.send_text(chat_with(512 * 1024, "big")));
    const json::object big = next_object(client);
    INFO("reply: " << json::serialize(big));
    CHECK_THAT(error_message(big),
               Catch::StartsWith("Message too complex: more than 100000 values at offset "));
    CHECK(string_field(big, "type") == "error");
    // Deeper than 64 levels is too complex as well.
    REQUIRE(client.send_text(R"({"type":"chat","payload":{"text":"hi","deep":)" +
                             std::string(100, '[') + std::string(100, ']') + "}}"));
    CHECK_THAT(error_message(next_object(client)),
               Catch::StartsWith("Message too complex: nesting deeper than 64 at offset "));
    // Still open, and a message under the cap goes through: it is the backend's first.
    REQUIRE(client.send_text(chat_with(90'000, "fits")));
    const json::object event = next_inbound(feed);
    CHECK(string_field(event, "type") == "chat");
    CHECK(string_field(event, "id") == "fits");
    CHECK(event.at("data").at("payload").at("list").as_array().size() == 90'000);
}

TEST_CASE("jarvis: chat goes to the bus stream inbound as sent with the connection id as a string",
          "[integration][jarvis]") {
    auto kernel = start_jarvis();
    auto feed = inbound_feed(kernel);
    auto client = connect_jarvis(kernel);

    const std::string sent =
        R"({"type":"chat","payload":{"text":"Summarize the top issues in this repository"},)"
        R"("id":"client-message-id","priority":"urgent","timestamp":1710000000000})";
    REQUIRE(client.send_text(sent));
    const json::object event = next_inbound(feed);
    INFO("inbound: " << json::serialize(event));
    const std::string conn = check_forwarded(event, "chat", sent, "client-message-id", "urgent");
    CHECK(conn.find_first_not_of("0123456789") == std::string::npos);

    // The backend answers that connection through the bus.
    const int64_t before = wall_ms();
    publish(kernel,
            publish_json("stream", R"({"text":"Working on it"})",
                         R"(,"id":"client-message-id","scope":{"conn":")" + conn + R"("})"));
    check_envelope(client, "stream", R"({"text":"Working on it"})", "client-message-id", "normal",
                   before);
}

TEST_CASE("jarvis: commands named in backend_commands go to the backend and others are unknown",
          "[integration][jarvis]") {
    auto kernel = start_jarvis("backend_commands = [\"restart_agent\", \"list_goals\"]\n");
    auto feed = inbound_feed(kernel);
    auto client = connect_jarvis(kernel);

    const std::string sent =
        R"({"type":"command","payload":{"command":"restart_agent","agent":"coder"},)"
        R"("id":"cmd-1","priority":"low","timestamp":1710000000000})";
    REQUIRE(client.send_text(sent));
    const json::object event = next_inbound(feed);
    INFO("inbound: " << json::serialize(event));
    const std::string conn = check_forwarded(event, "command", sent, "cmd-1", "low");

    // The plugin itself does not answer a forwarded command: the backend does.
    const int64_t before = wall_ms();
    publish(kernel, publish_json("status", R"({"restarted":"coder"})",
                                 R"(,"id":"cmd-1","scope":{"conn":")" + conn + R"("})"));
    check_envelope(client, "status", R"({"restarted":"coder"})", "cmd-1", "normal", before);

    // Not in the list: PROTOCOLS.md's answer, and nothing for the backend.
    REQUIRE(client.send_text(R"({"type":"command","payload":{"command":"reboot"},"id":"c9"})"));
    const json::object unknown = next_object(client);
    CHECK(error_message(unknown) == "Unknown command: reboot");
    CHECK(string_field(unknown, "id") == "c9");
    // health and ping stay the plugin's.
    REQUIRE(client.send_text(R"({"type":"command","payload":{"command":"ping"},"id":"p"})"));
    CHECK(json::serialize(next_object(client).at("payload")) == R"({"pong":true})");
    REQUIRE(client.send_text(R"({"type":"command","payload":{"command":"list_goals"},"id":7})"));
    const json::object second = next_inbound(feed);
    CHECK(string_field(second.at("data").at("payload"), "command") == "list_goals");
    CHECK(string_field(second, "id") == "7");
    CHECK(scope_field(second, "conn") == conn);
}

TEST_CASE("jarvis: backend_commands = [\"*\"] sends every other command to the backend",
          "[integration][jarvis]") {
    auto kernel = start_jarvis("backend_commands = [\"*\"]\n");
    auto feed = inbound_feed(kernel);
    auto client = connect_jarvis(kernel);
    REQUIRE(client.send_text(R"({"type":"command","payload":{"command":"health"},"id":"h"})"));
    CHECK(string_field(next_object(client), "type") == "status");
    REQUIRE(client.send_text(R"({"type":"command","payload":{"command":"anything"},"id":"a"})"));
    const json::object event = next_inbound(feed);
    CHECK(string_field(event, "type") == "command");
    CHECK(string_field(event.at("data").at("payload"), "command") == "anything");
    CHECK(string_field(event, "id") == "a");
}

TEST_CASE(
    "jarvis: a voice session forwards voice_start then the audio frames as base64 then voice_end",
    "[integration][jarvis]") {
    auto kernel = start_jarvis();
    auto feed = inbound_feed(kernel);
    auto client = connect_jarvis(kernel);

    const std::string start = R"({"type":"voice_start","payload":{"requestId":"voice-42"}})";
    REQUIRE(client.send_text(start));
    REQUIRE(client.send_binary(std::string("\x00\x01\x02\xff", 4)));
    REQUIRE(client.send_binary("RIFF"));
    REQUIRE(client.send_text(R"({"type":"voice_end","payload":{}})"));

    const json::object started = next_inbound(feed);
    CHECK(string_field(started, "type") == "voice_start");
    CHECK(json::serialize(started.at("data")) == start);
    CHECK(scope_field(started, "requestId") == "voice-42");
    const std::string conn = scope_field(started, "conn");
    CHECK_FALSE(conn.empty());

    const json::object audio1 = next_inbound(feed);
    CHECK(string_field(audio1, "type") == "binary");
    CHECK(json::serialize(audio1.at("data")) == R"({"binary":"AAEC/w==","requestId":"voice-42"})");
    CHECK(scope_field(audio1, "conn") == conn);
    CHECK(scope_field(audio1, "requestId") == "voice-42");
    const json::object audio2 = next_inbound(feed);
    CHECK(json::serialize(audio2.at("data")) == R"({"binary":"UklGRg==","requestId":"voice-42"})");

    const json::object ended = next_inbound(feed);
    CHECK(string_field(ended, "type") == "voice_end");
    CHECK(scope_field(ended, "requestId") == "voice-42");
    CHECK(scope_field(ended, "conn") == conn);

    // The session is over: audio now is an error again.
    REQUIRE(client.send_binary("late"));
    CHECK(error_message(next_object(client)) == "Binary data received outside a voice session");
}

TEST_CASE("jarvis: a second voice_start during a session gets an error and the first stays open",
          "[integration][jarvis]") {
    auto kernel = start_jarvis();
    auto feed = inbound_feed(kernel);
    auto client = connect_jarvis(kernel);

    REQUIRE(client.send_text(R"({"type":"voice_start","payload":{"requestId":"first"}})"));
    const json::object started = next_inbound(feed);
    CHECK(string_field(started, "type") == "voice_start");
    CHECK(scope_field(started, "requestId") == "first");

    REQUIRE(
        client.send_text(R"({"type":"voice_start","payload":{"requestId":"second"},"id":"v2"})"));
    const json::object refused = next_object(client);
    CHECK(error_message(refused) ==
          "A voice session is already in progress (requestId first): send voice_end first");
    CHECK(string_field(refused, "id") == "v2");

    // The audio still belongs to the first session, and the backend never saw "second":
    // the next inbound event is this frame.
    REQUIRE(client.send_binary("abc"));
    const json::object audio = next_inbound(feed);
    CHECK(string_field(audio, "type") == "binary");
    CHECK(json::serialize(audio.at("data")) == R"({"binary":"YWJj","requestId":"first"})");
    REQUIRE(client.send_text(R"({"type":"voice_end"})"));
    const json::object ended = next_inbound(feed);
    CHECK(string_field(ended, "type") == "voice_end");
    CHECK(scope_field(ended, "requestId") == "first");

    // Once it ended, a new session may start.
    REQUIRE(client.send_text(R"({"type":"voice_start","payload":{"requestId":"second"}})"));
    const json::object restarted = next_inbound(feed);
    CHECK(string_field(restarted, "type") == "voice_start");
    CHECK(scope_field(restarted, "requestId") == "second");
}

TEST_CASE("jarvis: a client that leaves during a voice session ends it for the backend",
          "[integration][jarvis]") {
    auto kernel = start_jarvis();
    auto feed = inbound_feed(kernel);
    auto observer = connect_jarvis(kernel);
    std::optional<WsClient> polite = connect_jarvis(kernel);
    std::optional<WsClient> vanishing = connect_jarvis(kernel);
    std::optional<WsClient> finished = connect_jarvis(kernel);

    // The voice_end the plugin publishes for a connection that closed mid-session.
    auto expect_closed_voice_end = [&](const std::string& request_id, const std::string& conn,
                                       int64_t before) {
        const json::object event = next_inbound(feed);
        INFO("inbound: " << json::serialize(event));
        CHECK(string_field(event, "topic") == "inbound/jarvis");
        CHECK(string_field(event, "type") == "voice_end");
        CHECK(scope_field(event, "conn") == conn);
        CHECK(scope_field(event, "requestId") == request_id);
        const json::value& data = event.at("data");
        CHECK(string_field(data, "type") == "voice_end");
        CHECK(json::serialize(data.at("payload")) ==
              R"({"requestId":")" + request_id + R"(","reason":"closed"})");
        REQUIRE(data.at("timestamp").is_int64());
        CHECK(data.at("timestamp").as_int64() <= wall_ms());
        CHECK(data.at("timestamp").as_int64() >= before);
    };
    // The connection id of a client, from the voice_start it sends.
    auto start_session = [&](WsClient& client, const std::string& request_id) {
        REQUIRE(client.send_text(R"({"type":"voice_start","payload":{"requestId":")" + request_id +
                                 R"("}})"));
        const json::object event = next_inbound(feed);
        REQUIRE(string_field(event, "type") == "voice_start");
        REQUIRE(scope_field(event, "requestId") == request_id);
        return scope_field(event, "conn");
    };

    // A close handshake in the middle of a session.
    const std::string polite_conn = start_session(*polite, "polite-1");
    REQUIRE(polite->send_binary("pcm"));
    CHECK(string_field(next_inbound(feed), "type") == "binary");
    int64_t before = wall_ms();
    polite->close();
    expect_closed_voice_end("polite-1", polite_conn, before);

    // A connection that just drops (no close frame).
    const std::string vanishing_conn = start_session(*vanishing, "gone-2");
    before = wall_ms();
    vanishing.reset();
    expect_closed_voice_end("gone-2", vanishing_conn, before);

    // A session the client ended itself: its close adds nothing. Once the observer sees
    // the client count drop, the plugin has handled the close (the count drops in the
    // same step), so the next inbound event is the observer's chat.
    start_session(*finished, "done-3");
    REQUIRE(finished->send_text(R"({"type":"voice_end"})"));
    CHECK(string_field(next_inbound(feed), "type") == "voice_end");
    finished->close();
    std::string health;
    CHECK(wait_health_clients(observer, 1, health));
    INFO("last health payload: " << health);
    REQUIRE(observer.send_text(R"({"type":"chat","payload":{"text":"marker"}})"));
    const json::object marker = next_inbound(feed);
    CHECK(string_field(marker, "type") == "chat");
    CHECK(string_field(marker.at("data").at("payload"), "text") == "marker");
}

TEST_CASE("jarvis: microphone audio reaches the backend complete and in order",
          "[integration][jarvis]") {
    auto kernel = start_jarvis();
    auto feed = inbound_feed(kernel);
    auto client = connect_jarvis(kernel);
    auto other = connect_jarvis(kernel);

    // Frames of many sizes, every byte value, one of 16 MiB (the largest frame); another client's
    // voice session runs alongside and must not mix in.
    std::vector<std::string> frames;
    for (size_t i = 0; i < 40; ++i) {
        std::string frame(i * 997 + 1, '\0');
        for (size_t j = 0; j < frame.size(); ++j) frame[j] = static_cast<char>((i * 31 + j) & 0xFF);
        frames.push_back(std::move(frame));
    }
    frames.insert(frames.begin() + 20, std::string(16 * kMiB, '\x7f'));
    REQUIRE(client.send_text(R"({"type":"voice_start","payload":{"requestId":"mic-1"}})"));
    REQUIRE(other.send_text(R"({"type":"voice_start","payload":{"requestId":"mic-2"}})"));
    for (size_t i = 0; i < frames.size(); ++i) {
        REQUIRE(client.send_binary(frames[i]));
        if (i % 10 == 0) REQUIRE(other.send_binary("other"));
    }
    REQUIRE(client.send_text(R"({"type":"voice_end","payload":{"requestId":"mic-1"}})"));

    std::string conn;
    size_t next = 0;
    bool ended = false;
    while (!ended) {
        const json::object event = next_inbound(feed);
        const std::string type = string_field(event, "type");
        if (scope_field(event, "requestId") == "mic-2") continue; // the other session
        CHECK(scope_field(event, "requestId") == "mic-1");
        if (type == "voice_start") {
            conn = scope_field(event, "conn");
            continue;
        }
        CHECK(scope_field(event, "conn") == conn);
        if (type == "voice_end") {
            ended = true;
            continue;
        }
        REQUIRE(type == "binary");
        REQUIRE(next < frames.size());
        std::string expected = R"({"binary":")";
        expected += base64_of(frames[next]);
        expected += R"(","requestId":"mic-1"})";
        const std::string data = json::serialize(event.at("data"));
        INFO("frame " << next << " of " << frames[next].size() << " bytes");
        CHECK(data.size() == expected.size());
        CHECK(data == expected);
        ++next;
    }
    CHECK(next == frames.size());
    CHECK_FALSE(conn.empty());
}

TEST_CASE("jarvis: speech reaches the client as binary frames between tts_start and tts_end",
          "[integration][jarvis]") {
    auto kernel = start_jarvis();
    auto feed = inbound_feed(kernel);
    auto client = connect_jarvis(kernel);
    auto other = connect_jarvis(kernel);
    const std::string conn = conn_id_of(client, feed);
    const std::string scope = R"(,"scope":{"conn":")" + conn + R"("})";

    const int64_t before = wall_ms();
    publish(kernel, publish_json("tts_start", R"({"requestId":"voice-42"})", scope));
    publish(kernel,
            publish_json("binary", R"({"binary":"AAEC/w==","requestId":"voice-42"})", scope));
    // Not base64: dropped with a warning, never half-sent.
    publish(kernel, publish_json("binary", R"({"binary":"AAEC/w="})", scope));
    publish(kernel, publish_json("binary", R"({"audio":"AAEC"})", scope));
    // Zero bytes of audio are an empty binary frame.
    publish(kernel, publish_json("binary", R"({"binary":""})", scope));
    publish(kernel, publish_json("tts_end", R"({"requestId":"voice-42"})", scope));
    // Without scope.conn, audio goes to everyone.
    publish(kernel, publish_json("binary", R"({"binary":"UklGRg=="})"));

    check_envelope(client, "tts_start", R"({"requestId":"voice-42"})", "", "normal", before);
    auto audio = client.read(kWait);
    REQUIRE(audio.has_value());
    CHECK(audio->binary);
    CHECK(audio->payload == std::string("\x00\x01\x02\xff", 4));
    auto empty = client.read(kWait);
    REQUIRE(empty.has_value());
    CHECK(empty->binary);
    CHECK(empty->payload.empty());
    check_envelope(client, "tts_end", R"({"requestId":"voice-42"})", "", "normal", before);
    for (WsClient* c : {&client, &other}) {
        auto riff = c->read(kWait);
        REQUIRE(riff.has_value());
        CHECK(riff->binary);
        CHECK(riff->payload == "RIFF");
    }
}

TEST_CASE("jarvis: with auth_token the WebSocket upgrade needs the token cookie",
          "[integration][jarvis]") {
    auto kernel = start_with_token();
    const uint16_t port = jarvis_port(kernel);
    const std::string cookie = "token=" + std::string(kToken);

    for (const HttpHeaders& headers : std::vector<HttpHeaders>{
             {},
             {{"Authorization", "Bearer " + std::string(kToken)}},
             {{"Cookie", "token=wrong"}},
             {{"Cookie", "other=" + std::string(kToken)}},
             {{"Cookie", cookie + "x"}},
         }) {
        const WsAttempt attempt = WsClient::try_connect(port, "/ws", headers);
        INFO("answer body: " << attempt.body);
        CHECK(attempt.status == 401);
        CHECK(attempt.body == R"({"error":"Unauthorized"})");
        CHECK_FALSE(attempt.client.has_value());
    }
    // The query token is for pages; the upgrade looks at the cookie only.
    CHECK(WsClient::try_connect(port, "/ws?token=" + std::string(kToken)).status == 401);
    auto client = connect_jarvis(kernel, {{"Cookie", "theme=dark; " + cookie}});
    REQUIRE(client.send_text(R"({"type":"command","payload":{"command":"ping"}})"));
    CHECK(json::serialize(next_object(client).at("payload")) == R"({"pong":true})");
}

TEST_CASE("jarvis: ?token= on any page sets the token cookie and redirects while a wrong one 401s",
          "[integration][jarvis]") {
    auto kernel = start_with_token();
    const HttpClient http = jarvis_http(kernel);
    const std::string token(kToken);
    const std::string cookie = "token=" + token + "; Path=/; SameSite=Lax; HttpOnly";

    struct Case {
        std::string target;
        std::string location;
    };
    for (const Case& c :
         {Case{"/?token=" + token + "&room=lab", "/?room=lab"}, Case{"/?token=" + token, "/"},
          Case{"/?a=1&token=" + token + "&b=2", "/?a=1&b=2"},
          Case{"/dashboard.js?token=" + token, "/dashboard.js"},
          Case{"/docs/page.html?token=" + token, "/docs/page.html"},
          // Only ever a local redirect, whatever the path looks like.
          Case{"//evil.example/?token=" + token, "/evil.example/"},
          // The kernel decodes the name, so an encoded one is the token too and must go.
          Case{"/?%74oken=" + token + "&room=lab", "/?room=lab"},
          Case{"/?room=lab&to%6Ben=" + token, "/?room=lab"}}) {
        INFO("GET " << c.target);
        const HttpResponse bootstrap = http.get(c.target);
        CHECK(bootstrap.status == 302);
        CHECK(bootstrap.header("set-cookie") == cookie);
        CHECK(bootstrap.header("location") == c.location);
        CHECK(bootstrap.header("cache-control") == "no-store");
        // Following the redirect with the cookie ends at the page, not at another 302.
        const HttpResponse followed =
            http.get(bootstrap.header("location"), {{"Cookie", "token=" + token}});
        CHECK(followed.status != 302);
        CHECK(followed.header("set-cookie").empty());
    }

    for (const std::string& target : std::vector<std::string>{
             "/?token=wrong", "/?token=", "/?token=" + token + "x", "/dashboard.js?token=wrong",
             "/?room=1&token=" + token.substr(1), "/", "/dashboard.js", "/index.html"}) {
        INFO("GET " << target);
        const HttpResponse refused = http.get(target);
        CHECK(refused.status == 401);
        CHECK(refused.body == R"({"error":"Unauthorized"})");
        CHECK(refused.header("set-cookie").empty());
    }
    // The wrong query token loses even next to a good cookie: it sets nothing.
    const HttpResponse mixed = http.get("/?token=wrong", {{"Cookie", "token=" + token}});
    CHECK(mixed.status == 401);
    CHECK(mixed.header("set-cookie").empty());
}

TEST_CASE("jarvis: with auth_token the dashboard and /api need the cookie or a Bearer header",
          "[integration][jarvis]") {
    auto kernel = start_with_token();
    const HttpClient http = jarvis_http(kernel);
    const std::string token(kToken);

    for (const HttpHeaders& credentials :
         {HttpHeaders{{"Cookie", "token=" + token}}, HttpHeaders{{"Cookie", "a=b; token=" + token}},
          HttpHeaders{{"Authorization", "Bearer " + token}}}) {
        const HttpResponse page = http.get("/", credentials);
        CHECK(page.status == 200);
        CHECK(page.header("content-type") == "text/html; charset=utf-8");
        CHECK(page.body.find("<script src=\"dashboard.js\"></script>") != std::string::npos);
        const HttpResponse script = http.get("/dashboard.js", credentials);
        CHECK(script.status == 200);
        CHECK(script.header("content-type") == "text/javascript; charset=utf-8");
        CHECK(script.body.find("new WebSocket('/ws')") != std::string::npos);
        CHECK(http.get("/dashboard.css", credentials).header("content-type") ==
              "text/css; charset=utf-8");
    }
    for (const HttpHeaders& wrong :
         {HttpHeaders{{"Cookie", "token=wrong"}}, HttpHeaders{{"Authorization", "Bearer wrong"}},
          HttpHeaders{{"Authorization", token}}, HttpHeaders{{"Cookie", "tok=" + token}}}) {
        CHECK(http.get("/", wrong).status == 401);
        CHECK(http.get("/dashboard.js", wrong).status == 401);
    }

    for (const std::string method : {"GET", "POST"}) {
        INFO(method << " /api/health");
        const HttpResponse anonymous = http.request(method, "/api/health", "{}");
        CHECK(anonymous.status == 401);
        CHECK(anonymous.body == R"({"error":"Unauthorized"})");
        CHECK(
            http.request(method, "/api/health", "{}", {{"Authorization", "Bearer wrong"}}).status ==
            401);
        CHECK(http.request(method, "/api/health?token=" + token, "{}").status == 401);
        CHECK(http.request(method, "/api/health", "{}", {{"Authorization", "Bearer " + token}})
                  .status == 404);
        CHECK(http.request(method, "/api/health", "{}", {{"Cookie", "token=" + token}}).status ==
              404);
    }
}

TEST_CASE("jarvis: GET /health is public and counts the clients", "[integration][jarvis]") {
    auto kernel = start_with_token();
    const HttpClient http = jarvis_http(kernel);
    const std::string cookie = "token=" + std::string(kToken);
    auto first = connect_jarvis(kernel, {{"Cookie", cookie}});
    auto second = connect_jarvis(kernel, {{"Cookie", cookie}});

    const int64_t before = wall_ms();
    const HttpResponse health = http.get("/health");
    REQUIRE(health.status == 200);
    CHECK(health.header("content-type") == "application/json");
    const json::object body = parse_json(health.body).as_object();
    INFO("body: " << health.body);
    CHECK(string_field(body, "status") == "ok");
    CHECK(string_field(body, "version") == "1.0.0");
    CHECK(body.at("uptime").is_int64());
    CHECK(body.at("uptime").as_int64() >= 0);
    CHECK(body.at("clients").as_int64() == 2);
    CHECK(body.at("timestamp").as_int64() >= before);
    CHECK(body.size() == 5);

    second.close();
    // The plugin hears of the close on its own time; until then health may still say 2.
    std::string payload;
    const bool reached = wait_health_clients(first, 1, payload);
    INFO("last health payload: " << payload);
    CHECK(reached);
}

TEST_CASE("jarvis: a client that does not answer pings is dropped and no longer counted",
          "[integration][jarvis]") {
    // Short values, the timeout generous enough that a loaded machine still lets `alive`
    // answer in time.
    auto kernel = start_jarvis("ping_interval_ms = 200\npong_timeout_ms = 1000\n");
    // `silent` is never read, so its pings are never answered (the test client answers a
    // ping only while it reads); `alive` reads on every health request.
    auto silent = connect_jarvis(kernel);
    auto alive = connect_jarvis(kernel);
    const HttpClient http = jarvis_http(kernel);

    std::string payload;
    const bool dropped = wait_health_clients(alive, 1, payload);
    INFO("last health payload: " << payload);
    REQUIRE(dropped);
    CHECK(parse_json(http.get("/health").body).as_object().at("clients").as_int64() == 1);
    // The silent one was closed by the server; the one that answers is still served.
    CHECK(silent.wait_closed(kWait));
    REQUIRE(alive.send_text(R"({"type":"status"})"));
    CHECK(json::serialize(next_object(alive).at("payload")) ==
          R"({"service":"websocket","status":"running","clients":1,"port":)" +
              std::to_string(jarvis_port(kernel)) + "}");
}

TEST_CASE("jarvis: without auth_token the dashboard and /ws and /api are open",
          "[integration][jarvis]") {
    auto kernel = start_jarvis("dashboard_dir = " + toml_quote(kDashboardDir) + "\n");
    const HttpClient http = jarvis_http(kernel);
    CHECK(http.get("/").status == 200);
    // No token configured: a ?token= is nobody's business, no cookie is set.
    const HttpResponse with_query = http.get("/?token=anything");
    CHECK(with_query.status == 200);
    CHECK(with_query.header("set-cookie").empty());
    CHECK(http.get("/api/anything").status == 404);
    CHECK(http.get("/nothing-here").status == 404);
    auto client = connect_jarvis(kernel);
    REQUIRE(client.send_text(R"({"type":"command","payload":{"command":"ping"}})"));
    CHECK(json::serialize(next_object(client).at("payload")) == R"({"pong":true})");
}

TEST_CASE(
    "jarvis: Origin is accepted when absent or the public origin or matching Host and otherwise "
    "403",
    "[integration][jarvis]") {
    auto kernel = start_jarvis();
    const uint16_t port = jarvis_port(kernel);
    const std::string p = std::to_string(port);
    auto accepted = [&](const HttpHeaders& headers) {
        const WsAttempt attempt = WsClient::try_connect(port, "/ws", headers);
        INFO("answer: " << attempt.status << " " << attempt.body);
        return attempt.status == 101 && attempt.client.has_value();
    };
    CHECK(accepted({}));
    CHECK(accepted({{"Origin", "http://localhost:" + p}}));
    CHECK(accepted({{"Origin", "http://LOCALHOST:" + p + "/"}}));
    // Behind a proxy: the browser's Origin names the host it sees, and so does Host.
    CHECK(accepted({{"Origin", "https://jarvis.example:8443"}, {"Host", "jarvis.example:8443"}}));
    CHECK(accepted({{"Origin", "https://Jarvis.Example"}, {"Host", "jarvis.example"}}));
    CHECK(accepted({{"Origin", "http://127.0.0.1:" + p}}));

    for (const HttpHeaders& headers : std::vector<HttpHeaders>{
             {{"Origin", "http://evil.example"}},
             {{"Origin", "http://localhost:1"}},
             {{"Origin", "http://localhost:" + p + ".evil.example"}},
             {{"Origin", "null"}},
             {{"Origin", ""}},
             {{"Origin", "https://jarvis.example:8443"}, {"Host", "jarvis.example:9443"}},
             {{"Origin", "http://127.0.0.1:" + p + "/path"}},
         }) {
        const WsAttempt attempt = WsClient::try_connect(port, "/ws", headers);
        INFO("answer body: " << attempt.body);
        CHECK(attempt.status == 403);
        CHECK(attempt.body == R"({"error":"Forbidden"})");
    }
}

TEST_CASE("jarvis: a configured public_origin replaces the localhost default",
          "[integration][jarvis]") {
    auto kernel = start_jarvis("public_origin = \"https://Jarvis.Example.com/\"\n");
    const uint16_t port = jarvis_port(kernel);
    const std::string p = std::to_string(port);
    CHECK(WsClient::try_connect(port, "/ws", {{"Origin", "https://jarvis.example.com"}}).status ==
          101);
    CHECK(WsClient::try_connect(port, "/ws", {{"Origin", "http://jarvis.example.com"}}).status ==
          403);
    CHECK(WsClient::try_connect(port, "/ws", {{"Origin", "http://localhost:" + p}}).status == 403);
}

TEST_CASE("jarvis: a client frame of 16 MiB is read and a larger one closes with 1009",
          "[integration][jarvis]") {
    auto kernel = start_jarvis();
    auto bystander = connect_jarvis(kernel);
    auto client = connect_jarvis(kernel);

    REQUIRE(client.send_binary(std::string(16 * kMiB, 'a')));
    CHECK(error_message(next_object(client)) == "Binary data received outside a voice session");

    client.send_text(
        std::string(16 * kMiB + 1, ' ')); // may fail half-way: the server stops reading
    REQUIRE(client.wait_closed(kWait));
    INFO("ended: " << client.end_reason());
    REQUIRE(client.close_code().has_value());
    CHECK(*client.close_code() == 1009);

    check_chat_reaches(kernel, "bystander", {&bystander});
}

TEST_CASE("jarvis: a reload keeps the clients and their voice sessions and the uptime's origin",
          "[integration][jarvis]") {
    auto kernel = start_jarvis();
    auto feed = inbound_feed(kernel);
    auto talker = connect_jarvis(kernel);
    auto listener = connect_jarvis(kernel);

    REQUIRE(talker.send_text(R"({"type":"voice_start","payload":{"requestId":"r-reload"}})"));
    CHECK(string_field(next_inbound(feed), "type") == "voice_start");
    // Uptime is in whole seconds: wait until it is at least 1, so a generation that
    // restarted the count at the reload (uptime 0 again) cannot pass for one that kept it.
    auto health = [&] { return parse_json(jarvis_http(kernel).get("/health").body).as_object(); };
    int64_t uptime_before = 0;
    REQUIRE(wait_until(
        [&] {
            uptime_before = health().at("uptime").as_int64();
            return uptime_before >= 1;
        },
        kWait, std::chrono::milliseconds(50)));

    const int64_t reload_requested = wall_ms();
    const HttpResponse reloaded = reload_plugin(kernel, "jarvis");
    INFO("reload: " << reloaded.body);
    REQUIRE(reloaded.status == 200);
    CHECK(plugin_status(kernel, "jarvis").at("generation").as_int64() == 2);

    REQUIRE(talker.send_binary("after"));
    const json::object audio = next_inbound(feed);
    CHECK(json::serialize(audio.at("data")) == R"({"binary":"YWZ0ZXI=","requestId":"r-reload"})");
    REQUIRE(talker.send_text(R"({"type":"status"})"));
    CHECK(json::serialize(next_object(talker).at("payload")) ==
          R"({"service":"websocket","status":"running","clients":2,"port":)" +
              std::to_string(jarvis_port(kernel)) + "}");
    // The new generation counts from the first one's start, not from the reload: the
    // uptime did not fall back, and the start it implies (timestamp - uptime, within a
    // second) lies before the reload was asked for. The first start is at least a second
    // before that (uptime_before >= 1); a start taken at the reload comes after it.
    const json::object after = health();
    const int64_t uptime_after = after.at("uptime").as_int64();
    INFO("uptime before " << uptime_before << " s, after " << uptime_after << " s");
    CHECK(uptime_after >= uptime_before);
    CHECK(after.at("timestamp").as_int64() - uptime_after * 1000 < reload_requested);

    check_chat_reaches(kernel, "after reload", {&talker, &listener});
}

TEST_CASE("jarvis: a bad plugins.jarvis table is refused at start naming the key",
          "[integration][jarvis]") {
    struct Case {
        std::string lines;
        std::string named;
    };
    const auto c = GENERATE(
        Case{"auth_token = \"has space\"\n", "auth_token"},
        Case{"auth_token = \"semi;colon\"\n", "auth_token"},
        Case{"auth_token = \"plus+sign\"\n", "auth_token"}, Case{"auth_token = 12\n", "auth_token"},
        Case{"public_origin = \"ftp://example.com\"\n", "public_origin"},
        Case{"public_origin = \"https://example.com/app\"\n", "public_origin"},
        Case{"token = \"x\"\n", "token"},
        Case{"dashboard_dir = \"/nonexistent/jarvis-dashboard\"\n", "dashboard_dir"},
        Case{"dashboard_dir = 5\n", "dashboard_dir"},
        Case{"backend_commands = \"restart\"\n", "backend_commands"},
        Case{"backend_commands = [\"ping\"]\n", "backend_commands"},
        Case{"ping_interval_ms = -1\n", "ping_interval_ms"},
        Case{"pong_timeout_ms = \"10s\"\n", "pong_timeout_ms"});
    CAPTURE(c.lines);
    TempDir dir("jarvis");
    KernelOptions options;
    options.extra_toml = enabled_plugin_table("jarvis", c.lines);
    const auto file = dir.write("bad.toml", kernel_config_text(options));
    // A plain start, not --check-config: the plugin reads its table when it is created.
    const RunResult result = run_switchyard({"--config", file.string()});
    INFO("stdout: " << result.out << "\nstderr: " << result.err);
    REQUIRE(result.exit_code.has_value());
    CHECK(*result.exit_code == 2);
    CHECK(result.err.find("'" + c.named + "'") != std::string::npos);
}

TEST_CASE("jarvis: a text frame that is not UTF-8 closes with 1007 and others carry on",
          "[integration][jarvis]") {
    auto kernel = start_jarvis();
    auto bystander = connect_jarvis(kernel);
    auto client = connect_jarvis(kernel);
    client.send_text(std::string(R"({"type":"chat","payload":{"text":")") + "\xc3\x28" + "\"}}");
    REQUIRE(client.wait_closed(kWait));
    INFO("ended: " << client.end_reason());
    REQUIRE(client.close_code().has_value());
    CHECK(*client.close_code() == 1007);

    check_chat_reaches(kernel, "bystander", {&bystander});
}

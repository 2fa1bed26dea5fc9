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
#include <stdexcept>
#include <string>
#include <vector>

using namespace switchyard::test;
namespace json = boost::json;

namespace {

constexpr auto kWait = std::chrono::seconds(10);
constexpr size_t kMiB = 1024 * 1024;
constexpr std::string_view kToken = "s3cret-Token_1";

int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

KernelProcess start_jarvis(std::string_view extra_lines = {}) {
    return KernelProcess::start(enabled_plugin_table("jarvis", extra_lines));
}

KernelProcess start_with_token() {
    return start_jarvis("auth_token = " + toml_quote(kToken) + "\n");
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

std::string publish_json(std::string_view type, std::string_view data, std::string_view more = {}) {
    return R"({"topic":"jarvis","type":")" + std::string(type) + R"(","data":)" +
           std::string(data) + std::string(more) + "}";
}

} // namespace

TEST_CASE(
    "jarvis: a published event reaches every client as {type, payload, id, priority, "
    "timestamp}",
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

TEST_CASE(
    "jarvis: events for a gone or malformed connection, internal events and other "
    "streams reach no client",
    "[integration][jarvis]") {
    auto kernel = start_jarvis();
    auto client = connect_jarvis(kernel);
    publish(kernel, publish_json("stream", "{}", R"(,"scope":{"conn":"999999"})"));
    publish(kernel, publish_json("stream", "{}", R"(,"scope":{"conn":"not-a-number"})"));
    publish(kernel, publish_json("stream", "{}", R"(,"scope":{"conn":true})"));
    publish(kernel, publish_json("stream", "{}", R"(,"visibility":"internal")"));
    publish(kernel, R"({"topic":"groove","type":"stream","data":{}})");
    publish(kernel, R"({"topic":"jarvisx","type":"stream","data":{}})");
    const int64_t before = wall_ms();
    publish(kernel, publish_json("chat", R"({"text":"after"})"));
    check_envelope(client, "chat", R"({"text":"after"})", "", "normal", before);
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
        {"{{{", "Invalid JSON: expected a string key at offset 1", ""},
        {"", "Invalid JSON: unexpected end of input at offset 0", ""},
        {R"({"type":"chat"} trailing)", "Invalid JSON: unexpected trailing characters at offset 16",
         ""},
        {"[1,2]", "Invalid message: expected a JSON object", ""},
        {"42", "Invalid message: expected a JSON object", ""},
        {R"({"payload":{}})", "Invalid message: type must be a string", ""},
        {R"({"type":5,"id":"t5"})", "Invalid message: type must be a string", "t5"},
        {R"({"type":"chat","id":{"x":1}})", "Invalid message: id must be a string or a number", ""},
        {R"({"type":"launch","id":"u1"})", "Unknown message type: launch", "u1"},
        {R"({"type":"tts_start","payload":{}})", "Unknown message type: tts_start", ""},
        {R"({"type":"chat","payload":{},"id":"m1"})", "Missing text in chat payload", "m1"},
        {R"({"type":"chat","payload":{"text":""},"id":"m2"})", "Missing text in chat payload",
         "m2"},
        {R"({"type":"chat","payload":{"text":42}})", "Missing text in chat payload", ""},
        {R"({"type":"chat","payload":"hello"})", "Missing text in chat payload", ""},
        {R"({"type":"chat","payload":{"text":"hi"},"priority":"asap","id":"p1"})",
         R"(Invalid message: priority must be "urgent", "normal" or "low")", "p1"},
        {R"({"type":"command","payload":{}})", "Missing command in command payload", ""},
        {R"({"type":"command","payload":{"command":["health"]}})",
         "Missing command in command payload", ""},
        {R"({"type":"voice_start","payload":{"requestId":3}})",
         "Missing requestId in voice_start payload", ""},
        {R"({"type":"voice_end","id":"v1"})", "No voice session in progress", "v1"},
    };
    for (const Case& c : cases) {
        INFO("sent: " << c.sent);
        REQUIRE(client.send_text(c.sent));
        const json::object reply = next_object(client);
        CHECK(error_message(reply) == c.message);
        CHECK(string_field(reply, "id") == c.id);
        CHECK(reply.at("timestamp").is_int64());
    }
    REQUIRE(client.send_binary(std::string("\x00\x01\x02", 3)));
    CHECK(error_message(next_object(client)) == "Binary data received outside a voice session");

    // None of it reached the backend, the socket is open, and the bystander got nothing.
    CHECK(conn_id_of(client, feed).size() > 0);
    const int64_t before = wall_ms();
    publish(kernel, publish_json("chat", R"({"text":"still here"})"));
    check_envelope(client, "chat", R"({"text":"still here"})", "", "normal", before);
    check_envelope(bystander, "chat", R"({"text":"still here"})", "", "normal", before);
}

TEST_CASE(
    "jarvis: chat goes to the bus stream inbound as sent, with the connection id as a "
    "string",
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
    CHECK(string_field(event, "topic") == "inbound/jarvis");
    CHECK(string_field(event, "type") == "chat");
    CHECK(json::serialize(event.at("data")) == sent);
    CHECK(string_field(event, "id") == "client-message-id");
    CHECK(string_field(event, "priority") == "urgent");
    const std::string conn = scope_field(event, "conn");
    CHECK_FALSE(conn.empty());
    CHECK(conn.find_first_not_of("0123456789") == std::string::npos);

    // The backend answers that connection through the bus.
    const int64_t before = wall_ms();
    publish(kernel,
            publish_json("stream", R"({"text":"Working on it"})",
                         R"(,"id":"client-message-id","scope":{"conn":")" + conn + R"("})"));
    check_envelope(client, "stream", R"({"text":"Working on it"})", "client-message-id", "normal",
                   before);
}

TEST_CASE(
    "jarvis: a voice session forwards voice_start, the audio frames as base64 and "
    "voice_end",
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

TEST_CASE("jarvis: with auth_token, the WebSocket upgrade needs the token cookie",
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
    auto client = connect_jarvis(kernel, {{"Cookie", "theme=dark; " + cookie}});
    REQUIRE(client.send_text(R"({"type":"command","payload":{"command":"ping"}})"));
    CHECK(json::serialize(next_object(client).at("payload")) == R"({"pong":true})");
}

TEST_CASE("jarvis: /?token= sets the token cookie and redirects, / and /api need the token",
          "[integration][jarvis]") {
    auto kernel = start_with_token();
    const HttpClient http = jarvis_http(kernel);
    const std::string token(kToken);

    const HttpResponse bootstrap = http.get("/?token=" + token + "&room=lab");
    CHECK(bootstrap.status == 302);
    CHECK(bootstrap.header("set-cookie") == "token=" + token + "; Path=/; SameSite=Lax; HttpOnly");
    CHECK(bootstrap.header("location") == "/?room=lab");
    CHECK(http.get("/?token=" + token).header("location") == "/");

    for (const std::string target : {"/?token=wrong", "/?token=", "/"}) {
        INFO("GET " << target);
        const HttpResponse refused = http.get(target);
        CHECK(refused.status == 401);
        CHECK(refused.body == R"({"error":"Unauthorized"})");
        CHECK(refused.header("set-cookie").empty());
    }

    const HttpResponse page = http.get("/", {{"Cookie", "token=" + token}});
    CHECK(page.status == 200);
    CHECK(page.header("content-type") == "text/html; charset=utf-8");
    CHECK(page.body.find("<script src=\"/dashboard.js\"></script>") != std::string::npos);
    const HttpResponse script = http.get("/dashboard.js");
    CHECK(script.status == 200);
    CHECK(script.header("content-type") == "text/javascript; charset=utf-8");
    CHECK(script.body.find("new WebSocket(") != std::string::npos);

    for (const std::string method : {"GET", "POST"}) {
        INFO(method << " /api/health");
        const HttpResponse anonymous = http.request(method, "/api/health", "{}");
        CHECK(anonymous.status == 401);
        CHECK(anonymous.body == R"({"error":"Unauthorized"})");
        CHECK(
            http.request(method, "/api/health", "{}", {{"Authorization", "Bearer wrong"}}).status ==
            401);
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
    const bool reached = wait_until(
        [&] {
            if (!first.send_text(R"({"type":"command","payload":{"command":"health"}})"))
                return false;
            payload = json::serialize(next_object(first).at("payload"));
            return payload == R"({"status":"ok","service":"websocket","clients":1})";
        },
        kWait, std::chrono::milliseconds(20));
    INFO("last health payload: " << payload);
    CHECK(reached);
}

TEST_CASE("jarvis: without auth_token, the dashboard, /ws and /api are open",
          "[integration][jarvis]") {
    auto kernel = start_jarvis();
    const HttpClient http = jarvis_http(kernel);
    CHECK(http.get("/").status == 200);
    CHECK(http.get("/?token=anything").status == 200);
    CHECK(http.get("/api/anything").status == 404);
    CHECK(http.get("/nothing-here").status == 404);
    auto client = connect_jarvis(kernel);
    REQUIRE(client.send_text(R"({"type":"command","payload":{"command":"ping"}})"));
    CHECK(json::serialize(next_object(client).at("payload")) == R"({"pong":true})");
}

TEST_CASE(
    "jarvis: Origin is accepted when absent, the public origin or matching Host, "
    "otherwise 403",
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

TEST_CASE("jarvis: a client frame of 16 MiB is read, a larger one closes with 1009",
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

    const int64_t before = wall_ms();
    publish(kernel, publish_json("chat", R"({"text":"bystander"})"));
    check_envelope(bystander, "chat", R"({"text":"bystander"})", "", "normal", before);
}

TEST_CASE("jarvis: a reload keeps the clients, their voice sessions and the uptime's origin",
          "[integration][jarvis]") {
    auto kernel = start_jarvis();
    auto feed = inbound_feed(kernel);
    auto talker = connect_jarvis(kernel);
    auto listener = connect_jarvis(kernel);

    REQUIRE(talker.send_text(R"({"type":"voice_start","payload":{"requestId":"r-reload"}})"));
    CHECK(string_field(next_inbound(feed), "type") == "voice_start");
    const int64_t uptime_before =
        parse_json(jarvis_http(kernel).get("/health").body).as_object().at("uptime").as_int64();

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
    // The new generation counts from the first one's start, not from the reload.
    CHECK(parse_json(jarvis_http(kernel).get("/health").body).as_object().at("uptime").as_int64() >=
          uptime_before);

    const int64_t before = wall_ms();
    publish(kernel, publish_json("chat", R"({"text":"after reload"})"));
    for (WsClient* c : {&talker, &listener})
        check_envelope(*c, "chat", R"({"text":"after reload"})", "", "normal", before);
}

TEST_CASE("jarvis: a bad [plugins.jarvis] table is refused at start, naming the key",
          "[integration][jarvis]") {
    struct Case {
        std::string lines;
        std::string named;
    };
    const auto c = GENERATE(Case{"auth_token = \"has space\"\n", "auth_token"},
                            Case{"auth_token = \"semi;colon\"\n", "auth_token"},
                            Case{"auth_token = 12\n", "auth_token"},
                            Case{"public_origin = \"ftp://example.com\"\n", "public_origin"},
                            Case{"public_origin = \"https://example.com/app\"\n", "public_origin"},
                            Case{"token = \"x\"\n", "token"});
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

TEST_CASE("jarvis: a text frame that is not UTF-8 closes with 1007, others carry on",
          "[integration][jarvis]") {
    auto kernel = start_jarvis();
    auto bystander = connect_jarvis(kernel);
    auto client = connect_jarvis(kernel);
    client.send_text(std::string(R"({"type":"chat","payload":{"text":")") + "\xc3\x28" + "\"}}");
    REQUIRE(client.wait_closed(kWait));
    INFO("ended: " << client.end_reason());
    REQUIRE(client.close_code().has_value());
    CHECK(*client.close_code() == 1007);

    const int64_t before = wall_ms();
    publish(kernel, publish_json("chat", R"({"text":"bystander"})"));
    check_envelope(bystander, "chat", R"({"text":"bystander"})", "", "normal", before);
}

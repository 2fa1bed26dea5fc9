// What the jarvis integration tests of issue 13 share (jarvis_vocabulary_test.cpp,
// jarvis_dashboard_client_test.cpp): reading the seed's envelopes from a client, the
// control API's SSE feed of stream `inbound`, and publishing batches of events in one
// request so that they reach the plugin back to back.
#pragma once

#include "kernel_process.hpp"
#include "sse_client.hpp"
#include "test_json.hpp"
#include "ws_client.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::test::jarvis_wire {

namespace json = boost::json;

inline constexpr auto kWait = std::chrono::seconds(10);

inline int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The next text message as a JSON object; throws, saying what came instead, otherwise.
inline json::object next_object(WsClient& client) {
    const std::string text = next_text_or_why(client);
    const json::value value = parse_json(text);
    if (!value.is_object()) throw std::runtime_error("not a JSON object: " + text);
    return value.as_object();
}

// The `payload.message` of an error reply.
inline std::string error_message(const json::object& reply) {
    if (string_field(reply, "type") != "error")
        return "<not an error: " + json::serialize(reply) + ">";
    const auto* payload = reply.if_contains("payload");
    return payload ? string_field(*payload, "message") : "<no payload>";
}

// The control API's SSE feed of stream `inbound`, from its first event on.
inline SseClient inbound_feed(const KernelProcess& kernel) {
    auto feed = SseClient::connect(kernel.control_port(), "/api/v1/events?stream=inbound",
                                   {{"Last-Event-ID", "0"}});
    REQUIRE(feed.status() == 200);
    return feed;
}

// The next inbound event as a JSON object.
inline json::object next_inbound(SseClient& feed) {
    const auto event = feed.next(kWait);
    if (!event) throw std::runtime_error("no inbound event within the timeout");
    const json::value value = parse_json(event->data);
    if (!value.is_object())
        throw std::runtime_error("inbound event is not an object: " + event->data);
    return value.as_object();
}

inline std::string scope_field(const json::object& event, std::string_view key) {
    const auto* scope = event.if_contains("scope");
    return scope ? string_field(*scope, key) : "";
}

// The connection id (a string, as on the wire) the kernel gave `client`: it sends a chat
// and reads the forwarded event's scope.conn.
inline std::string conn_id_of(WsClient& client, SseClient& feed) {
    REQUIRE(client.send_text(R"({"type":"chat","payload":{"text":"who am I?"}})"));
    const json::object event = next_inbound(feed);
    REQUIRE(string_field(event, "type") == "chat");
    const std::string conn = scope_field(event, "conn");
    REQUIRE_FALSE(conn.empty());
    return conn;
}

// What a client must receive for a bus event, byte for byte, given the timestamp it got.
inline std::string envelope(std::string_view type, std::string_view payload, std::string_view id,
                            std::string_view priority, int64_t timestamp) {
    std::string out = R"({"type":")" + std::string(type) + R"(","payload":)" + std::string(payload);
    if (!id.empty()) out += R"(,"id":")" + std::string(id) + '"';
    out += R"(,"priority":")" + std::string(priority) + R"(","timestamp":)" +
           std::to_string(timestamp) + "}";
    return out;
}

// Reads the next message and checks it is `envelope(...)` with a bus timestamp taken
// between `before` and now.
inline void check_envelope(WsClient& client, std::string_view type, std::string_view payload,
                           std::string_view id, std::string_view priority, int64_t before) {
    const std::string text = next_text_or_why(client);
    INFO("expected type " << type << ", received: " << text);
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

// One event for POST /api/v1/publish on stream `jarvis`: `more` is appended inside the
// object (`,"id":"r1","scope":{...}`).
inline std::string jarvis_event(std::string_view type, std::string_view data,
                                std::string_view more = {}) {
    return R"({"topic":"jarvis","type":")" + std::string(type) + R"(","data":)" +
           std::string(data) + std::string(more) + "}";
}

// Publishes `events` (JSON objects) as one array, so the bus hands them to the plugin back
// to back. Fails the test unless the control API answers 200.
inline void publish_batch(const KernelProcess& kernel, const std::vector<std::string>& events) {
    std::string body = "[";
    for (size_t i = 0; i < events.size(); ++i) {
        if (i != 0) body += ',';
        body += events[i];
    }
    body += ']';
    const HttpResponse answer = kernel.control().post("/api/v1/publish", body);
    INFO(answer.body);
    REQUIRE(answer.status == 200);
}

// The scope that targets connection `conn`, to append to an event.
inline std::string to_conn(const std::string& conn) {
    return R"(,"scope":{"conn":")" + conn + R"("})";
}

} // namespace switchyard::test::jarvis_wire

// The clijaw plugin's wire code (plugins/clijaw/clijaw_protocol.hpp, clijaw_auth.hpp): the
// SSE and WebSocket frames, the replay cursor, client messages, worker events, and who
// is let in.
#include "clijaw_protocol.hpp"

#include "clijaw_auth.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace switchyard::clijaw;
using namespace switchyard;

namespace {

std::string sse(uint64_t seq, std::string_view topic, std::string_view event,
                std::string_view data) {
    std::string out;
    append_sse_frame(out, seq, topic, event, data_members(data));
    return out;
}

std::string ws(std::string_view event, std::string_view data, int64_t ts) {
    std::string out;
    append_ws_frame(out, event, data_members(data), ts);
    return out;
}

} // namespace

TEST_CASE("clijaw SSE frames are id + data-only {...data, topic, event}", "[clijaw]") {
    CHECK(sse(7, "agent", "agent_status", R"({"status":"running","n":1})") ==
          "id: 7\ndata: {\"status\":\"running\",\"n\":1,\"topic\":\"agent\",\"event\":"
          "\"agent_status\"}\n\n");
    // topic and event override members of those names, never appear twice.
    CHECK(sse(8, "agent", "agent_done", R"({"topic":"x","event":"y","ok":true})") ==
          "id: 8\ndata: {\"ok\":true,\"topic\":\"agent\",\"event\":\"agent_done\"}\n\n");
    // Data that is not an object is kept under "data".
    CHECK(sse(9, "system", "bare", "[1,2]") ==
          "id: 9\ndata: {\"data\":[1,2],\"topic\":\"system\",\"event\":\"bare\"}\n\n");
    CHECK(sse(10, "system", "s", R"("text")") ==
          "id: 10\ndata: {\"data\":\"text\",\"topic\":\"system\",\"event\":\"s\"}\n\n");
    // A key sent twice: its first place, its last value (JSON.parse).
    CHECK(sse(11, "a", "e", R"({"k":1,"j":2,"k":3})") ==
          "id: 11\ndata: {\"k\":3,\"j\":2,\"topic\":\"a\",\"event\":\"e\"}\n\n");
    // A newline in a string stays escaped: one data: line per event.
    CHECK(sse(12, "a", "e", R"({"text":"two\nlines"})") ==
          "id: 12\ndata: {\"text\":\"two\\nlines\",\"topic\":\"a\",\"event\":\"e\"}\n\n");
    // Large ids print in full.
    CHECK(sse(18446744073709551615ull, "a", "e", "{}") ==
          "id: 18446744073709551615\ndata: {\"topic\":\"a\",\"event\":\"e\"}\n\n");
    CHECK(kReplayGapFrame == "data: {\"topic\":\"system\",\"event\":\"replay_gap\"}\n\n");
    CHECK(kConnectedComment == ": connected\n\n");
    CHECK(kPingComment == ": ping\n\n");
}

TEST_CASE("clijaw WebSocket frames are {type, ...data, ts}", "[clijaw]") {
    CHECK(ws("queue_update", R"({"pending":2})", 1234) ==
          R"({"type":"queue_update","pending":2,"ts":1234})");
    // The spread: data's own type replaces the event name, ts is always the bus's.
    CHECK(ws("agent_status", R"({"type":"custom","ts":1,"x":null})", 99) ==
          R"({"type":"custom","x":null,"ts":99})");
    CHECK(ws("e", "42", 5) == R"({"type":"e","data":42,"ts":5})");
}

TEST_CASE("clijaw maps bus topics to CLI-JAW topics and keeps private events private", "[clijaw]") {
    CHECK(clijaw_topic("clijaw/agent") == "agent");
    CHECK(clijaw_topic("clijaw/widget") == "widget");
    CHECK(clijaw_topic("clijaw") == "system");
    CHECK(clijaw_topic("clijaw/") == "");
    CHECK(is_private_event(true, "agent"));
    CHECK(is_private_event(false, "trace"));
    CHECK_FALSE(is_private_event(false, "agent"));
}

TEST_CASE("clijaw reads a replay cursor only from a positive decimal integer", "[clijaw]") {
    CHECK(parse_cursor("1") == 1u);
    CHECK(parse_cursor("1000") == 1000u);
    CHECK(parse_cursor("007") == 7u);
    CHECK(parse_cursor("18446744073709551615") == 18446744073709551615ull);
    CHECK_FALSE(parse_cursor("18446744073709551616"));
    CHECK_FALSE(parse_cursor("0"));
    CHECK_FALSE(parse_cursor(""));
    CHECK_FALSE(parse_cursor("-1"));
    CHECK_FALSE(parse_cursor("+1"));
    CHECK_FALSE(parse_cursor("1.5"));
    CHECK_FALSE(parse_cursor("1e3"));
    CHECK_FALSE(parse_cursor(" 1"));
    CHECK_FALSE(parse_cursor("abc"));
    CHECK_FALSE(parse_cursor("0x10"));
}

TEST_CASE("clijaw keeps the latest frame of four status types", "[clijaw]") {
    CHECK(latest_status_slot("agent_status") == 0u);
    CHECK(latest_status_slot("queue_update") == 1u);
    CHECK(latest_status_slot("orc_state") == 2u);
    CHECK(latest_status_slot("memory_status") == 3u);
    CHECK_FALSE(latest_status_slot("agent_output"));
}

TEST_CASE("clijaw accepts send_message with a string text and stop, nothing else", "[clijaw]") {
    const ClientMessage send = read_client_message(R"({"type":"send_message","text":"hi"})");
    CHECK(send.valid);
    CHECK(send.type == "send_message");
    const ClientMessage stop = read_client_message(R"({"type":"stop"})");
    CHECK(stop.valid);
    CHECK(stop.type == "stop");
    CHECK_FALSE(read_client_message(R"({"type":"send_message"})").valid);
    CHECK_FALSE(read_client_message(R"({"type":"send_message","text":5})").valid);
    CHECK_FALSE(read_client_message(R"({"type":"reboot"})").valid);
    CHECK_FALSE(read_client_message(R"({"type":1})").valid);
    CHECK_FALSE(read_client_message(R"(["stop"])").valid);
    CHECK_FALSE(read_client_message("not json").valid);
    CHECK_FALSE(read_client_message("").valid);
    // Bounded: deep nesting and huge DOMs are refused, not built.
    CHECK_FALSE(read_client_message(std::string(100, '[') + std::string(100, ']')).valid);
    std::string wide = R"({"type":"stop","x":[)";
    for (int i = 0; i < 20000; ++i) wide += i == 0 ? "0" : ",0";
    wide += "]}";
    CHECK_FALSE(read_client_message(wide).valid);
    CHECK(inbound_scope(513) == R"({"conn":"513"})");
}

TEST_CASE("clijaw reads a worker's events and tags them with the worker", "[clijaw]") {
    const auto event = read_worker_event(
        R"({"status":"running","topic":"agent","event":"agent_status","worker":"spoofed"})");
    REQUIRE(event);
    CHECK(event->topic == "agent");
    CHECK(event->event == "agent_status");
    CHECK(worker_event_data(event->members, "http://127.0.0.1:3458") ==
          R"({"status":"running","worker":"http://127.0.0.1:3458"})");
    const auto gap = read_worker_event(R"({"topic":"system","event":"replay_gap"})");
    REQUIRE(gap);
    CHECK(worker_event_data(gap->members, "http://w:1") == R"({"worker":"http://w:1"})");
    // Garbage: not JSON, not an object, topic or event missing or not strings, a topic
    // that cannot be a bus subtopic.
    CHECK_FALSE(read_worker_event("garbage"));
    CHECK_FALSE(read_worker_event("[1]"));
    CHECK_FALSE(read_worker_event(R"({"event":"x"})"));
    CHECK_FALSE(read_worker_event(R"({"topic":"a"})"));
    CHECK_FALSE(read_worker_event(R"({"topic":1,"event":"x"})"));
    CHECK_FALSE(read_worker_event(R"({"topic":"a","event":null})"));
    CHECK_FALSE(read_worker_event(R"({"topic":"a/b","event":"x"})"));
    CHECK_FALSE(read_worker_event(R"({"topic":"","event":"x"})"));
    CHECK_FALSE(read_worker_event(R"({"topic":"a","event":""})"));
}

TEST_CASE("clijaw lets loopback peers in and reads Bearer tokens", "[clijaw]") {
    CHECK(is_loopback_address("127.0.0.1"));
    CHECK(is_loopback_address("127.1.2.3"));
    CHECK(is_loopback_address("::1"));
    CHECK(is_loopback_address("::ffff:127.0.0.1"));
    CHECK(is_loopback_address("::FFFF:127.0.0.1"));
    CHECK_FALSE(is_loopback_address("10.0.0.1"));
    CHECK_FALSE(is_loopback_address("128.0.0.1"));
    CHECK_FALSE(is_loopback_address("127.0.0"));
    CHECK_FALSE(is_loopback_address("127.0.0.1.5"));
    CHECK_FALSE(is_loopback_address("::ffff:10.0.0.1"));
    CHECK_FALSE(is_loopback_address("::2"));
    CHECK_FALSE(is_loopback_address(""));

    CHECK(bearer_token("Bearer abc") == std::string_view("abc"));
    CHECK(bearer_token("bearer  abc ") == std::string_view("abc"));
    CHECK_FALSE(bearer_token("Basic abc"));
    CHECK_FALSE(bearer_token("Bearer "));
    CHECK_FALSE(bearer_token("Bearer"));
    CHECK_FALSE(bearer_token(""));

    HeaderList headers;
    append_preflight_headers(headers, "http://localhost:5173");
    REQUIRE(headers.size() == 5);
    CHECK(headers[0] == std::pair<std::string, std::string>("Access-Control-Allow-Origin",
                                                            "http://localhost:5173"));
    CHECK(headers[1] == std::pair<std::string, std::string>("Vary", "Origin"));
    CHECK(headers[3].second == "Authorization, Content-Type, Last-Event-ID");
}

// The clijaw plugin's wire code (plugins/clijaw/clijaw_protocol.hpp, clijaw_auth.hpp): the
// SSE and WebSocket frames, the replay cursor, client messages, worker events, and who
// is let in.
#include "clijaw_protocol.hpp"

#include "clijaw_auth.hpp"

#include <switchyard/plugin.hpp>
#include <switchyard/scope.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
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
    CHECK(sdk::conn_scope(513) == R"({"conn":"513"})");
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

    CHECK(sdk::bearer_token("Bearer abc") == std::string_view("abc"));
    CHECK(sdk::bearer_token("bearer  abc ") == std::string_view("abc"));
    CHECK_FALSE(sdk::bearer_token("Basic abc"));
    CHECK_FALSE(sdk::bearer_token("Bearer "));
    CHECK_FALSE(sdk::bearer_token("Bearer"));
    CHECK_FALSE(sdk::bearer_token(""));

    HeaderList headers;
    append_preflight_headers(headers, "http://localhost:5173");
    REQUIRE(headers.size() == 5);
    CHECK(headers[0] == std::pair<std::string, std::string>("Access-Control-Allow-Origin",
                                                            "http://localhost:5173"));
    CHECK(headers[1] == std::pair<std::string, std::string>("Vary", "Origin"));
    CHECK(headers[3].second == "Authorization, Content-Type, Last-Event-ID");
}

namespace {

// The same JSON value (members compared in order), whatever the text.
bool same_json(std::string_view a, std::string_view b) {
    const auto x = json::parse(a);
    const auto y = json::parse(b);
    return x && y && json::serialize(*x) == json::serialize(*y);
}

std::string sse_data_line(std::string_view frame) {
    const size_t at = frame.find("data: ");
    return std::string(frame.substr(at + 6, frame.size() - at - 8));
}

} // namespace

TEST_CASE("clijaw's splicing encoder makes the frames the DOM path makes", "[clijaw]") {
    EventEncoder encoder;
    encoder.load(R"({"status":"running","n":1})");
    CHECK(encoder.spliced());
    std::string out;
    encoder.append_sse(out, 7, "agent", "agent_status");
    CHECK(out == sse(7, "agent", "agent_status", R"({"status":"running","n":1})"));
    out.clear();
    encoder.append_ws(out, "agent_status", 1234);
    CHECK(out == ws("agent_status", R"({"status":"running","n":1})", 1234));

    // Whitespace between tokens goes (a frame is one data: line); strings keep theirs.
    encoder.load("{\n  \"a\" : [1, {\"b\" :\t\"x y\\n\"}] ,\r\n \"c\":null }\n");
    CHECK(encoder.spliced());
    out.clear();
    encoder.append_sse(out, 1, "t", "e");
    CHECK(out ==
          "id: 1\ndata: {\"a\":[1,{\"b\":\"x "
          "y\\n\"}],\"c\":null,\"topic\":\"t\",\"event\":\"e\"}\n\n");

    const char* const cases[] = {
        "{}",
        R"({"topic":"x","event":"y","ok":true})",
        R"({"type":"custom","ts":1,"x":null})",
        R"({"text":"quote \" and \\ and \u00e9 and \/"})",
        R"({"nested":{"topic":"inner","arr":[{},[],"}",",",":"]},"n":-1.5e3})",
        R"({"k":1,"j":2,"k":3})",                // a repeated key: the DOM path
        R"({"t\u006fpic":"escaped key","a":1})", // an escaped key: the DOM path
        "[1,2]",                                 // not an object: the DOM path
        R"("text")",
        "42",
        "{\"é\":\"ü\"}",
    };
    for (const char* data : cases) {
        INFO(data);
        encoder.load(data);
        std::string spliced_sse;
        encoder.append_sse(spliced_sse, 5, "agent", "agent_status");
        const std::string dom_sse = sse(5, "agent", "agent_status", data);
        CHECK(spliced_sse.starts_with("id: 5\ndata: {"));
        CHECK(spliced_sse.ends_with("}\n\n"));
        CHECK(std::count(spliced_sse.begin(), spliced_sse.end(), '\n') == 3);
        CHECK(same_json(sse_data_line(spliced_sse), sse_data_line(dom_sse)));
        std::string spliced_ws;
        encoder.append_ws(spliced_ws, "agent_status", 99);
        CHECK(same_json(spliced_ws, ws("agent_status", data, 99)));
    }

    // Every JSON text splices: repeated keys (first place, last value), escaped keys
    // (compared unescaped), wide objects, and data that is not an object.
    const auto spliced_sse = [&](std::string_view data) {
        encoder.load(data);
        CHECK(encoder.spliced());
        std::string frame;
        encoder.append_sse(frame, 1, "t", "e");
        return frame;
    };
    CHECK(spliced_sse(R"({"k":1,"j":2,"k":3})") ==
          "id: 1\ndata: {\"k\":3,\"j\":2,\"topic\":\"t\",\"event\":\"e\"}\n\n");
    CHECK(spliced_sse(R"({"\u0074opic":1,"a\"b":2,"\ud83d\ude00":3})") ==
          "id: 1\ndata: {\"a\\\"b\":2,\"\\ud83d\\ude00\":3,\"topic\":\"t\",\"event\":\"e\"}\n\n");
    CHECK(spliced_sse("[1, 2]") ==
          "id: 1\ndata: {\"data\":[1,2],\"topic\":\"t\",\"event\":\"e\"}\n\n");
    std::string wide = "{";
    for (int i = 0; i < 40; ++i)
        wide += (i ? ",\"k" : "\"k") + std::to_string(i % 30) + "\":" + std::to_string(i);
    wide += "}";
    const std::string wide_frame = spliced_sse(wide);
    CHECK(same_json(sse_data_line(wide_frame), sse_data_line(sse(1, "t", "e", wide))));
    CHECK(wide_frame.find("\"k0\":30,\"k1\":31,") != std::string::npos);
    // Numbers keep their digits (a DOM rounds integers above 2^63 to doubles).
    CHECK(spliced_sse(R"({"u64":18446744073709551615,"big":1e400,"frac":0.10})") ==
          "id: 1\ndata: {\"u64\":18446744073709551615,\"big\":1e400,\"frac\":0.10,\"topic\":"
          "\"t\",\"event\":\"e\"}\n\n");
    encoder.load(wide + "");
    std::string wide_ws;
    encoder.append_ws(wide_ws, "e", 1);
    CHECK(same_json(wide_ws, ws("e", wide, 1)));
    // Keys with escapes JSON does not have, or lone surrogates, are not JSON.
    encoder.load(R"({"\x":1})");
    CHECK_FALSE(encoder.spliced());
    encoder.load(R"({"\ud83d":1})");
    CHECK_FALSE(encoder.spliced());
    // Broken text (the bus validates data; this is defence): never a raw newline out.
    for (const char* broken : {"{\"a\":\"x\ny\"}", "{\"a\":1", "{\"a\" 1}", "{\"a\":}",
                               "{\"a\":1,}", "{\"a\":1}}", "{\"a\":[1}"}) {
        INFO(broken);
        encoder.load(broken);
        CHECK_FALSE(encoder.spliced());
        out.clear();
        encoder.append_sse(out, 1, "t", "e");
        CHECK(std::count(out.begin(), out.end(), '\n') == 3);
    }
}

// JARVIS's full vocabulary over real sockets (issue 13, item 3): every message type the
// public JARVIS daemon sends (beyond the seed's thirteen: tts_text, thinking_*,
// interview_*, realtime_*, task_event, ...) reaches a client in the seed's envelope,
// broadcast or for one connection; `stream` chunks and the `status` done that ends them
// keep their publish order per requestId when several requestIds interleave, for every
// client and for one; the types the dashboard sends besides the seed's (voice_text,
// interview_*, cancel) and those forward_types names go to the backend on inbound/jarvis
// with scope.conn instead of "Unknown message type"; other types still get that error.
#include "jarvis_wire.hpp"
#include "kernel_process.hpp"
#include "temp_dir.hpp"
#include "toml_text.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <utility>
#include <vector>

using namespace switchyard::test;
using namespace switchyard::test::jarvis_wire;

namespace {

KernelProcess start_jarvis(std::string_view extra_lines = {}) {
    return KernelProcess::start(enabled_plugin_table("jarvis", extra_lines));
}

WsClient connect_jarvis(const KernelProcess& kernel) {
    return WsClient::connect(kernel.plugin_port("jarvis"), "/ws");
}

// A message of the public daemon: its type, payload and the id it carries ("" for none).
struct DaemonMessage {
    std::string type;
    std::string payload;
    std::string id;
};

// What the public daemon (src/comms/websocket.ts, streaming.ts, daemon/ws-service.ts)
// sends, with payloads shaped as it shapes them.
const std::vector<DaemonMessage>& daemon_messages() {
    static const std::vector<DaemonMessage> messages{
        {"stream", R"({"text":"Hel","requestId":"q1","accumulated":"Hel"})", "q1"},
        {"stream",
         R"({"tool_call":{"name":"read_file","arguments":{"path":"/tmp/a"}},"requestId":"q1"})",
         "q1"},
        {"stream",
         R"({"type":"text","agentName":"coder","agentId":"a1","data":"x","source":"sub-agent"})",
         ""},
        {"status",
         R"({"status":"done","requestId":"q1","fullText":"Hello","usage":{"input_tokens":12,"output_tokens":3}})",
         "q1"},
        {"error", R"({"message":"rate limited","code":"rate_limit","requestId":"q1"})", "q1"},
        {"chat", R"({"text":"Time for a break","source":"heartbeat"})", ""},
        {"chat", R"({"text":"open my tasks","source":"voice_transcript"})", "v1"},
        {"notification", R"({"source":"approval_request","request":{"id":"ap1"},"shortId":"ap1"})",
         ""},
        {"tts_start", R"({"requestId":"q1","containsWake":false})", "q1"},
        {"tts_text", R"({"text":"Hello.","requestId":"q1"})", "q1"},
        {"tts_end", R"({"requestId":"q1"})", "q1"},
        {"voice_text", R"({"text":"open my tasks","requestId":"v1"})", "v1"},
        {"thinking_start", "{}", ""},
        {"thinking_end", "{}", ""},
        {"cancel", R"({"requestId":"q1"})", "q1"},
        {"interview_assistant", R"({"text":"What do you do?","will_speak":false})", ""},
        {"interview_user_transcript", R"({"text":"I run a studio"})", ""},
        {"interview_done", R"({"farewell":"Thanks","factsRecorded":3})", ""},
        {"interview_error", R"({"message":"Please try again."})", ""},
        {"interview_listen_state", R"({"armed":false,"reason":"text-only"})", ""},
        {"realtime_status", R"({"state":"live"})", ""},
        {"realtime_transcript", R"({"role":"assistant","text":"Sure","final":true})", ""},
        {"task_event",
         R"({"type":"task_started","task_id":"t1","template":"research","intent":"find","status":"running","elapsedMs":0})",
         ""},
        {"voice_confirmation_expired", R"({"id":"c1"})", ""},
        {"settings_applied", R"({"sections":["llm"],"ok":true})", ""},
        {"workflow_event", R"({"type":"node_done","workflowId":"w1","data":{},"timestamp":1})", ""},
        {"goal_event", R"({"type":"progress","goalId":"g1","data":{"pct":0.5}})", ""},
        {"site_event", R"({"type":"git_commit","projectId":"p1","data":{},"timestamp":1})", ""},
    };
    return messages;
}

std::string with_id(const DaemonMessage& message, std::string_view more = {}) {
    std::string extra = message.id.empty() ? "" : R"(,"id":")" + message.id + '"';
    return jarvis_event(message.type, message.payload, extra + std::string(more));
}

// One event of an interleaved reply: chunk `index` of `request` (or its status done when
// `done`), as the daemon's StreamRelay shapes them.
struct Step {
    std::string request;
    int index = 0;
    bool done = false;
};

std::string step_payload(const Step& step) {
    if (step.done)
        return R"({"status":"done","requestId":")" + step.request +
               R"(","fullText":"all","usage":{}})";
    return R"({"text":"w)" + std::to_string(step.index) + R"( ","requestId":")" + step.request +
           R"(","accumulated":"...","seq":)" + std::to_string(step.index) + "}";
}

// `chunks` stream chunks for each of `requests`, interleaved round-robin, each request
// ended by its status done right after its last chunk.
std::vector<Step> interleaved_replies(const std::vector<std::string>& requests, int chunks) {
    std::vector<Step> steps;
    for (int i = 0; i < chunks; ++i) {
        for (const std::string& request : requests) steps.push_back({request, i, false});
    }
    for (const std::string& request : requests) steps.push_back({request, chunks, true});
    return steps;
}

// A received step, read back from its envelope: "<request>#<index>" or "<request>#done".
std::string step_key(const Step& step) {
    return step.request + "#" + (step.done ? "done" : std::to_string(step.index));
}

std::string received_key(const json::object& message) {
    const std::string type = string_field(message, "type");
    const auto& payload = message.at("payload").as_object();
    const std::string request = string_field(payload, "requestId");
    if (type == "status" && string_field(payload, "status") == "done") return request + "#done";
    if (type == "stream" && payload.contains("seq"))
        return request + "#" + std::to_string(payload.at("seq").as_int64());
    return "<unexpected " + json::serialize(message) + ">";
}

// Reads `count` messages from `client` and returns their keys in arrival order.
std::vector<std::string> read_keys(WsClient& client, size_t count) {
    std::vector<std::string> keys;
    for (size_t i = 0; i < count; ++i) keys.push_back(received_key(next_object(client)));
    return keys;
}

// The keys of `keys` that belong to `request`, in their order.
std::vector<std::string> of_request(const std::vector<std::string>& keys,
                                    const std::string& request) {
    std::vector<std::string> out;
    for (const std::string& key : keys) {
        if (key.rfind(request + "#", 0) == 0) out.push_back(key);
    }
    return out;
}

} // namespace

TEST_CASE("jarvis: every type the JARVIS daemon sends reaches the client in the seed's envelope",
          "[integration][jarvis]") {
    auto kernel = start_jarvis();
    auto feed = inbound_feed(kernel);
    auto target = connect_jarvis(kernel);
    auto other = connect_jarvis(kernel);
    const std::string conn = conn_id_of(target, feed);

    // To every client, in one batch, then each again for the target alone.
    std::vector<std::string> broadcast;
    std::vector<std::string> targeted;
    for (const DaemonMessage& message : daemon_messages()) {
        broadcast.push_back(with_id(message));
        targeted.push_back(with_id(message, R"(,"priority":"urgent")" + to_conn(conn)));
    }
    const int64_t before = wall_ms();
    publish_batch(kernel, broadcast);
    publish_batch(kernel, targeted);
    // The other client's next message after the broadcasts must be this one.
    publish_batch(kernel, {jarvis_event("thinking_end", "{}", R"(,"id":"last")")});

    for (WsClient* client : {&target, &other}) {
        for (const DaemonMessage& message : daemon_messages())
            check_envelope(*client, message.type, message.payload, message.id, "normal", before);
    }
    for (const DaemonMessage& message : daemon_messages())
        check_envelope(target, message.type, message.payload, message.id, "urgent", before);
    for (WsClient* client : {&target, &other})
        check_envelope(*client, "thinking_end", "{}", "last", "normal", before);
}

namespace {

// Publishes `steps` on stream `jarvis`, in batches of 50 (each batch reaches the plugin
// back to back): the chunks of a request where `chunk_route` says (a connection id, or ""
// for every client), its status done where `done_route` says.
void publish_steps(const KernelProcess& kernel, const std::vector<Step>& steps,
                   const std::map<std::string, std::string>& chunk_route,
                   const std::map<std::string, std::string>& done_route) {
    std::vector<std::string> batch;
    for (const Step& step : steps) {
        const std::string& conn = (step.done ? done_route : chunk_route).at(step.request);
        batch.push_back(
            jarvis_event(step.done ? "status" : "stream", step_payload(step),
                         R"(,"id":")" + step.request + '"' + (conn.empty() ? "" : to_conn(conn))));
        if (batch.size() == 50) {
            publish_batch(kernel, batch);
            batch.clear();
        }
    }
    if (!batch.empty()) publish_batch(kernel, batch);
}

// The steps `conn` must receive, in publish order: those routed to it or to all.
std::vector<std::string> expected_for(const std::string& conn, const std::vector<Step>& steps,
                                      const std::map<std::string, std::string>& chunk_route,
                                      const std::map<std::string, std::string>& done_route) {
    std::vector<std::string> expected;
    for (const Step& step : steps) {
        const std::string& to = (step.done ? done_route : chunk_route).at(step.request);
        if (to.empty() || to == conn) expected.push_back(step_key(step));
    }
    return expected;
}

// Two clients, three interleaved replies of `kChunks` chunks each routed by `routing`;
// checks that each client gets each request's events in publish order, and, with
// `whole_order`, all of its events in publish order.
void check_interleaved_replies(const std::string& routing, bool whole_order) {
    auto kernel = start_jarvis();
    auto feed = inbound_feed(kernel);
    auto first = connect_jarvis(kernel);
    auto second = connect_jarvis(kernel);
    const std::string a = conn_id_of(first, feed);
    const std::string b = conn_id_of(second, feed);

    const std::vector<std::string> requests{"r1", "r2", "r3"};
    constexpr int kChunks = 300;
    const std::vector<Step> steps = interleaved_replies(requests, kChunks);
    // Where each request's chunks and its status done go: a connection id, or "" for
    // every client.
    std::map<std::string, std::string> chunks{{"r1", ""}, {"r2", ""}, {"r3", ""}};
    if (routing == "targeted") chunks = {{"r1", a}, {"r2", a}, {"r3", b}};
    if (routing == "mixed") chunks = {{"r1", a}, {"r2", ""}, {"r3", b}};
    std::map<std::string, std::string> done = chunks;
    // "split": r1's and r3's chunks for everyone (as the daemon's StreamRelay broadcasts
    // them) and the end of each reply for the client that asked, while r2 streams to
    // the first client alone.
    if (routing == "split") {
        chunks = {{"r1", ""}, {"r2", a}, {"r3", ""}};
        done = {{"r1", a}, {"r2", a}, {"r3", b}};
    }
    publish_steps(kernel, steps, chunks, done);

    for (auto [client, conn] : {std::pair{&first, a}, std::pair{&second, b}}) {
        const std::vector<std::string> expected = expected_for(conn, steps, chunks, done);
        const std::vector<std::string> received = read_keys(*client, expected.size());
        for (const std::string& request : requests) {
            INFO("client " << conn << ", request " << request);
            CHECK(of_request(received, request) == of_request(expected, request));
        }
        if (whole_order) {
            INFO("client " << conn << ": the whole sequence");
            CHECK(received == expected);
        }
    }
}

} // namespace

TEST_CASE("jarvis: stream chunks and their status done keep publish order per requestId",
          "[integration][jarvis]") {
    // "broadcast": the daemon's StreamRelay broadcasts; "targeted": each reply to the
    // client that asked (scope.conn); "mixed": one request targeted at each client and
    // one broadcast, interleaved. Each client also gets all of its events in publish
    // order when they all travel one way (all broadcast or all targeted).
    const std::string routing = GENERATE(as<std::string>{}, "broadcast", "targeted", "mixed");
    CAPTURE(routing);
    check_interleaved_replies(routing, routing != "mixed");
}

// A connection's sends and broadcasts keep one order: before Worker::post_task, a worker
// batched sends in its inbox while each broadcast was a task of its own, so a send queued
// after a broadcast could run before it when an inbox run was already pending. A reply
// whose chunks are broadcast and whose status done is targeted (the daemon broadcasts
// stream chunks and sends tts_* to one client) then reached that client out of order.
TEST_CASE("jarvis: one reply's broadcast chunks and targeted status done keep their order",
          "[integration][jarvis][order]") {
    const std::string routing = GENERATE(as<std::string>{}, "split", "mixed");
    CAPTURE(routing);
    check_interleaved_replies(routing, true);
}

TEST_CASE("jarvis: the dashboard's own message types go to the backend with scope.conn",
          "[integration][jarvis]") {
    auto kernel = start_jarvis();
    auto feed = inbound_feed(kernel);
    auto client = connect_jarvis(kernel);
    const std::string conn = conn_id_of(client, feed);

    // As the public dashboard sends them (ui/src/hooks/useVoice.ts, the interview hook).
    const std::vector<std::pair<std::string, std::string>> sent{
        {"voice_text",
         R"({"type":"voice_text","payload":{"requestId":"5f0c2a","text":"open my tasks","currentRoom":"home"},"timestamp":1710000000000})"},
        {"interview_start", R"({"type":"interview_start","payload":{},"timestamp":1710000000001})"},
        {"interview_user_message",
         R"({"type":"interview_user_message","payload":{"text":"I run a studio","speakReply":false},"timestamp":1710000000002})"},
        {"interview_listen",
         R"({"type":"interview_listen","payload":{"speakReply":true},"timestamp":1710000000003})"},
        {"interview_listen_stop",
         R"({"type":"interview_listen_stop","payload":{},"timestamp":1710000000004})"},
        {"cancel",
         R"({"type":"cancel","payload":{"requestId":"q1"},"id":"c-9","priority":"urgent","timestamp":1710000000005})"},
    };
    for (const auto& [type, text] : sent) REQUIRE(client.send_text(text));
    for (const auto& [type, text] : sent) {
        const json::object event = next_inbound(feed);
        INFO(json::serialize(event));
        CHECK(string_field(event, "topic") == "inbound/jarvis");
        CHECK(string_field(event, "type") == type);
        CHECK(json::serialize(event.at("data")) == text);
        CHECK(scope_field(event, "conn") == conn);
        if (type == "cancel") {
            CHECK(string_field(event, "id") == "c-9");
            CHECK(string_field(event, "priority") == "urgent");
        }
    }
    // Nothing came back to the client for them: the backend answers (the next message is
    // the backend's).
    publish_batch(kernel, {jarvis_event("interview_assistant", R"({"text":"What do you do?"})",
                                        to_conn(conn))});
    const json::object answer = next_object(client);
    CHECK(string_field(answer, "type") == "interview_assistant");
}

TEST_CASE("jarvis: voice_text during a voice session ends it for the backend as the daemon does",
          "[integration][jarvis]") {
    auto kernel = start_jarvis();
    auto feed = inbound_feed(kernel);
    auto client = connect_jarvis(kernel);
    const std::string conn = conn_id_of(client, feed);

    REQUIRE(client.send_text(R"({"type":"voice_start","payload":{"requestId":"v1"}})"));
    REQUIRE(client.send_binary("pcm"));
    const std::string voice_text =
        R"({"type":"voice_text","payload":{"requestId":"v2","text":"hello"},"timestamp":5})";
    REQUIRE(client.send_text(voice_text));
    CHECK(string_field(next_inbound(feed), "type") == "voice_start");
    CHECK(string_field(next_inbound(feed), "type") == "binary");
    const json::object ended = next_inbound(feed);
    CHECK(string_field(ended, "type") == "voice_end");
    CHECK(scope_field(ended, "conn") == conn);
    CHECK(scope_field(ended, "requestId") == "v1");
    CHECK(string_field(ended.at("data").at("payload"), "reason") == "voice_text");
    const json::object text = next_inbound(feed);
    CHECK(string_field(text, "type") == "voice_text");
    CHECK(json::serialize(text.at("data")) == voice_text);

    // The session is over: a new one opens without an error, audio outside one is refused.
    REQUIRE(client.send_text(R"({"type":"voice_start","payload":{"requestId":"v3"}})"));
    CHECK(scope_field(next_inbound(feed), "requestId") == "v3");
    REQUIRE(client.send_text(R"({"type":"voice_end","payload":{}})"));
    CHECK(string_field(next_inbound(feed), "type") == "voice_end");
    REQUIRE(client.send_binary("late"));
    CHECK(error_message(next_object(client)) == "Binary data received outside a voice session");
}

TEST_CASE("jarvis: bad payloads of the dashboard's types get an error and are not forwarded",
          "[integration][jarvis]") {
    auto kernel = start_jarvis();
    auto feed = inbound_feed(kernel);
    auto client = connect_jarvis(kernel);
    conn_id_of(client, feed);
    const std::vector<std::pair<std::string, std::string>> cases{
        {R"({"type":"voice_text","payload":{"text":42},"id":"b1"})",
         "Invalid message: payload.text must be a string"},
        {R"({"type":"interview_user_message","payload":{"text":"x","speakReply":"yes"}})",
         "Invalid message: payload.speakReply must be a boolean"},
        {R"({"type":"cancel","payload":"q1"})", "Invalid message: payload must be an object"},
        {R"({"type":"interview_begin","payload":{}})", "Unknown message type: interview_begin"},
        {R"({"type":"tts_text","payload":{}})", "Unknown message type: tts_text"},
    };
    for (const auto& [text, message] : cases) {
        REQUIRE(client.send_text(text));
        const json::object reply = next_object(client);
        CHECK(error_message(reply) == message);
    }
    // None of them reached the backend: the next inbound event is this chat.
    REQUIRE(client.send_text(R"({"type":"chat","payload":{"text":"after"}})"));
    const json::object next = next_inbound(feed);
    CHECK(string_field(next, "type") == "chat");
}

TEST_CASE("jarvis: forward_types sends more client types to the backend and no others",
          "[integration][jarvis]") {
    auto kernel = start_jarvis("forward_types = [\"site_action\", \"room:open\"]\n");
    auto feed = inbound_feed(kernel);
    auto client = connect_jarvis(kernel);
    const std::string conn = conn_id_of(client, feed);

    const std::string site = R"({"type":"site_action","payload":{"projectId":"p1"},"id":"s1"})";
    REQUIRE(client.send_text(site));
    REQUIRE(client.send_text(R"({"type":"room:open","payload":{"key":"tasks"}})"));
    const json::object first = next_inbound(feed);
    CHECK(string_field(first, "type") == "site_action");
    CHECK(json::serialize(first.at("data")) == site);
    CHECK(string_field(first, "id") == "s1");
    CHECK(scope_field(first, "conn") == conn);
    CHECK(string_field(next_inbound(feed), "type") == "room:open");

    REQUIRE(client.send_text(R"({"type":"site_actions","id":"u1"})"));
    const json::object unknown = next_object(client);
    CHECK(error_message(unknown) == "Unknown message type: site_actions");
    CHECK(string_field(unknown, "id") == "u1");
}

TEST_CASE("jarvis: forward_types = [\"*\"] sends every type but the plugin's own to the backend",
          "[integration][jarvis]") {
    auto kernel = start_jarvis("forward_types = [\"*\"]\n");
    auto feed = inbound_feed(kernel);
    auto client = connect_jarvis(kernel);
    conn_id_of(client, feed);
    REQUIRE(client.send_text(R"({"type":"whatever_next","payload":{}})"));
    CHECK(string_field(next_inbound(feed), "type") == "whatever_next");
    // The plugin's own stay its own; a text message never passes for audio.
    REQUIRE(client.send_text(R"({"type":"status"})"));
    CHECK(string_field(next_object(client), "type") == "status");
    REQUIRE(client.send_text(R"({"type":"binary","payload":{"binary":"AA=="}})"));
    CHECK(error_message(next_object(client)) == "Unknown message type: binary");
}

TEST_CASE("jarvis: a bad forward_types is refused at start naming the key",
          "[integration][jarvis]") {
    const std::string lines = GENERATE(
        as<std::string>{}, "forward_types = \"site_action\"\n", "forward_types = [\"chat\"]\n",
        "forward_types = [\"has space\"]\n", "forward_types = [\"a\", \"a\"]\n");
    CAPTURE(lines);
    TempDir dir("jarvis");
    KernelOptions options;
    options.extra_toml = enabled_plugin_table("jarvis", lines);
    const auto file = dir.write("bad.toml", kernel_config_text(options));
    const RunResult result = run_switchyard({"--config", file.string()});
    INFO("stdout: " << result.out << "\nstderr: " << result.err);
    REQUIRE(result.exit_code.has_value());
    CHECK(*result.exit_code == 2);
    const std::string key = lines.substr(0, lines.find(' '));
    CHECK(result.err.find("'" + key + "'") != std::string::npos);
}

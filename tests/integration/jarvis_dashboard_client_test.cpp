// JARVIS's shipping client in front of its own backend (issue 13, "Tests"): a test client
// does what the public JARVIS dashboard does in its first minute (ui/src/hooks/
// useWebSocket.ts, useVoice.ts and its interview hook, with seed 000's auth model):
//   - opens the page with ?token=<auth.token>, follows the redirect with the cookie it got,
//   - opens ws://<host>/ws with that cookie and the page's Origin,
//   - as soon as the socket is open, fetches /api/vault/conversations/active?channel=
//     websocket and /api/authority/approvals?status=pending with the cookie (the
//     daemon's REST API, passed by the kernel to the backend: `upstream`),
//   - sends a chat and reads the reply as the daemon streams it: `stream` chunks
//     (payload.text, requestId, accumulated, or payload.tool_call) ended by
//     `status {status:"done", requestId, fullText, usage}`,
//   - sends voice_text (a browser transcript), interview_start and interview_user_message,
//     which reach the backend with scope.conn; the backend answers one client.
// The backend is a FakeBackend (its REST routes) plus the test itself publishing through
// the control API and reading stream `inbound`, as a real daemon adapted to Switchyard
// would.
//
// The REST part goes through the kernel's pass-through (ABI 1.4, SY_ROUTE_UPSTREAM): the
// tests that check it against the FakeBackend are tagged [upstream].
#include "fake_backend.hpp"
#include "jarvis_wire.hpp"
#include "kernel_process.hpp"
#include "toml_text.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

using namespace switchyard::test;
using namespace switchyard::test::jarvis_wire;

namespace {

constexpr std::string_view kToken = "dash-Token_7";

// The active conversation and pending approvals the backend holds.
constexpr std::string_view kHistory =
    R"({"conversation":{"id":"c1","channel":"websocket"},"messages":[{"id":"m1","role":"user","content":"hi","created_at":1710000000000,"tool_calls":null},{"id":"m2","role":"assistant","content":"Hello!","created_at":1710000001000}]})";
constexpr std::string_view kApprovals =
    R"([{"id":"ap-123456789","agent_name":"coder","tool_name":"run_command","action_category":"execute_command","urgency":"urgent","reason":"rm build/","created_at":1710000002000,"intent":"Clean the build","impact":"destructive"}])";

KernelProcess start_jarvis(std::string_view upstream) {
    std::string lines = "auth_token = " + toml_quote(kToken) + "\n";
    if (!upstream.empty()) lines += "upstream = " + toml_quote(upstream) + "\n";
    return KernelProcess::start(enabled_plugin_table("jarvis", lines));
}

// The dashboard as a browser runs it: one cookie jar, one socket.
class Dashboard {
  public:
    explicit Dashboard(uint16_t port) : port_(port), http_(port) {}

    // The page opened as http://<host>/?token=<token>: 302 to / with the cookie, then /
    // with the cookie: the page.
    void open_page() {
        const HttpResponse bootstrap = http_.get("/?token=" + std::string(kToken));
        REQUIRE(bootstrap.status == 302);
        const std::string set_cookie = bootstrap.header("set-cookie");
        REQUIRE(set_cookie.rfind("token=" + std::string(kToken) + ";", 0) == 0);
        cookie_ = "token=" + std::string(kToken);
        const HttpResponse page = http_.get(bootstrap.header("location"), {{"Cookie", cookie_}});
        REQUIRE(page.status == 200);
        CHECK(page.header("content-type").rfind("text/html", 0) == 0);
    }

    // new WebSocket(`${protocol}//${location.host}/ws`): the browser sends the cookie and
    // the page's Origin.
    void open_socket() {
        socket_ = WsClient::connect(port_, "/ws", {{"Cookie", cookie_}, {"Origin", origin()}});
    }

    // fetch(path) from the page: same origin, so the cookie goes along.
    HttpResponse fetch(std::string_view target) const {
        return http_.get(target, {{"Cookie", cookie_}});
    }

    // ws.send(JSON.stringify(msg)).
    void send(const std::string& text) { REQUIRE(socket().send_text(text)); }

    WsClient& socket() {
        REQUIRE(socket_.has_value());
        return *socket_;
    }

    std::string origin() const { return "http://127.0.0.1:" + std::to_string(port_); }

  private:
    uint16_t port_;
    HttpClient http_;
    std::string cookie_;
    std::optional<WsClient> socket_;
};

// What the dashboard makes of one streamed reply: the text it shows (the chunks'
// payload.text appended), the tool calls, and the status done that ended it.
struct Reply {
    std::string text;
    std::vector<std::string> tool_calls;
    json::object done;
};

// Reads messages as handleMessage does until `status` with payload.status "done".
// `thinking_*` flip the indicator and are skipped here as there.
Reply read_reply(WsClient& socket) {
    Reply reply;
    for (int i = 0; i < 1000; ++i) {
        const json::object message = next_object(socket);
        const std::string type = string_field(message, "type");
        const auto& payload = message.at("payload").as_object();
        if (type == "stream") {
            if (const auto* tool = payload.if_contains("tool_call")) {
                reply.tool_calls.push_back(string_field(*tool, "name"));
            } else {
                reply.text += string_field(payload, "text");
                CHECK(string_field(payload, "accumulated") == reply.text);
            }
        } else if (type == "status" && string_field(payload, "status") == "done") {
            reply.done = message;
            return reply;
        } else if (type != "thinking_start" && type != "thinking_end") {
            FAIL("unexpected message during a reply: " << json::serialize(message));
        }
    }
    FAIL("no status done");
    return reply;
}

// The backend's answer to a chat, as the daemon's StreamRelay sends it: thinking_start,
// the chunks (each with requestId and the accumulated text, id = the chat's id), a tool
// call, thinking_end, then status done with the full text and usage. Broadcast, as the
// daemon broadcasts.
void stream_reply(const KernelProcess& kernel, const std::string& request_id,
                  const std::vector<std::string>& chunks) {
    const std::string id = R"(,"id":")" + request_id + '"';
    std::vector<std::string> events{jarvis_event("thinking_start", "{}")};
    std::string accumulated;
    for (size_t i = 0; i < chunks.size(); ++i) {
        accumulated += chunks[i];
        events.push_back(jarvis_event("stream",
                                      R"({"text":")" + chunks[i] + R"(","requestId":")" +
                                          request_id + R"(","accumulated":")" + accumulated +
                                          R"("})",
                                      id));
        if (i == 0)
            events.push_back(jarvis_event(
                "stream",
                R"({"tool_call":{"name":"list_tasks","arguments":{"status":"open"}},"requestId":")" +
                    request_id + R"("})",
                id));
    }
    events.push_back(jarvis_event("thinking_end", "{}"));
    events.push_back(jarvis_event("status",
                                  R"({"status":"done","requestId":")" + request_id +
                                      R"(","fullText":")" + accumulated +
                                      R"(","usage":{"input_tokens":42,"output_tokens":)" +
                                      std::to_string(chunks.size()) + "}}",
                                  id));
    publish_batch(kernel, events);
}

// The dashboard's first minute over the socket, the backend answering: a chat streamed
// back, a voice transcript, the onboarding interview.
void first_minute_over_the_socket(const KernelProcess& kernel, SseClient& feed,
                                  Dashboard& dashboard) {
    // sendMessage(text): {type:"chat", payload:{text}, id: crypto.randomUUID(), timestamp}.
    const std::string chat_id = "9b2f6c1e-4a7d-4f0e-9d51-3f2a8c7b6e10";
    const std::string chat =
        R"({"type":"chat","payload":{"text":"What is on my list today?"},"id":")" + chat_id +
        R"(","timestamp":1710000003000})";
    dashboard.send(chat);
    const json::object asked = next_inbound(feed);
    CHECK(string_field(asked, "type") == "chat");
    CHECK(json::serialize(asked.at("data")) == chat);
    CHECK(string_field(asked, "id") == chat_id);
    const std::string conn = scope_field(asked, "conn");
    REQUIRE_FALSE(conn.empty());

    std::vector<std::string> chunks;
    for (int i = 0; i < 40; ++i) chunks.push_back("word" + std::to_string(i) + " ");
    stream_reply(kernel, chat_id, chunks);
    const Reply reply = read_reply(dashboard.socket());
    std::string full;
    for (const std::string& chunk : chunks) full += chunk;
    CHECK(reply.text == full);
    CHECK(reply.tool_calls == std::vector<std::string>{"list_tasks"});
    const auto& done = reply.done.at("payload").as_object();
    CHECK(string_field(done, "requestId") == chat_id);
    CHECK(string_field(done, "fullText") == full);
    CHECK(string_field(reply.done, "id") == chat_id);

    // useVoice with a browser transcript: voice_text {requestId, text, currentRoom}.
    const std::string voice =
        R"({"type":"voice_text","payload":{"requestId":"0d7e3b52-8c11-4f7a-a0c4-2b9e5d6f7a81","text":"open my tasks","currentRoom":"home"},"timestamp":1710000004000})";
    dashboard.send(voice);
    const json::object heard = next_inbound(feed);
    CHECK(string_field(heard, "type") == "voice_text");
    CHECK(json::serialize(heard.at("data")) == voice);
    CHECK(scope_field(heard, "conn") == conn);
    // The daemon echoes the transcript to that client as a user message.
    publish_batch(
        kernel, {jarvis_event("chat", R"({"text":"open my tasks","source":"voice_transcript"})",
                              R"(,"id":"0d7e3b52-8c11-4f7a-a0c4-2b9e5d6f7a81")" + to_conn(conn))});
    const json::object echoed = next_object(dashboard.socket());
    CHECK(string_field(echoed, "type") == "chat");
    CHECK(string_field(echoed.at("payload"), "source") == "voice_transcript");

    // The onboarding interview: interview_start, the backend's question to this client,
    // the user's answer.
    dashboard.send(R"({"type":"interview_start","payload":{},"timestamp":1710000005000})");
    const json::object started = next_inbound(feed);
    CHECK(string_field(started, "type") == "interview_start");
    CHECK(scope_field(started, "conn") == conn);
    publish_batch(kernel, {jarvis_event("interview_assistant",
                                        R"({"text":"What do you do all day?","will_speak":false})",
                                        to_conn(conn))});
    const json::object question = next_object(dashboard.socket());
    CHECK(string_field(question, "type") == "interview_assistant");
    CHECK(string_field(question.at("payload"), "text") == "What do you do all day?");
    const std::string answer =
        R"({"type":"interview_user_message","payload":{"text":"I run a design studio","speakReply":false},"timestamp":1710000006000})";
    dashboard.send(answer);
    const json::object answered = next_inbound(feed);
    CHECK(string_field(answered, "type") == "interview_user_message");
    CHECK(json::serialize(answered.at("data")) == answer);
    CHECK(scope_field(answered, "conn") == conn);
}

} // namespace

TEST_CASE("jarvis: the dashboard's first minute against a backend behind the pass-through",
          "[integration][jarvis][upstream]") {
    FakeBackend backend;
    backend.route_json("GET", "/api/vault/conversations/active", std::string(kHistory));
    backend.route_json("GET", "/api/authority/approvals", std::string(kApprovals));
    backend.route_json("POST", "/api/authority/approvals/ap-123456789/approve",
                       R"({"ok":true,"status":"approved"})");
    auto kernel = start_jarvis(backend.url());
    auto feed = inbound_feed(kernel);
    Dashboard dashboard(kernel.plugin_port("jarvis"));

    dashboard.open_page();
    dashboard.open_socket();
    // The page, its token bootstrap and /ws are Switchyard's: the backend saw none of them.
    CHECK(backend.requests().empty());
    // ws.onopen: history, then the pending approvals, through Switchyard to the backend.
    const HttpResponse history =
        dashboard.fetch("/api/vault/conversations/active?channel=websocket");
    CHECK(history.status == 200);
    CHECK(history.body == kHistory);
    const HttpResponse approvals = dashboard.fetch("/api/authority/approvals?status=pending");
    CHECK(approvals.status == 200);
    CHECK(approvals.body == kApprovals);
    const auto seen_history =
        backend.wait_for("/api/vault/conversations/active", std::chrono::seconds(5));
    REQUIRE(seen_history.has_value());
    CHECK(seen_history->method == "GET");
    CHECK(seen_history->target == "/api/vault/conversations/active?channel=websocket");
    const auto seen_approvals =
        backend.wait_for("/api/authority/approvals", std::chrono::seconds(5));
    REQUIRE(seen_approvals.has_value());
    CHECK(seen_approvals->target == "/api/authority/approvals?status=pending");

    first_minute_over_the_socket(kernel, feed, dashboard);

    // The approval card's button: a POST with a body, through to the backend.
    const HttpResponse approved =
        HttpClient(kernel.plugin_port("jarvis"))
            .post("/api/authority/approvals/ap-123456789/approve", R"({"note":"ok"})",
                  {{"Cookie", "token=" + std::string(kToken)}});
    CHECK(approved.status == 200);
    CHECK(approved.body == R"({"ok":true,"status":"approved"})");
    const auto seen_post =
        backend.wait_for("/api/authority/approvals/ap-123456789/approve", std::chrono::seconds(5));
    REQUIRE(seen_post.has_value());
    CHECK(seen_post->method == "POST");
    CHECK(seen_post->body == R"({"note":"ok"})");
}

TEST_CASE("jarvis: the token gate applies before a request reaches the backend",
          "[integration][jarvis][upstream]") {
    FakeBackend backend;
    backend.route_json("GET", "/api/authority/approvals", "[]");
    auto kernel = start_jarvis(backend.url());
    HttpClient http(kernel.plugin_port("jarvis"));

    for (const HttpHeaders& headers : std::vector<HttpHeaders>{
             {}, {{"Cookie", "token=wrong"}}, {{"Authorization", "Bearer x"}}}) {
        const HttpResponse refused = http.get("/api/authority/approvals?status=pending", headers);
        CHECK(refused.status == 401);
        CHECK(refused.body == R"({"error":"Unauthorized"})");
    }
    // A request no route of the plugin serves passes the same gate.
    const HttpResponse unrouted = http.post("/not-a-page", "{}");
    CHECK(unrouted.status == 401);
    CHECK(backend.requests().empty());

    // The token as a cookie or a Bearer header lets it through.
    CHECK(http.get("/api/authority/approvals?status=pending",
                   {{"Authorization", "Bearer " + std::string(kToken)}})
              .status == 200);
    CHECK(http.get("/api/authority/approvals?status=pending",
                   {{"Cookie", "token=" + std::string(kToken)}})
              .status == 200);
    CHECK(backend.requests().size() == 2);
    // /health, the pages and /ws stay the plugin's.
    const HttpResponse health = http.get("/health");
    CHECK(health.status == 200);
    CHECK(health.body.find(R"("status":"ok")") != std::string::npos);
    CHECK(backend.requests().size() == 2);
}

TEST_CASE("jarvis: the dashboard's first minute without an upstream: /api is the token gate",
          "[integration][jarvis]") {
    auto kernel = start_jarvis("");
    auto feed = inbound_feed(kernel);
    Dashboard dashboard(kernel.plugin_port("jarvis"));

    dashboard.open_page();
    dashboard.open_socket();
    // Without a backend behind /api the fetches fail as the dashboard tolerates (it only
    // reads an ok answer): 404 behind the token, 401 without it.
    for (std::string_view target : {"/api/vault/conversations/active?channel=websocket",
                                    "/api/authority/approvals?status=pending"}) {
        const HttpResponse answer = dashboard.fetch(target);
        CHECK(answer.status == 404);
        CHECK(answer.body == R"({"error":"Not found"})");
        const HttpResponse refused = HttpClient(kernel.plugin_port("jarvis")).get(target);
        CHECK(refused.status == 401);
        CHECK(refused.body == R"({"error":"Unauthorized"})");
    }
    first_minute_over_the_socket(kernel, feed, dashboard);
}

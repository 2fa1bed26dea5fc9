// The clijaw plugin in manager mode (issue 10 item 7), with two Switchyard processes: a
// worker kernel serving clijaw, and a manager kernel whose clijaw follows the worker's
// GET /api/events through the kernel's outbound SSE client (workers = [...]). The
// manager republishes each worker event tagged with the worker, keeps its latest message
// and serves GET /api/manager/workers; a worker killed is reported (worker_disconnected,
// connected false), and restarted on the same port (its sequence starts again, behind the
// manager's cursor) the manager reconnects and its clients see replay_gap tagged with the
// worker, then the new events. A stand-in worker (ScriptedSseServer) shows what a real one
// cannot: resuming with Last-Event-ID, the worker token sent, garbage dropped and
// retried, a silent worker reported stalled.
#include "clijaw_stream.hpp"
#include "http_client.hpp"
#include "kernel_process.hpp"
#include "scripted_sse_server.hpp"
#include "tcp_peer.hpp"
#include "test_json.hpp"
#include "toml_text.hpp"
#include "wait_until.hpp"
#include "ws_client.hpp"

#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <csignal>
#include <optional>
#include <string>
#include <vector>

using namespace switchyard::test;
namespace json = boost::json;

namespace {

constexpr auto kWait = std::chrono::seconds(15);

std::string worker_url(uint16_t port) {
    return "http://127.0.0.1:" + std::to_string(port);
}

// A manager following `urls`, retrying fast.
KernelProcess start_manager(const std::vector<std::string>& urls, std::string_view more = {}) {
    std::string list = "workers = [";
    for (size_t i = 0; i < urls.size(); ++i) list += (i ? ", " : "") + toml_quote(urls[i]);
    list += "]\nworker_retry_min_ms = 50\nworker_retry_max_ms = 200\n";
    return start_clijaw(list + std::string(more));
}

// The manager's GET /api/manager/workers entry for `url`; nothing when it is not listed.
std::optional<json::object> worker_entry(const KernelProcess& manager, const std::string& url) {
    const auto response = HttpClient(manager.plugin_port("clijaw")).get("/api/manager/workers");
    if (response.status != 200) return std::nullopt;
    const json::value body = parse_json(response.body);
    const auto* workers = body.is_object() ? body.as_object().if_contains("workers") : nullptr;
    if (!workers || !workers->is_array()) return std::nullopt;
    for (const auto& worker : workers->as_array()) {
        if (worker.is_object() && string_field(worker, "url") == url) return worker.as_object();
    }
    return std::nullopt;
}

std::string workers_text(const KernelProcess& manager) {
    return HttpClient(manager.plugin_port("clijaw")).get("/api/manager/workers").body;
}

bool connected_is(const KernelProcess& manager, const std::string& url, bool connected) {
    const auto entry = worker_entry(manager, url);
    if (!entry) return false;
    const auto* value = entry->if_contains("connected");
    return value && value->is_bool() && value->as_bool() == connected;
}

// Reads the manager's stream until an event named `name` (and, when given, with text
// `text`) arrives; returns it, or nothing.
std::optional<SseEvent> wait_event(ClijawStream& stream, std::string_view name,
                                   std::string_view text = {},
                                   std::chrono::milliseconds timeout = kWait) {
    const auto events = stream.until(
        [&](const SseEvent& event) {
            if (event_name(event) != name) return false;
            return text.empty() || string_field(parse_json(event.data), "text") == text;
        },
        timeout);
    if (events.empty()) return std::nullopt;
    const auto& last = events.back();
    if (event_name(last) != name) return std::nullopt;
    if (!text.empty() && string_field(parse_json(last.data), "text") != text) return std::nullopt;
    return last;
}

// A request head's header `name` (any case), or "".
std::string head_header(const std::string& head, std::string name) {
    std::string lower = head;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    const auto at = lower.find("\r\n" + name + ":");
    if (at == std::string::npos) return "";
    auto begin = at + 2 + name.size() + 1;
    const auto end = head.find("\r\n", begin);
    while (begin < end && head[begin] == ' ') ++begin;
    return head.substr(begin, end - begin);
}

// The control API's feed of everything the manager published on stream clijaw, from the
// first event on (public and internal alike, as {seq, topic, type, data, ...}).
SseClient published_feed(const KernelProcess& manager) {
    auto feed = SseClient::connect(manager.control_port(), "/api/v1/events?stream=clijaw",
                                   {{"Last-Event-ID", "0"}});
    REQUIRE(feed.status() == 200);
    return feed;
}

// The next event of type `type` on that feed, or nothing within the timeout.
std::optional<json::object> wait_published(SseClient& feed, std::string_view type) {
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto event = feed.next(std::chrono::milliseconds(200));
        if (!event) continue;
        const json::value value = parse_json(event->data);
        if (value.is_object() && string_field(value, "type") == type) return value.as_object();
    }
    return std::nullopt;
}

} // namespace

TEST_CASE(
    "clijaw manager: a worker's events reach the manager's clients tagged with the worker, "
    "/api/manager/workers reports it",
    "[integration][clijaw][manager]") {
    auto worker = start_clijaw();
    const std::string url = worker_url(worker.plugin_port("clijaw"));
    auto manager = start_manager({url});
    INFO("workers: " << workers_text(manager));
    REQUIRE(wait_until([&] { return connected_is(manager, url, true); }, kWait,
                       std::chrono::milliseconds(20)));
    auto stream = ClijawStream::open(manager.plugin_port("clijaw"));

    const int64_t before_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
    const uint64_t seq =
        publish_clijaw(worker, "agent", "agent_output",
                       R"({"text":"from worker","n":7,"u64":18446744073709551615,"frac":0.1})");
    const auto event = wait_event(stream, "agent_output", "from worker");
    REQUIRE(event.has_value());
    INFO(event->data);
    const json::object data = data_object(*event);
    CHECK(string_field(data, "topic") == "agent");
    CHECK(string_field(data, "worker") == url);
    CHECK(data.at("n").to_number<int64_t>() == 7);
    // The worker's data as it published it.
    CHECK(json::serialize(data.at("u64")) == "18446744073709551615");
    CHECK(json::serialize(data.at("frac")) == json::serialize(json::value(0.1)));
    CHECK(event->id.has_value()); // the manager's own sequence

    // Internal events of the worker never travel (the worker does not send them).
    publish_clijaw(worker, "agent", "agent_output", R"({"text":"secret"})", true);
    publish_clijaw(worker, "agent", "agent_output", R"({"text":"second"})");
    const auto events = stream.until(
        [](const SseEvent& e) { return string_field(parse_json(e.data), "text") == "second"; });
    INFO(describe(events));
    for (const auto& e : events) CHECK(e.data.find("secret") == std::string::npos);

    REQUIRE(wait_until(
        [&] {
            const auto entry = worker_entry(manager, url);
            return entry && entry->contains("latest") &&
                   json::serialize(entry->at("latest")).find("second") != std::string::npos;
        },
        kWait, std::chrono::milliseconds(20)));
    const auto entry = worker_entry(manager, url);
    REQUIRE(entry.has_value());
    INFO(json::serialize(*entry));
    CHECK(entry->at("connected").as_bool());
    REQUIRE(entry->at("lastSeen").is_number());
    CHECK(entry->at("lastSeen").to_number<int64_t>() >= before_ms - 1000);
    const json::value& last_id = entry->at("lastEventId");
    CHECK((last_id.is_number() ? std::to_string(last_id.to_number<uint64_t>())
                               : std::string(last_id.as_string())) == std::to_string(seq + 2));
    REQUIRE(entry->at("latest").is_object());
    CHECK(string_field(entry->at("latest"), "text") == "second");
}

TEST_CASE(
    "clijaw manager: a killed worker is reported, restarted on its port the manager "
    "reconnects, signals the gap and carries the new events",
    "[integration][clijaw][manager]") {
    std::optional<KernelProcess> worker(start_clijaw());
    const uint16_t worker_port = worker->plugin_port("clijaw");
    const std::string url = worker_url(worker_port);
    auto manager = start_manager({url});
    INFO("workers: " << workers_text(manager));
    REQUIRE(wait_until([&] { return connected_is(manager, url, true); }, kWait,
                       std::chrono::milliseconds(20)));
    auto stream = ClijawStream::open(manager.plugin_port("clijaw"));

    for (int n = 1; n <= 5; ++n) {
        publish_clijaw(*worker, "agent", "agent_output",
                       R"({"text":"before )" + std::to_string(n) + R"("})");
    }
    REQUIRE(wait_event(stream, "agent_output", "before 5").has_value());

    worker->send_signal(SIGKILL);
    REQUIRE(worker->wait_exit(kWait).has_value());
    worker.reset();

    const auto disconnected = wait_event(stream, "worker_disconnected");
    REQUIRE(disconnected.has_value());
    INFO(disconnected->data);
    CHECK(string_field(data_object(*disconnected), "worker") == url);
    REQUIRE(wait_until([&] { return connected_is(manager, url, false); }, kWait,
                       std::chrono::milliseconds(20)));
    {
        const auto entry = worker_entry(manager, url);
        REQUIRE(entry.has_value());
        INFO(json::serialize(*entry));
        // The latest message is kept while the worker is away.
        CHECK(json::serialize(entry->at("latest")).find("before 5") != std::string::npos);
    }

    // The same port again: a fresh sequence, behind the manager's cursor (5).
    worker.emplace(KernelProcess::start("[plugins.clijaw]\nenabled = true\nlisten = \"127.0.0.1:" +
                                        std::to_string(worker_port) + "\"\n"));
    REQUIRE(wait_until([&] { return connected_is(manager, url, true); }, kWait,
                       std::chrono::milliseconds(20)));
    const auto gap = wait_event(stream, "replay_gap");
    REQUIRE(gap.has_value());
    INFO(gap->data);
    const json::object gap_data = data_object(*gap);
    CHECK(string_field(gap_data, "topic") == "system");
    CHECK(string_field(gap_data, "worker") == url);

    publish_clijaw(*worker, "agent", "agent_output", R"({"text":"after restart"})");
    const auto after = wait_event(stream, "agent_output", "after restart");
    REQUIRE(after.has_value());
    CHECK(string_field(data_object(*after), "worker") == url);
}

TEST_CASE(
    "clijaw manager: it resumes a dropped worker with Last-Event-ID and sends the worker "
    "token",
    "[integration][clijaw][manager]") {
    ScriptedSseServer fake({
        {sse_answer(": connected\n\nid: 7\ndata: "
                    R"({"topic":"agent","event":"agent_output","text":"seven"})"
                    "\n\n"),
         true},
        {sse_answer(": connected\n\n"), false},
    });
    const std::string url = worker_url(fake.port());
    auto manager = start_manager({url}, "worker_auth_token = \"w0rker-token\"\n");
    REQUIRE(wait_until([&] { return fake.requests().size() >= 2; }, kWait));
    const auto requests = fake.requests();
    INFO("first request:\n" << requests[0] << "\nsecond request:\n" << requests[1]);
    CHECK(requests[0].rfind("GET /api/events", 0) == 0);
    CHECK(head_header(requests[0], "authorization") == "Bearer w0rker-token");
    CHECK(head_header(requests[0], "accept").find("text/event-stream") != std::string::npos);
    CHECK(head_header(requests[1], "last-event-id") == "7");
    CHECK(head_header(requests[1], "authorization") == "Bearer w0rker-token");
    // What the manager published, from the start: the event tagged, then the drop.
    auto feed = published_feed(manager);
    const auto seven = wait_published(feed, "agent_output");
    REQUIRE(seven.has_value());
    INFO(json::serialize(*seven));
    CHECK(string_field(seven->at("data"), "text") == "seven");
    CHECK(string_field(seven->at("data"), "worker") == url);
    CHECK(string_field(*seven, "topic") == "clijaw/agent");
    CHECK(wait_published(feed, "worker_disconnected").has_value());
    const auto entry = worker_entry(manager, url);
    REQUIRE(entry.has_value());
    INFO(json::serialize(*entry));
    CHECK(string_field(entry->at("latest"), "text") == "seven");
}

TEST_CASE(
    "clijaw manager: a worker that sends garbage is dropped and retried while the manager "
    "keeps serving",
    "[integration][clijaw][manager]") {
    ScriptedSseServer fake({
        {sse_answer("id: 1\ndata: this is not json\n\n"), false},
        {"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/html\r\n"
         "Content-Length: 13\r\n\r\n<h1>oops</h1>",
         false},
        {sse_answer("data: " + std::string(3 * 1024 * 1024, 'x')), false},
        {sse_answer("id: 2\ndata: [1,2,3]\n\nid: 3\ndata: {\"topic\":5,\"event\":null}\n\n"),
         false},
        {sse_answer("id: 4\ndata: {\"topic\":\"agent\",\"event\":\"agent_output\",\"x\":" +
                    std::string(200000, '[') + std::string(200000, ']') + "}\n\n"),
         false},
        {sse_answer("id: 5\ndata: {\"topic\":\"agent\",\"event\":\"agent_output\","
                    "\"text\":\"bad \xff\xfe utf-8\"}\n\n"
                    "id: 6\ndata: {\"topic\":\"../../x\",\"event\":\"agent_output\"}\n\n"),
         false},
    });
    const std::string url = worker_url(fake.port());
    auto manager = start_manager({url});
    auto stream = ClijawStream::open(manager.plugin_port("clijaw"));
    auto socket = WsClient::connect(manager.plugin_port("clijaw"), "/ws");
    // Every answer was dropped, and it kept retrying (the last answer repeats).
    INFO("workers: " << workers_text(manager));
    CHECK(wait_until([&] { return fake.connections() >= 8; }, kWait));
    CHECK(wait_until([&] { return fake.closed_by_client() >= 5; }, kWait));

    // The manager still serves its own clients and routes.
    const uint64_t seq = publish_clijaw(manager, "agent", "agent_output", R"({"text":"local"})");
    const auto local = wait_event(stream, "agent_output", "local");
    REQUIRE(local.has_value());
    CHECK(event_seq(*local) == seq);
    // Its WebSocket clients too: nothing a worker sent closed them.
    bool socket_got_local = false;
    for (int i = 0; i < 1000 && !socket_got_local; ++i) {
        const std::string text = next_text_or_why(socket);
        INFO(text);
        REQUIRE(text.front() == '{');
        socket_got_local = text.find(R"("text":"local")") != std::string::npos;
    }
    CHECK(socket_got_local);
    CHECK_FALSE(socket.closed());
    const auto entry = worker_entry(manager, url);
    REQUIRE(entry.has_value());
    CHECK(manager.control().get("/healthz").status == 200);
    // No garbage reached a client.
    const auto events =
        stream.until([](const SseEvent&) { return false; }, std::chrono::milliseconds(300));
    for (const auto& event : events) {
        INFO(event.data);
        CHECK(event.data.find("not json") == std::string::npos);
        const json::value value = parse_json(event.data);
        CHECK(value.is_object());
        CHECK(string_field(value, "topic") != "");
    }
}

TEST_CASE("clijaw manager: a worker silent past worker_stall_ms is reported worker_stalled",
          "[integration][clijaw][manager]") {
    ScriptedSseServer fake({{sse_answer(": connected\n\n"), false}});
    const std::string url = worker_url(fake.port());
    auto manager = start_manager({url}, "worker_stall_ms = 300\n");
    auto stream = ClijawStream::open(manager.plugin_port("clijaw"));
    const auto stalled = wait_event(stream, "worker_stalled");
    REQUIRE(stalled.has_value());
    INFO(stalled->data);
    CHECK(string_field(data_object(*stalled), "worker") == url);
}

TEST_CASE(
    "clijaw manager: a burst from the worker arrives whole and in order, and one worker "
    "down does not stop another",
    "[integration][clijaw][manager]") {
    auto worker = start_clijaw();
    std::optional<KernelProcess> other(start_clijaw());
    const std::string url = worker_url(worker.plugin_port("clijaw"));
    const std::string other_url = worker_url(other->plugin_port("clijaw"));
    auto manager = start_manager({url, other_url});
    INFO("workers: " << workers_text(manager));
    REQUIRE(wait_until(
        [&] { return connected_is(manager, url, true) && connected_is(manager, other_url, true); },
        kWait, std::chrono::milliseconds(20)));
    auto stream = ClijawStream::open(manager.plugin_port("clijaw"));

    other->send_signal(SIGKILL);
    REQUIRE(other->wait_exit(kWait).has_value());
    other.reset();

    constexpr int kBurst = 600;
    for (int start = 0; start < kBurst; start += 50) {
        std::vector<std::string> batch;
        for (int n = start; n < start + 50; ++n) {
            batch.push_back(
                clijaw_event_json("agent", "agent_output", R"({"n":)" + std::to_string(n) + "}"));
        }
        publish_all(worker, batch);
    }
    std::vector<int64_t> got;
    const auto events = stream.until(
        [&](const SseEvent& event) {
            const json::value data = parse_json(event.data);
            if (string_field(data, "event") != "agent_output") return false;
            if (string_field(data, "worker") != url) return false;
            got.push_back(data.at("n").to_number<int64_t>());
            return got.back() == kBurst - 1;
        },
        std::chrono::seconds(30));
    std::vector<int64_t> expected;
    for (int n = 0; n < kBurst; ++n) expected.push_back(n);
    CHECK(got == expected);
    CHECK(connected_is(manager, url, true));
    CHECK(wait_until([&] { return connected_is(manager, other_url, false); }, kWait,
                     std::chrono::milliseconds(20)));
}

TEST_CASE(
    "clijaw manager: a reload of the manager keeps following its worker without loss or "
    "duplicates",
    "[integration][clijaw][manager][reload]") {
    auto worker = start_clijaw();
    const std::string url = worker_url(worker.plugin_port("clijaw"));
    auto manager = start_manager({url});
    REQUIRE(wait_until([&] { return connected_is(manager, url, true); }, kWait,
                       std::chrono::milliseconds(20)));
    auto stream = ClijawStream::open(manager.plugin_port("clijaw"));
    for (int n = 0; n < 20; ++n) {
        publish_clijaw(worker, "agent", "agent_output", R"({"n":)" + std::to_string(n) + "}");
    }
    const auto reloaded = manager.control().post("/api/v1/plugins/clijaw/reload", "");
    INFO(reloaded.body);
    REQUIRE(reloaded.status == 200);
    for (int n = 20; n < 40; ++n) {
        publish_clijaw(worker, "agent", "agent_output", R"({"n":)" + std::to_string(n) + "}");
    }
    std::vector<int64_t> got;
    stream.until(
        [&](const SseEvent& event) {
            const json::value data = parse_json(event.data);
            if (string_field(data, "event") != "agent_output") return false;
            got.push_back(data.at("n").to_number<int64_t>());
            return got.back() == 39;
        },
        kWait);
    std::vector<int64_t> expected;
    for (int n = 0; n < 40; ++n) expected.push_back(n);
    CHECK(got == expected);
    CHECK(connected_is(manager, url, true));
}

TEST_CASE(
    "clijaw manager: a worker on a non-loopback address is followed with "
    "worker_auth_token, and refused without it",
    "[integration][clijaw][manager][auth]") {
    const auto address = non_loopback_ipv4();
    if (!address) {
        WARN("this machine has no non-loopback IPv4 address: nothing to test");
        return;
    }
    auto worker = KernelProcess::start(
        "[plugins.clijaw]\nenabled = true\nlisten = \"0.0.0.0:0\"\nauth_token = \"w-T0ken\"\n");
    const std::string url =
        "http://" + *address + ":" + std::to_string(worker.plugin_port("clijaw"));
    auto with_token = start_manager({url}, "worker_auth_token = \"w-T0ken\"\n");
    auto without_token = start_manager({url});
    INFO("with the token: " << workers_text(with_token));
    CHECK(wait_until([&] { return connected_is(with_token, url, true); }, kWait,
                     std::chrono::milliseconds(20)));
    auto stream = ClijawStream::open(with_token.plugin_port("clijaw"));
    publish_clijaw(worker, "agent", "agent_output", R"({"text":"remote"})");
    const auto event = wait_event(stream, "agent_output", "remote");
    REQUIRE(event.has_value());
    CHECK(string_field(data_object(*event), "worker") == url);

    // Without it the worker answers 401 each time: never connected.
    auto feed = published_feed(without_token);
    const auto refused = wait_published(feed, "worker_disconnected");
    REQUIRE(refused.has_value());
    INFO(json::serialize(*refused));
    CHECK(string_field(refused->at("data"), "worker") == url);
    CHECK(connected_is(without_token, url, false));
}

TEST_CASE(
    "clijaw manager: a healthy worker that is merely quiet is not dropped, whatever the "
    "manager's own heartbeat_ms",
    "[integration][clijaw][manager]") {
    // The worker pings every 15 s (the default); the manager's own listeners get a ping
    // every 100 ms, which serves this test as its clock.
    auto worker = start_clijaw();
    const std::string url = worker_url(worker.plugin_port("clijaw"));
    auto manager = start_manager({url}, "heartbeat_ms = 100\n");
    REQUIRE(wait_until([&] { return connected_is(manager, url, true); }, kWait,
                       std::chrono::milliseconds(20)));
    auto clock = ClijawStream::open(manager.plugin_port("clijaw"));
    // 3 s of quiet: 30 of the manager's pings.
    auto pings = [&] {
        const auto& comments = clock.client().comments();
        return std::count(comments.begin(), comments.end(), "ping");
    };
    std::vector<SseEvent> events;
    REQUIRE(wait_until(
        [&] {
            if (auto event = clock.next(std::chrono::milliseconds(20))) events.push_back(*event);
            return pings() >= 30;
        },
        kWait));
    INFO(describe(events));
    CHECK(std::none_of(events.begin(), events.end(), [](const SseEvent& event) {
        return event_name(event) == "worker_disconnected";
    }));
    CHECK(connected_is(manager, url, true));
}

TEST_CASE(
    "clijaw manager: a worker cannot spoof the worker tag, and its trace events stay "
    "internal",
    "[integration][clijaw][manager]") {
    ScriptedSseServer fake(
        {{sse_answer(
              ": connected\n\n"
              "id: 1\ndata: {\"topic\":\"trace\",\"event\":\"trace_line\",\"text\":\"secret\"}\n\n"
              "id: 2\ndata: {\"topic\":\"agent\",\"event\":\"agent_output\",\"worker\":\"evil\","
              "\"text\":\"spoof\"}\n\n"),
          false}});
    const std::string url = worker_url(fake.port());
    auto manager = start_manager({url});
    auto feed = published_feed(manager);
    const auto spoof = wait_published(feed, "agent_output");
    REQUIRE(spoof.has_value());
    INFO(json::serialize(*spoof));
    CHECK(string_field(spoof->at("data"), "worker") == url);
    CHECK(string_field(spoof->at("data"), "text") == "spoof");

    // The trace event went to the bus as internal (it never reaches a client).
    auto all = published_feed(manager);
    bool trace_internal = false;
    for (int i = 0; i < 10; ++i) {
        const auto event = all.next(std::chrono::milliseconds(500));
        if (!event) break;
        const json::value value = parse_json(event->data);
        if (string_field(value, "topic") != "clijaw/trace") continue;
        INFO(event->data);
        trace_internal = string_field(value, "visibility") == "internal" ||
                         (value.as_object().contains("internal") &&
                          value.at("internal").is_bool() && value.at("internal").as_bool());
        break;
    }
    CHECK(trace_internal);
    // (A listener never gets an internal event: see the SSE tests.)
}

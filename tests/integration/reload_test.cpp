// Hot reload over real sockets (DESIGN.md "Hot reload"): the fixture plugin "counter"
// (tests/plugins/reload_counter) is served from <temp>/counter.so; a test replaces that
// file with another build, as a rebuild would, and asks POST /api/v1/plugins/counter/reload
// to swap it in while WebSocket and SSE clients stay connected. The counter `n` each
// answer carries tells whether the new generation took over the old one's state, and
// every event's seq whether a client lost, doubled or reordered one.
#include "counter_kernel.hpp"
#include "http_connection.hpp"
#include "kernel_log_lines.hpp"
#include "library_file.hpp"
#include "plugin_control.hpp"
#include "process_memory.hpp"
#include "publish.hpp"
#include "sse_client.hpp"
#include "temp_dir.hpp"
#include "test_json.hpp"
#include "wait_until.hpp"
#include "ws_client.hpp"

#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <limits>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

using namespace switchyard::test;
namespace json = boost::json;

namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kWait = std::chrono::seconds(10);
// How long a client may take to receive a whole stream of events (a bound for a failing
// run, not an expectation: a passing run takes a fraction of a second).
constexpr auto kCollectTimeout = std::chrono::seconds(60);
// How often a collecting thread looks at its stop conditions while no message arrives.
constexpr auto kPoll = std::chrono::milliseconds(50);
// How far a sender may run ahead of the answers a client has read. The kernel disconnects
// a client with 1024 frames queued (a slow consumer, by design); a test client that a busy
// machine leaves unscheduled for a moment must stay well within that.
constexpr int64_t kMaxLead = 256;

// The next message of a WebSocket client, parsed; throws saying what came instead.
CounterMessage next_message(WsClient& client) {
    const auto message = client.read(kWait);
    if (!message) {
        throw std::runtime_error(client.closed() ? "connection ended: " + client.end_reason()
                                                 : "no message within the timeout");
    }
    return parse_counter_message(message->payload);
}

// The next event of an SSE client; throws saying what came instead.
SseEvent next_event(SseClient& client) {
    auto event = client.next(kWait);
    if (!event) {
        throw std::runtime_error((client.ended() ? "stream ended" : "no event in time") +
                                 std::string("; unparsed: ") + client.unparsed());
    }
    return *event;
}

WsClient connect_ws(const CounterKernel& counter) {
    WsClient client = WsClient::connect(counter.port(), "/ws");
    // The greeting says on_open ran: the connection is in group "ws" from now on.
    const CounterMessage hello = next_message(client);
    if (!hello.hello) throw std::runtime_error("the first message was not the greeting");
    return client;
}

SseClient connect_sse(const CounterKernel& counter) {
    SseClient client = SseClient::connect(counter.port(), "/events");
    if (client.status() != 200)
        throw std::runtime_error("GET /events answered " + std::to_string(client.status()));
    const SseEvent hello = next_event(client);
    if (hello.event != "hello")
        throw std::runtime_error("the first event was not the greeting: " + hello.data);
    return client;
}

// Sends `text` and returns the answer.
CounterMessage echo(WsClient& client, const std::string& text) {
    if (!client.send_text(text)) throw std::runtime_error("sending failed: " + client.end_reason());
    return next_message(client);
}

// What one client received while events were published. Written by its collecting
// thread; read by the test after that thread ended (last_seq and done meanwhile).
struct ClientLog {
    std::string name;
    std::vector<CounterMessage> events;
    std::vector<std::string> problems; // what was not a counter event
    std::string end_reason;            // set when the connection ended
    std::atomic<int64_t> last_seq{0};
    std::atomic<bool> done{false}; // the collecting thread returned

    void record(std::string_view text, const std::optional<std::string>& sse_id) {
        try {
            CounterMessage message = parse_counter_message(text);
            if (!message.seq) {
                problems.push_back("not an event: " + std::string(text));
                return;
            }
            if (sse_id && *sse_id != std::to_string(*message.seq))
                problems.push_back("SSE id " + *sse_id + " on " + std::string(text));
            last_seq = *message.seq;
            events.push_back(std::move(message));
        } catch (const std::exception& e) {
            problems.push_back(e.what());
        }
    }
};

// Whether the publisher may go on: no client is kMaxLead events behind, or one stopped
// collecting (the test reports that client).
bool audience_keeps_up(const std::vector<ClientLog>& logs, int64_t published) {
    for (const ClientLog& log : logs) {
        if (log.done) return true;
        if (published - log.last_seq.load() >= kMaxLead) return false;
    }
    return true;
}

// Feeds events {"topic":"counter"} into the bus through one keep-alive connection, from
// seq 1 until `stop_after` (or a stop request), never more than kMaxLead events ahead of
// the slowest client.
struct Publisher {
    std::atomic<int64_t> published{0};
    std::atomic<int64_t> stop_after{std::numeric_limits<int64_t>::max()};
    std::atomic<bool> finished{false};
    std::string error; // read it once `finished`

    void run(std::stop_token stop, const KernelProcess& kernel,
             const std::vector<ClientLog>& audience) {
        try {
            HttpConnection http(kernel.control_port(), kernel.control_auth());
            for (int64_t seq = 1; seq <= stop_after.load() && !stop.stop_requested(); ++seq) {
                if (!wait_until([&] { return audience_keeps_up(audience, seq - 1); },
                                kCollectTimeout))
                    throw std::runtime_error("a client stayed " + std::to_string(kMaxLead) +
                                             " events behind");
                const std::string event =
                    R"({"topic":"counter","type":"tick","data":{"i":)" + std::to_string(seq) + "}}";
                const HttpResponse answer = http.post("/api/v1/publish", event);
                const json::value body = parse_json(answer.body);
                if (answer.status != 200 || body.at("seq").to_number<int64_t>() != seq) {
                    throw std::runtime_error("publishing event " + std::to_string(seq) +
                                             " answered " + std::to_string(answer.status) + ": " +
                                             answer.body);
                }
                published = seq;
            }
        } catch (const std::exception& e) {
            error = e.what();
        }
        finished = true;
    }
};

// Whether `log` has every event published, once the publisher finished.
bool has_every_event(const ClientLog& log, const Publisher& publisher) {
    return publisher.finished && log.last_seq.load() >= publisher.published.load();
}

void collect(std::stop_token stop, WsClient& client, ClientLog& log, const Publisher& publisher) {
    const auto deadline = Clock::now() + kCollectTimeout;
    while (!stop.stop_requested() && !has_every_event(log, publisher) && Clock::now() < deadline) {
        if (const auto message = client.read(kPoll)) {
            log.record(message->payload, std::nullopt);
        } else if (client.closed()) {
            log.end_reason = client.end_reason();
            break;
        }
    }
    log.done = true;
}

void collect(std::stop_token stop, SseClient& client, ClientLog& log, const Publisher& publisher) {
    const auto deadline = Clock::now() + kCollectTimeout;
    while (!stop.stop_requested() && !has_every_event(log, publisher) && Clock::now() < deadline) {
        if (const auto event = client.next(kPoll)) {
            log.record(event->data, event->id);
        } else if (client.ended()) {
            log.end_reason = "stream ended";
            break;
        }
    }
    log.done = true;
}

// "" when `events` are seq 1..last, each once and in order, each with n == seq + n_offset
// (the counter carried across the swap, never reset); else the first thing wrong.
std::string sequence_problem(const std::vector<CounterMessage>& events, int64_t last,
                             int64_t n_offset) {
    for (size_t i = 0; i < events.size(); ++i) {
        const int64_t expected = int64_t(i) + 1;
        const int64_t seq = *events[i].seq;
        if (seq != expected) {
            return "event #" + std::to_string(expected) + " has seq " + std::to_string(seq) +
                   (i > 0 ? " after seq " + std::to_string(*events[i - 1].seq) : "");
        }
        if (events[i].n != seq + n_offset) {
            return "event seq " + std::to_string(seq) + " (v" + std::to_string(events[i].v) +
                   ") has n " + std::to_string(events[i].n) + ", expected " +
                   std::to_string(seq + n_offset);
        }
    }
    if (int64_t(events.size()) != last)
        return "received " + std::to_string(events.size()) + " of " + std::to_string(last);
    return {};
}

// How the answering version changed along a sequence of messages: v1 first, then v2.
struct VersionSwitch {
    size_t first_v2 = 0; // index of the first message answered by v2 (size(): none)
    std::string problem; // "" when the versions were 1...1 2...2
};

template <class Version>
VersionSwitch version_switch(size_t count, Version&& version_of) {
    VersionSwitch result{count, {}};
    for (size_t i = 0; i < count && result.problem.empty(); ++i) {
        const int64_t v = version_of(i);
        if (v == 2 && result.first_v2 == count) result.first_v2 = i;
        if (v != 1 && v != 2) {
            result.problem = "message #" + std::to_string(i) + " says v" + std::to_string(v);
        } else if (v == 1 && result.first_v2 < i) {
            result.problem = "message #" + std::to_string(i) + " says v1 after #" +
                             std::to_string(result.first_v2) + " said v2";
        }
    }
    return result;
}

int64_t integer(const json::object& object, std::string_view key) {
    const auto* member = object.if_contains(key);
    return member != nullptr && (member->is_int64() || member->is_uint64())
               ? member->to_number<int64_t>()
               : -1;
}

// The id counter 4's failed create() logged for the group "v4" it made, or -1.
int64_t logged_v4_group(const KernelProcess& kernel) {
    constexpr std::string_view kMark = "counter 4 made group v4 = ";
    const std::string log = kernel_stderr(kernel);
    const size_t at = log.find(kMark);
    if (at == std::string::npos) return -1;
    return std::stoll(log.substr(at + kMark.size()));
}

// A failed reload's answer: an error status, RELOAD_FAILED, the generation still serving.
void check_refused(const HttpResponse& answer, int64_t serving_generation) {
    INFO("reload answered " << answer.status << ": " << answer.body);
    CHECK(answer.status >= 400);
    const json::value body = parse_json(answer.body);
    CHECK(string_field(body, "error") == "RELOAD_FAILED");
    CHECK_FALSE(string_field(body, "message").empty());
    REQUIRE(body.is_object());
    CHECK(integer(body.as_object(), "generation") == serving_generation);
}

} // namespace

TEST_CASE(
    "reload: WebSocket and SSE clients keep every event through a reload under load, "
    "and v2 continues v1's counter",
    "[integration][reload]") {
    constexpr int64_t kMinEvents = 2000;
    constexpr int64_t kReloadAfterSeq = 500; // a client has seen this many when it starts
    constexpr int64_t kEventsAfterReload = 200;
    constexpr size_t kWsClients = 3;
    constexpr size_t kSseClients = 2;

    CounterKernel counter;
    std::vector<WsClient> ws;
    for (size_t i = 0; i < kWsClients; ++i) ws.push_back(connect_ws(counter));
    // One message each before the events: n counts them, so an event's n is seq + 3.
    for (size_t i = 0; i < kWsClients; ++i) {
        const CounterMessage answer = echo(ws[i], "before");
        CHECK(answer.v == 1);
        CHECK(answer.n == int64_t(i) + 1);
        CHECK(answer.mine == 1);
    }
    const int64_t n_offset = int64_t(kWsClients);
    std::vector<SseClient> sse;
    for (size_t i = 0; i < kSseClients; ++i) sse.push_back(connect_sse(counter));

    Publisher publisher;
    std::vector<ClientLog> logs(kWsClients + kSseClients);
    HttpResponse reload_answer;
    {
        // Declared after everything they use, so they are joined before it goes away.
        std::vector<std::jthread> threads;
        threads.emplace_back(
            [&](std::stop_token stop) { publisher.run(stop, counter.kernel(), logs); });
        for (size_t i = 0; i < kWsClients; ++i) {
            logs[i].name = "WebSocket client " + std::to_string(i);
            threads.emplace_back(
                [&, i](std::stop_token stop) { collect(stop, ws[i], logs[i], publisher); });
        }
        for (size_t i = 0; i < kSseClients; ++i) {
            ClientLog& log = logs[kWsClients + i];
            log.name = "SSE client " + std::to_string(i);
            threads.emplace_back(
                [&, i](std::stop_token stop) { collect(stop, sse[i], log, publisher); });
        }

        // Reload once events have been flowing for a while, so some were answered by v1.
        REQUIRE(wait_until(
            [&] { return logs[0].last_seq.load() >= kReloadAfterSeq || publisher.finished; },
            kCollectTimeout));
        reload_answer = counter.reload_with("counter_v2.so");
        // Keep publishing after the swap, so some events are answered by v2.
        publisher.stop_after =
            std::max(kMinEvents, publisher.published.load() + kEventsAfterReload);
        for (auto& thread : threads) thread.join();
    }
    INFO("publisher: " << publisher.error);
    REQUIRE(publisher.error.empty());
    const int64_t last = publisher.published.load();
    REQUIRE(last >= kMinEvents);

    INFO("reload answered " << reload_answer.status << ": " << reload_answer.body);
    REQUIRE(reload_answer.status == 200);
    const json::value reloaded = parse_json(reload_answer.body);
    REQUIRE(reloaded.is_object());
    CHECK(string_field(reloaded, "name") == "counter");
    CHECK(string_field(reloaded, "version") == "2.0.0");
    CHECK(integer(reloaded.as_object(), "generation") == 2);
    const auto* pause_ms = reloaded.as_object().if_contains("pause_ms");
    REQUIRE(pause_ms != nullptr);
    REQUIRE(pause_ms->is_number());
    CHECK(pause_ms->to_number<double>() >= 0);

    const json::object status = plugin_status(counter.kernel(), "counter");
    INFO("GET /api/v1/plugins: " << json::serialize(status));
    CHECK(integer(status, "generation") == 2);
    CHECK(string_field(status, "version") == "2.0.0");
    CHECK(string_field(status, "state") == "running");
    CHECK(integer(status, "connections") == int64_t(kWsClients + kSseClients));

    // Every client got every event once, in order, counted without a reset; v1 answered
    // up to one event and v2 from the next one on, the same event for every client.
    std::optional<int64_t> first_v2_seq;
    for (const ClientLog& log : logs) {
        INFO(log.name << " ended: " << log.end_reason);
        CHECK(log.end_reason.empty());
        INFO(log.name << ": " << log.problems.size() << " bad messages, first: "
                      << (log.problems.empty() ? "" : log.problems.front()));
        CHECK(log.problems.empty());
        CHECK(sequence_problem(log.events, last, n_offset) == "");
        const VersionSwitch change =
            version_switch(log.events.size(), [&](size_t i) { return log.events[i].v; });
        CHECK(change.problem == "");
        REQUIRE(change.first_v2 > 0);                 // v1 answered the first events
        REQUIRE(change.first_v2 < log.events.size()); // v2 the last ones
        const int64_t seq = *log.events[change.first_v2].seq;
        if (!first_v2_seq) first_v2_seq = seq;
        CHECK(seq == *first_v2_seq);
    }

    // The clients are still connected and now answered by v2, which counts on from v1.
    for (size_t i = 0; i < kWsClients; ++i) {
        const CounterMessage answer = echo(ws[i], "after");
        CHECK(answer.v == 2);
        CHECK(answer.echo == "after");
        CHECK(answer.n == last + n_offset + int64_t(i) + 1);
        CHECK(answer.mine == 2); // the kernel kept each connection's state across the swap
    }
    // A new client is greeted by v2, with the carried counter.
    WsClient newcomer = WsClient::connect(counter.port(), "/ws");
    const CounterMessage hello = next_message(newcomer);
    CHECK(hello.v == 2);
    CHECK(hello.n == last + 2 * n_offset);

    // And one more event reaches everyone, old and new.
    publish(counter.kernel(), R"({"topic":"counter","type":"tick","data":{}})");
    const std::string final_event = R"({"v":2,"seq":)" + std::to_string(last + 1) + R"(,"n":)" +
                                    std::to_string(last + 2 * n_offset + 1) + "}";
    ws.push_back(std::move(newcomer));
    for (auto& client : ws) {
        const auto message = client.read(kWait);
        INFO("ended: " << client.end_reason());
        REQUIRE(message.has_value());
        CHECK(message->payload == final_event);
    }
    for (auto& client : sse) {
        const SseEvent event = next_event(client);
        CHECK(event.id == std::to_string(last + 1));
        CHECK(event.data == final_event);
    }
}

TEST_CASE(
    "reload: a broken library or a refused snapshot leaves the running generation "
    "serving its clients untouched",
    "[integration][reload]") {
    CounterKernel counter;
    WsClient ws = connect_ws(counter);
    SseClient sse = connect_sse(counter);
    CHECK(echo(ws, "one").n == 1);

    {
        INFO("a text file named counter.so: the loader refuses it");
        check_refused(counter.reload_with("not_a_library.so"), 1);
    }
    {
        INFO("a build whose create() refuses the snapshot of generation 1");
        check_refused(counter.reload_with("counter_v3_refuses.so"), 1);
    }

    const json::object status = plugin_status(counter.kernel(), "counter");
    INFO("GET /api/v1/plugins: " << json::serialize(status));
    CHECK(integer(status, "generation") == 1);
    CHECK(string_field(status, "version") == "1.0.0");
    CHECK(string_field(status, "state") == "running");
    CHECK(integer(status, "connections") == 2);

    // Generation 1 still answers, with its counter intact, on both connections.
    const CounterMessage answer = echo(ws, "two");
    CHECK(answer.v == 1);
    CHECK(answer.n == 2);
    CHECK(answer.mine == 2);
    publish(counter.kernel(), R"({"topic":"counter","type":"tick","data":{}})");
    const CounterMessage event = next_message(ws);
    CHECK(event.v == 1);
    CHECK(event.seq == 1);
    CHECK(event.n == 3);
    const SseEvent sse_event = next_event(sse);
    CHECK(sse_event.id == "1");
    CHECK(sse_event.data == R"({"v":1,"seq":1,"n":3})");

    // The failures left nothing stuck: a good build still swaps in and carries on.
    const HttpResponse recovered = counter.reload_with("counter_v2.so");
    INFO("reload answered " << recovered.status << ": " << recovered.body);
    REQUIRE(recovered.status == 200);
    const json::value body = parse_json(recovered.body);
    CHECK(string_field(body, "version") == "2.0.0");
    const int64_t generation = integer(body.as_object(), "generation");
    CHECK(generation > 1);
    CHECK(integer(plugin_status(counter.kernel(), "counter"), "generation") == generation);
    const CounterMessage after = echo(ws, "three");
    CHECK(after.v == 2);
    CHECK(after.n == 4);
    CHECK(after.mine == 3);
    publish(counter.kernel(), R"({"topic":"counter","type":"tick","data":{}})");
    const SseEvent sse_after = next_event(sse);
    CHECK(sse_after.id == "2");
    CHECK(sse_after.data == R"({"v":2,"seq":2,"n":5})");
}

TEST_CASE("reload: a burst of client frames during a reload loses none and keeps their order",
          "[integration][reload]") {
    constexpr int64_t kMinFrames = 1000;
    constexpr int64_t kReloadAfterFrames = 100;
    constexpr int64_t kFramesAfterReload = 100;

    CounterKernel counter;
    WsClient client = connect_ws(counter);
    // Frame "0" before the burst: v1 answered at least one.
    std::vector<std::string> answers;
    REQUIRE(client.send_text("0"));
    const auto first = client.read(kWait);
    REQUIRE(first.has_value());
    answers.push_back(first->payload);

    std::atomic<int64_t> sent{1};
    std::atomic<bool> reload_done{false};
    std::string send_error;
    HttpResponse reload_answer;
    {
        std::jthread burst([&](std::stop_token stop) {
            // Sends "1", "2"... as fast as the connection takes them, until kMinFrames
            // were sent and kFramesAfterReload more after the reload returned, reading
            // answers only to stay within kMaxLead of them; then reads the rest.
            int64_t until = std::numeric_limits<int64_t>::max();
            for (int64_t i = 1; i < until && !stop.stop_requested(); ++i) {
                if (until == std::numeric_limits<int64_t>::max() && reload_done)
                    until = std::max(kMinFrames, i + kFramesAfterReload);
                if (!client.send_text(std::to_string(i))) {
                    send_error =
                        "sending frame " + std::to_string(i) + " failed: " + client.end_reason();
                    break;
                }
                sent = i + 1;
                while (sent - int64_t(answers.size()) >= kMaxLead) {
                    auto message = client.read(kWait);
                    if (!message) break;
                    answers.push_back(std::move(message->payload));
                }
            }
            const auto deadline = Clock::now() + kCollectTimeout;
            while (int64_t(answers.size()) < sent && !stop.stop_requested() &&
                   Clock::now() < deadline && !client.closed()) {
                if (auto message = client.read(kPoll)) answers.push_back(message->payload);
            }
        });
        const bool burst_started =
            wait_until([&] { return sent.load() >= kReloadAfterFrames; }, kWait);
        reload_answer = counter.reload_with("counter_v2.so");
        reload_done = true;
        burst.join();
        REQUIRE(burst_started);
    }
    INFO("reload answered " << reload_answer.status << ": " << reload_answer.body);
    CHECK(reload_answer.status == 200);
    INFO("sending: " << send_error);
    REQUIRE(send_error.empty());
    const int64_t total = sent.load();
    CHECK(total >= kMinFrames);
    INFO("connection ended: " << client.end_reason());
    CHECK_FALSE(client.closed());

    // Exactly one answer per frame, in the order sent: nothing lost, doubled or reordered
    // while the plugin was swapped, and the connection's own count kept by the kernel.
    REQUIRE(int64_t(answers.size()) == total);
    std::vector<CounterMessage> parsed;
    std::string problem;
    for (int64_t i = 0; i < total && problem.empty(); ++i) {
        CounterMessage answer = parse_counter_message(answers[size_t(i)]);
        if (answer.echo != std::to_string(i) || answer.n != i + 1 || answer.mine != i + 1)
            problem = "answer #" + std::to_string(i) + ": " + answers[size_t(i)];
        parsed.push_back(std::move(answer));
    }
    CHECK(problem == "");
    const VersionSwitch change =
        version_switch(parsed.size(), [&](size_t i) { return parsed[i].v; });
    CHECK(change.problem == "");
    CHECK(change.first_v2 > 0);             // "0" was answered by v1
    CHECK(change.first_v2 < parsed.size()); // the frames sent after the reload by v2
}

TEST_CASE("reload: reloading a plugin that is not running answers 404", "[integration][reload]") {
    CounterKernel counter;
    const HttpResponse answer = reload_plugin(counter.kernel(), "no_such_plugin");
    INFO("reload answered " << answer.status << ": " << answer.body);
    CHECK(answer.status == 404);
    CHECK(string_field(parse_json(answer.body), "error") == "NOT_FOUND");
    // The plugin that does run was not touched.
    CHECK(integer(plugin_status(counter.kernel(), "counter"), "generation") == 1);
}

// A library file cut short, as a rebuild caught half-written, keeps its ELF and program
// headers but not the segments they describe; mapped as it is, the first touch would be
// a SIGBUS that kills the kernel. The loader refuses it before dlopen.
TEST_CASE(
    "reload: a library file cut short is refused and the running generation serves on",
    "[integration][reload]") {
    CounterKernel counter;
    WsClient ws = connect_ws(counter);
    CHECK(echo(ws, "one").n == 1);

    std::ifstream in(test_plugin("counter_v2.so"), std::ios::binary);
    std::string head(4096, '\0'); // the headers, and only the start of the first segment
    REQUIRE(in.read(head.data(), std::streamsize(head.size())));
    const TempDir scratch("truncated");
    replace_file(scratch.write("counter.so", head), counter.library());
    check_refused(reload_plugin(counter.kernel(), "counter"), 1);

    const CounterMessage answer = echo(ws, "two");
    CHECK(answer.v == 1);
    CHECK(answer.n == 2);
}

TEST_CASE(
    "reload: a create() that fails after starting a timer, a group and a send leaves none of "
    "it behind",
    "[integration][reload]") {
    CounterKernel counter;
    WsClient ws = connect_ws(counter);
    CHECK(echo(ws, "1").mine == 1);

    // counter 4's create() starts a 1 ms interval timer, makes group "v4" with this
    // connection in it, sets its state to "1000" and sends it {"v":4,...}; then refuses.
    check_refused(counter.reload_with("counter_v4_fails_late.so"), 1);
    const int64_t v4_group = logged_v4_group(counter.kernel());
    REQUIRE(v4_group > 0);

    // Round trips on the connection, each long enough for a timer left running to fire
    // into generation 1 many times (it would answer {"v":1,"timer":4}): every message that
    // comes is generation 1's echo, with the connection's own count carried on.
    for (int64_t i = 2; i <= 5; ++i) {
        const CounterMessage answer = echo(ws, std::to_string(i));
        INFO("answer to " << i);
        CHECK(answer.v == 1);
        CHECK(answer.echo == std::to_string(i));
        CHECK(answer.mine == i);
    }
    // Group "v4" is gone with the create() that made it: the name gives a new, empty group.
    REQUIRE(ws.send_text("probe"));
    const auto probe = ws.read(kWait);
    REQUIRE(probe.has_value());
    INFO("probe answered " << probe->payload);
    const json::value answer = parse_json(probe->payload);
    REQUIRE(answer.is_object());
    CHECK(integer(answer.as_object(), "v4_size") == 0);
    CHECK(integer(answer.as_object(), "v4_group") != v4_group);

    // A good build still swaps in and carries on where generation 1 stopped.
    const HttpResponse reloaded = counter.reload_with("counter_v2.so");
    INFO("reload answered " << reloaded.status << ": " << reloaded.body);
    REQUIRE(reloaded.status == 200);
    const CounterMessage after = echo(ws, "7");
    CHECK(after.v == 2);
    CHECK(after.mine == 7);
}

TEST_CASE(
    "reload: builds refused while they stay mapped do not make the next reload load them "
    "again",
    "[integration][reload]") {
    CounterKernel counter;
    WsClient ws = connect_ws(counter);
    CHECK(echo(ws, "one").n == 1);

    // counter_v3_pinned.so refuses the snapshot, and the loader never unmaps it
    // (-z nodelete): twice refused, it stays mapped twice. The dynamic loader hands back
    // the image it has for a path it has mapped, so a third reload that copied v2 to a
    // path one of those images came from would get v3 again, and be refused.
    check_refused(counter.reload_with("counter_v3_pinned.so"), 1);
    check_refused(counter.reload_with("counter_v3_pinned.so"), 1);
    const HttpResponse reloaded = counter.reload_with("counter_v2.so");
    INFO("reload answered " << reloaded.status << ": " << reloaded.body);
    REQUIRE(reloaded.status == 200);
    const json::value body = parse_json(reloaded.body);
    CHECK(string_field(body, "version") == "2.0.0");
    CHECK(integer(body.as_object(), "generation") == 2);
    const CounterMessage answer = echo(ws, "two");
    CHECK(answer.v == 2);
    CHECK(answer.n == 2);

    // Generation 1 is unloaded; the two pinned copies stay, each under its own name.
    const auto mapped = mapped_files(counter.kernel().pid(), "/counter.");
    std::string listed;
    for (const auto& path : mapped) listed += path + "\n";
    INFO("mapped:\n" << listed);
    CHECK(mapped.size() == 3);
}

TEST_CASE("reload: a library exporting STB_GNU_UNIQUE symbols is refused, naming -fno-gnu-unique",
          "[integration][reload]") {
    CounterKernel counter;
    WsClient ws = connect_ws(counter);

    // gnu_unique.so is built without -fno-gnu-unique: once mapped, never unloaded.
    const HttpResponse answer = counter.reload_with("gnu_unique.so");
    check_refused(answer, 1);
    const std::string message = string_field(parse_json(answer.body), "message");
    CHECK(message.find("STB_GNU_UNIQUE") != std::string::npos);
    CHECK(message.find("-fno-gnu-unique") != std::string::npos);
    // Refused before it was mapped: only generation 1's image is.
    CHECK(mapped_files(counter.kernel().pid(), "/counter.").size() == 1);
    CHECK(echo(ws, "one").v == 1);
}

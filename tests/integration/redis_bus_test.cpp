// Several Switchyard nodes on one Redis (issue 15, the `redis` bus engine), each a real
// kernel process with [bus] engine = "redis", their clients real WebSocket and SSE clients
// over loopback, the Redis a real redis-server (support/redis_server.hpp):
// - an event published on node A reaches node B's WebSocket and SSE clients, with the seq
//   A's publish answered;
// - a CLI-JAW client moves from A to B with its Last-Event-ID and loses nothing, gets
//   nothing twice and sees no gap;
// - publishers on both nodes at once get one gap-free sequence, seen whole on each node;
// - Redis SIGKILLed and restarted mid-stream: publish answers 503 BUS_UNAVAILABLE and
//   /readyz 503 meanwhile, clients stay connected, and afterwards every client's events
//   stay in order without duplicates and new events arrive;
// - node B cut off from Redis (a relay, support/tcp_relay.hpp) while A publishes more than
//   the replay keeps: B's clients get a gap signal, then contiguous events;
// - B's link going silent instead: B notices, then catches up without loss;
// - a node started while Redis is down serves, is not ready, refuses publishes, and becomes
//   ready when Redis comes;
// - and the relay itself: it forwards, drops or holds, and forwards again.
// Each test uses a key prefix of its own, so tests sharing a Redis never see each other.
#include "clijaw_stream.hpp"
#include "http_client.hpp"
#include "kernel_process.hpp"
#include "publish.hpp"
#include "redis_server.hpp"
#include "sse_client.hpp"
#include "tcp_relay.hpp"
#include "test_json.hpp"
#include "toml_text.hpp"
#include "wait_until.hpp"
#include "ws_client.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <numeric>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace switchyard::test;
namespace json = boost::json;

namespace {

constexpr auto kWait = std::chrono::seconds(10);
// A node reconnects to Redis with a capped backoff: how long it may take to be ready again.
constexpr auto kRecover = std::chrono::seconds(30);
constexpr std::string_view kClijawGap = R"({"topic":"system","event":"replay_gap"})";

// One Redis for the tests that never stop it; those that kill it start their own.
RedisServer& shared_redis() {
    static RedisServer redis = RedisServer::start();
    return redis;
}

// A key prefix no other test (or run) uses.
std::string unique_prefix(std::string_view test) {
    static std::atomic<int> counter{0};
    return "it_" + std::string(test) + "_" + std::to_string(::getpid()) + "_" +
           std::to_string(++counter);
}

std::string redis_bus_table(std::string_view url, std::string_view prefix,
                            std::string_view more_bus_lines) {
    return "[bus]\nengine = \"redis\"\nredis_url = " + toml_quote(url) +
           "\nredis_key_prefix = " + toml_quote(prefix) + "\nredis_timeout_ms = 300\n" +
           std::string(more_bus_lines) + "\n";
}

// A node on the Redis at `url`, with `plugin_tables` ([plugins.x] tables) and more [bus]
// lines (e.g. "replay = 10\n").
KernelProcess start_node(std::string_view url, std::string_view prefix,
                         std::string_view plugin_tables, std::string_view more_bus_lines = {}) {
    KernelOptions options;
    options.extra_toml = redis_bus_table(url, prefix, more_bus_lines) + std::string(plugin_tables);
    return KernelProcess::start(options);
}

std::string tcp_url(uint16_t port) {
    return "redis://127.0.0.1:" + std::to_string(port);
}

unsigned readyz(const KernelProcess& node) {
    try {
        return node.control().get("/readyz").status;
    } catch (const std::runtime_error&) {
        return 0; // no answer within the client's timeout
    }
}

bool ready(const KernelProcess& node) {
    return readyz(node) == 200;
}

// Waits until the node's engine is connected and synced, as a load balancer would before
// sending it traffic.
void require_ready(const KernelProcess& node, std::chrono::milliseconds timeout = kRecover) {
    REQUIRE(wait_until([&] { return ready(node); }, timeout, std::chrono::milliseconds(20)));
}

HttpResponse try_publish(const KernelProcess& node, std::string_view event_json) {
    return node.control().post("/api/v1/publish", event_json);
}

// The answer to a publish while the node cannot reach Redis: 503 BUS_UNAVAILABLE, and when
// to try again (docs/redis-bus.md).
void check_bus_unavailable(const HttpResponse& response) {
    INFO("answer " << response.status << ": " << response.body);
    CHECK(response.status == 503);
    CHECK(response.header("retry-after") == "1");
    std::string code;
    try {
        code = string_field(parse_json(response.body), "error");
    } catch (const std::exception&) {
        code = "<body is not JSON>";
    }
    CHECK(code == "BUS_UNAVAILABLE");
}

// An event on `topic` whose data is {"n": n}, so a client's copy says which it is.
std::string numbered_event(std::string_view topic, std::string_view type, uint64_t n) {
    return R"({"topic":")" + std::string(topic) + R"(","type":")" + std::string(type) +
           R"(","data":{"n":)" + std::to_string(n) + "}}";
}

std::string groove_event(std::string_view type, uint64_t n) {
    return numbered_event("groove", type, n);
}

// The "n" of the data of a control API SSE event ({"seq","topic","type","data",...}) or
// of a groove frame ({"event","data"}); nothing for anything else.
std::optional<uint64_t> n_of(std::string_view json_text) {
    try {
        const json::value value = parse_json(json_text);
        const auto* data = value.as_object().if_contains("data");
        if (!data || !data->is_object()) return std::nullopt;
        const auto* n = data->as_object().if_contains("n");
        if (!n || !n->is_number()) return std::nullopt;
        return n->to_number<uint64_t>();
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::string join(const std::vector<uint64_t>& values) {
    std::ostringstream out;
    for (size_t i = 0; i < values.size(); ++i) out << (i ? "," : "") << values[i];
    return out.str();
}

std::vector<uint64_t> one_to(uint64_t last) {
    std::vector<uint64_t> values(last);
    std::iota(values.begin(), values.end(), uint64_t{1});
    return values;
}

bool strictly_increasing(const std::vector<uint64_t>& values) {
    return std::adjacent_find(values.begin(), values.end(),
                              [](uint64_t a, uint64_t b) { return a >= b; }) == values.end();
}

// Reads an SSE stream (the control API's /api/v1/events or CLI-JAW's /api/events) on a
// thread of its own while the test publishes, so the server never holds a backlog for
// it, and keeps every event in order.
class SseCollector {
  public:
    // Opens `target` on `port` and waits for its ": connected" comment: from then on the
    // stream's events reach it.
    SseCollector(uint16_t port, std::string_view target, const HttpHeaders& headers = {})
        : stream_(ClijawStream::open(port, target, headers)), thread_([this] { run(); }) {}
    SseCollector(const SseCollector&) = delete;
    SseCollector& operator=(const SseCollector&) = delete;
    ~SseCollector() {
        stop_ = true;
        thread_.join();
    }

    std::vector<SseEvent> events() const {
        std::lock_guard lock(mutex_);
        return events_;
    }
    // True once the server ended the stream.
    bool ended() const { return ended_; }
    // Waits until an event with id `seq` has arrived.
    bool wait_for_seq(uint64_t seq, std::chrono::milliseconds timeout = kWait) const {
        return wait_until([&] { return has_seq(seq); }, timeout);
    }
    // Waits until `count` events have arrived.
    bool wait_for_count(size_t count, std::chrono::milliseconds timeout = kWait) const {
        return wait_until(
            [&] {
                std::lock_guard lock(mutex_);
                return events_.size() >= count;
            },
            timeout);
    }

  private:
    bool has_seq(uint64_t seq) const {
        std::lock_guard lock(mutex_);
        return std::any_of(events_.begin(), events_.end(),
                           [seq](const SseEvent& event) { return event_seq(event) == seq; });
    }
    void run() {
        while (!stop_) {
            if (auto event = stream_.next(std::chrono::milliseconds(50))) {
                std::lock_guard lock(mutex_);
                events_.push_back(std::move(*event));
            } else if (stream_.client().ended()) {
                ended_ = true;
                return;
            }
        }
    }

    ClijawStream stream_;
    mutable std::mutex mutex_;
    std::vector<SseEvent> events_;
    std::atomic<bool> stop_{false};
    std::atomic<bool> ended_{false};
    std::thread thread_;
};

// Reads a WebSocket client on a thread of its own, as SseCollector does, keeping the text
// messages in order.
class WsCollector {
  public:
    explicit WsCollector(uint16_t port, std::string_view path = "/ws")
        : client_(WsClient::connect(port, path)), thread_([this] { run(); }) {}
    WsCollector(const WsCollector&) = delete;
    WsCollector& operator=(const WsCollector&) = delete;
    ~WsCollector() {
        stop_ = true;
        thread_.join();
    }

    std::vector<std::string> messages() const {
        std::lock_guard lock(mutex_);
        return messages_;
    }
    bool ended() const { return ended_; }
    std::string end_reason() const {
        std::lock_guard lock(mutex_);
        return end_reason_;
    }
    // Waits until a message whose data has "n" == `n` has arrived.
    bool wait_for_n(uint64_t n, std::chrono::milliseconds timeout = kWait) const {
        return wait_until(
            [&] {
                std::lock_guard lock(mutex_);
                return std::any_of(messages_.begin(), messages_.end(),
                                   [n](const std::string& text) { return n_of(text) == n; });
            },
            timeout);
    }

  private:
    void run() {
        while (!stop_) {
            if (auto message = client_.read(std::chrono::milliseconds(50))) {
                std::lock_guard lock(mutex_);
                messages_.push_back(std::move(message->payload));
            } else if (client_.closed()) {
                std::lock_guard lock(mutex_);
                end_reason_ = client_.end_reason();
                ended_ = true;
                return;
            }
        }
    }

    WsClient client_;
    mutable std::mutex mutex_;
    std::vector<std::string> messages_;
    std::string end_reason_;
    std::atomic<bool> stop_{false};
    std::atomic<bool> ended_{false};
    std::thread thread_;
};

std::vector<uint64_t> seqs_with_id(const std::vector<SseEvent>& events) {
    std::vector<uint64_t> seqs;
    for (const auto& event : events)
        if (auto seq = event_seq(event)) seqs.push_back(*seq);
    return seqs;
}

// What one publish got: the event's "n", and the seq or the refusal.
struct PublishOutcome {
    uint64_t n = 0;
    unsigned status = 0; // 0: no answer within the client's timeout
    uint64_t seq = 0;
    std::string body;
};

// A backend publishing numbered groove events into one node, one after another, on a
// thread of its own, until stopped; it goes on through refusals, as a backend retrying
// its next event would.
class Publisher {
  public:
    explicit Publisher(const KernelProcess& node) : node_(node), thread_([this] { run(); }) {}
    Publisher(const Publisher&) = delete;
    Publisher& operator=(const Publisher&) = delete;
    ~Publisher() { stop(); }

    void stop() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
    }
    size_t succeeded() const { return succeeded_; }
    size_t refused() const { return refused_; }
    std::vector<PublishOutcome> outcomes() const {
        std::lock_guard lock(mutex_);
        return outcomes_;
    }

  private:
    void run() {
        for (uint64_t n = 1; !stop_; ++n) {
            PublishOutcome outcome;
            outcome.n = n;
            try {
                const HttpResponse response = try_publish(node_, groove_event("tick", n));
                outcome.status = response.status;
                outcome.body = response.body;
                if (response.status == 200)
                    outcome.seq = parse_json(response.body).at("seq").to_number<uint64_t>();
            } catch (const std::exception& e) {
                outcome.body = e.what();
            }
            (outcome.status == 200 ? succeeded_ : refused_)++;
            std::lock_guard lock(mutex_);
            outcomes_.push_back(std::move(outcome));
        }
    }

    const KernelProcess& node_;
    mutable std::mutex mutex_;
    std::vector<PublishOutcome> outcomes_;
    std::atomic<size_t> succeeded_{0};
    std::atomic<size_t> refused_{0};
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

// The checks every client of the Redis-restart test must pass: the numbered events it got
// are strictly increasing (no duplicate, no reordering), and each one whose publish
// answered 200 is among them.
void check_in_order_and_complete(const std::vector<uint64_t>& ns,
                                 const std::vector<PublishOutcome>& outcomes,
                                 std::string_view client) {
    INFO(client << " got n = " << join(ns));
    CHECK(strictly_increasing(ns));
    const std::set<uint64_t> got(ns.begin(), ns.end());
    std::vector<uint64_t> missing;
    for (const auto& outcome : outcomes)
        if (outcome.status == 200 && !got.count(outcome.n)) missing.push_back(outcome.n);
    INFO(client << " missed n = " << join(missing) << " (their publishes answered 200)");
    CHECK(missing.empty());
}

} // namespace

TEST_CASE("redis bus: an event published on node A reaches node B's WebSocket and SSE clients",
          "[integration][redis]") {
    RedisServer& redis = shared_redis();
    const std::string prefix = unique_prefix("fanout");
    // One node on Redis's Unix socket, the other on TCP: both forms of redis_url.
    auto a = start_node(redis.unix_url(), prefix, enabled_plugin_table("groove"));
    auto b = start_node(redis.url(), prefix, enabled_plugin_table("groove"));
    require_ready(a);
    require_ready(b);

    auto groove_b = WsClient::connect(b.plugin_port("groove"));
    auto events_b = ClijawStream::open(b.control_port(), "/api/v1/events?stream=groove");
    auto events_a = ClijawStream::open(a.control_port(), "/api/v1/events?stream=groove");

    const uint64_t seq =
        publish(a, R"({"topic":"groove","type":"agent:spawned","data":{"id":"backend-1"}})");
    CHECK(seq == 1); // the stream's first event under a fresh prefix
    // Groove's frames carry no seq: the event itself, byte for byte.
    CHECK(next_text_or_why(groove_b) == R"({"event":"agent:spawned","data":{"id":"backend-1"}})");
    const auto on_b = events_b.next(kWait);
    REQUIRE(on_b.has_value());
    CHECK(on_b->id.value_or("<no id>") == std::to_string(seq));
    const json::value on_b_json = parse_json(on_b->data);
    INFO(on_b->data);
    CHECK(on_b_json.at("seq").to_number<uint64_t>() == seq);
    CHECK(string_field(on_b_json, "type") == "agent:spawned");
    CHECK(on_b_json.at("data") == parse_json(R"({"id":"backend-1"})"));

    // And back: B's publish takes the next seq of the one sequence, and A's client gets both.
    const uint64_t next = publish(b, R"({"topic":"groove","type":"agent:killed","data":{}})");
    CHECK(next == seq + 1);
    const auto both = events_a.until([next](const SseEvent& e) { return event_seq(e) == next; });
    INFO(describe(both));
    CHECK(seqs_of(both) == std::vector<uint64_t>{seq, next});
    CHECK(next_text_or_why(groove_b) == R"({"event":"agent:killed","data":{}})");
}

TEST_CASE("redis bus: a CLI-JAW client moves from node A to node B with Last-Event-ID",
          "[integration][redis][clijaw]") {
    RedisServer& redis = shared_redis();
    const std::string prefix = unique_prefix("clijaw");
    auto a = start_node(redis.url(), prefix, enabled_plugin_table("clijaw"));
    auto b = start_node(redis.unix_url(), prefix, enabled_plugin_table("clijaw"));
    require_ready(a);
    require_ready(b);
    auto numbered = [](uint64_t from, uint64_t to) {
        std::vector<std::string> events;
        for (uint64_t n = from; n <= to; ++n)
            events.push_back(clijaw_event_json("agent", "agent_output",
                                               R"({"text":"event )" + std::to_string(n) + R"("})"));
        return events;
    };

    {
        auto on_a = ClijawStream::open(a.plugin_port("clijaw"));
        REQUIRE(publish_all(a, numbered(1, 50)) == one_to(50));
        const auto first = on_a.until([](const SseEvent& e) { return event_seq(e) == 50u; });
        INFO(describe(first));
        REQUIRE(seqs_of(first) == one_to(50));
    } // the client disconnects from A

    const auto while_away = publish_all(a, numbered(51, 60));
    REQUIRE(while_away.front() == 51);
    REQUIRE(while_away.back() == 60);

    auto on_b =
        ClijawStream::open(b.plugin_port("clijaw"), "/api/events", {{"Last-Event-ID", "50"}});
    const auto live = publish_all(b, numbered(61, 70));
    REQUIRE(live.back() == 70);
    const auto resumed = on_b.until([](const SseEvent& e) { return event_seq(e) == 70u; });
    INFO(describe(resumed));
    std::vector<uint64_t> expected(20);
    std::iota(expected.begin(), expected.end(), uint64_t{51});
    CHECK(seqs_of(resumed) == expected); // a gap frame would show as a 0 (it has no id)
    for (const auto& event : resumed) CHECK(event.data != kClijawGap);
    for (const auto& event : resumed) {
        const auto seq = event_seq(event).value_or(0);
        CHECK(string_field(parse_json(event.data), "text") == "event " + std::to_string(seq));
    }

    // Nothing more comes before the next event: no late duplicate of 51..70.
    const uint64_t marker = publish_clijaw(b, "system", "marker", R"({"marker":true})");
    const auto after = on_b.until([marker](const SseEvent& e) { return event_seq(e) == marker; });
    INFO(describe(after));
    CHECK(seqs_of(after) == std::vector<uint64_t>{71});
}

TEST_CASE("redis bus: publishers on two nodes at once share one gap-free sequence",
          "[integration][redis]") {
    constexpr int kThreadsPerNode = 2;
    constexpr uint64_t kPerThread = 1000;
    constexpr uint64_t kTotal = 2 * kThreadsPerNode * kPerThread;
    RedisServer& redis = shared_redis();
    const std::string prefix = unique_prefix("concurrent");
    auto a = start_node(redis.url(), prefix, "");
    auto b = start_node(redis.unix_url(), prefix, "");
    require_ready(a);
    require_ready(b);
    SseCollector follower_a(a.control_port(), "/api/v1/events?stream=groove");
    SseCollector follower_b(b.control_port(), "/api/v1/events?stream=groove");

    std::mutex mutex;
    std::vector<uint64_t> answered;
    std::vector<std::string> errors;
    std::vector<std::thread> publishers;
    for (const KernelProcess* node : {&a, &b}) {
        for (int t = 0; t < kThreadsPerNode; ++t) {
            publishers.emplace_back([&, node] {
                std::vector<uint64_t> mine;
                try {
                    for (uint64_t i = 0; i < kPerThread; ++i)
                        mine.push_back(publish(*node, groove_event("load", i)));
                } catch (const std::exception& e) {
                    std::lock_guard lock(mutex);
                    errors.push_back(e.what());
                }
                std::lock_guard lock(mutex);
                answered.insert(answered.end(), mine.begin(), mine.end());
            });
        }
    }
    for (auto& publisher : publishers) publisher.join();
    INFO((errors.empty() ? "" : errors.front()));
    REQUIRE(errors.empty());
    std::sort(answered.begin(), answered.end());
    CHECK(answered == one_to(kTotal));

    for (const SseCollector* follower : {&follower_a, &follower_b}) {
        const bool complete = follower->wait_for_count(kTotal, std::chrono::seconds(60));
        const auto seqs = seqs_of(follower->events());
        INFO((follower == &follower_a ? "node A" : "node B")
             << "'s follower got " << seqs.size() << " events; the first out of order after " <<
             [&] {
                 const auto it = std::adjacent_find(
                     seqs.begin(), seqs.end(), [](uint64_t x, uint64_t y) { return y != x + 1; });
                 return it == seqs.end() ? std::string("none") : std::to_string(*it);
             }());
        CHECK(complete);
        CHECK(seqs == one_to(kTotal));
    }
}

TEST_CASE("redis bus: Redis killed and restarted mid-stream", "[integration][redis]") {
    RedisServer redis = RedisServer::start();
    const std::string prefix = unique_prefix("restart");
    auto a = start_node(redis.url(), prefix, enabled_plugin_table("groove"));
    auto b = start_node(redis.unix_url(), prefix, enabled_plugin_table("groove"));
    require_ready(a);
    require_ready(b);
    WsCollector groove_a(a.plugin_port("groove"));
    WsCollector groove_b(b.plugin_port("groove"));
    SseCollector follower_a(a.control_port(), "/api/v1/events?stream=groove");
    SseCollector follower_b(b.control_port(), "/api/v1/events?stream=groove");

    Publisher publisher(a);
    REQUIRE(wait_until([&] { return publisher.succeeded() >= 30; }, kWait));

    redis.kill();
    CHECK(wait_until([&] { return readyz(a) == 503 && readyz(b) == 503; }, kWait));
    // Refused while Redis is down, on either node; these never reach a client.
    check_bus_unavailable(try_publish(a, groove_event("refused", 0)));
    check_bus_unavailable(try_publish(b, groove_event("refused", 0)));
    REQUIRE(wait_until([&] { return publisher.refused() >= 3; }, kWait));
    CHECK_FALSE(groove_a.ended());
    CHECK_FALSE(groove_b.ended());
    CHECK_FALSE(follower_a.ended());
    CHECK_FALSE(follower_b.ended());

    const size_t before_restart = publisher.succeeded();
    redis.restart();
    {
        INFO("redis log:\n" << redis.log());
        REQUIRE(wait_until([&] { return ready(a) && ready(b); }, kRecover,
                           std::chrono::milliseconds(20)));
        REQUIRE(wait_until([&] { return publisher.succeeded() >= before_restart + 30; }, kWait));
    }
    publisher.stop();
    const auto outcomes = publisher.outcomes();
    // Every refusal the publisher got says why, the same way.
    for (const auto& outcome : outcomes) {
        if (outcome.status == 200) continue;
        INFO("publish of n = " << outcome.n << " answered " << outcome.status << ": "
                               << outcome.body);
        CHECK(outcome.status == 503);
        CHECK(outcome.body.find("BUS_UNAVAILABLE") != std::string::npos);
    }
    // The last event, through B: it reaches every client after all of A's.
    const uint64_t last_n = outcomes.back().n + 1;
    publish(b, groove_event("last", last_n));

    for (const WsCollector* client : {&groove_a, &groove_b}) {
        const std::string name = client == &groove_a ? "A's groove client" : "B's groove client";
        INFO(name << " ended: " << client->end_reason());
        CHECK(client->wait_for_n(last_n));
        CHECK_FALSE(client->ended());
        std::vector<uint64_t> ns;
        for (const auto& text : client->messages()) {
            INFO(name << " got " << text);
            CHECK(n_of(text).value_or(0) != 0); // no refused event, nothing unexpected
            ns.push_back(n_of(text).value_or(0));
        }
        check_in_order_and_complete(ns, outcomes, name);
    }
    for (const SseCollector* follower : {&follower_a, &follower_b}) {
        const std::string name = follower == &follower_a ? "A's follower" : "B's follower";
        CHECK(wait_until(
            [&] {
                const auto events = follower->events();
                return !events.empty() && n_of(events.back().data) == last_n;
            },
            kWait));
        CHECK_FALSE(follower->ended());
        const auto events = follower->events();
        INFO(name << " got " << describe(events));
        std::vector<uint64_t> ns;
        for (const auto& event : events) {
            CHECK(event.event == ""); // nothing was trimmed: no gap
            CHECK(n_of(event.data).value_or(0) != 0);
            ns.push_back(n_of(event.data).value_or(0));
            // Each event that was answered carries the seq its publish got.
            const auto n = n_of(event.data).value_or(0);
            if (n >= 1 && n <= outcomes.size() && outcomes[n - 1].status == 200)
                CHECK(event_seq(event) == outcomes[n - 1].seq);
        }
        CHECK(strictly_increasing(seqs_with_id(events)));
        check_in_order_and_complete(ns, outcomes, name);
    }
}

namespace {

// Node A on Redis directly, node B through a relay, both with replay = 10. The test opens
// B's clients; A publishes 1..5 on `topic` (B live); B is cut off; A publishes `during`
// more; B's link comes back; A publishes one more, the last.
struct Outage {
    static constexpr uint64_t kBefore = 5;

    RedisServer& redis = shared_redis();
    TcpRelay relay{redis.port()};
    std::string prefix;
    std::string topic;
    uint64_t during;
    KernelProcess a;
    KernelProcess b;

    Outage(std::string_view name, std::string_view plugin_tables, std::string_view topic,
           uint64_t during)
        : prefix(unique_prefix(name)),
          topic(topic),
          during(during),
          a(start_node(redis.url(), prefix, plugin_tables, "replay = 10\n")),
          b(start_node(tcp_url(relay.port()), prefix, plugin_tables, "replay = 10\n")) {
        require_ready(a);
        require_ready(b);
    }

    uint64_t last() const { return kBefore + during + 1; }

    void publish_before() {
        for (uint64_t n = 1; n <= kBefore; ++n)
            REQUIRE(publish(a, numbered_event(topic, "before", n)) == n);
    }

    // Cuts B off as `how` says, publishes on A meanwhile, lets B back and publishes last().
    void cut_publish_resume(RelayPause how) {
        relay.pause(how);
        // Nothing reaches B from here on, noticed or not: a reset link is noticed at once, a
        // silent one by the engine's reply deadline; B is not ready meanwhile.
        CHECK(wait_until([&] { return readyz(b) == 503; }, kWait));
        std::vector<std::string> events;
        for (uint64_t n = kBefore + 1; n <= kBefore + during; ++n)
            events.push_back(numbered_event(topic, "during", n));
        REQUIRE(publish_all(a, events).back() == kBefore + during);
        relay.resume();
        require_ready(b);
        REQUIRE(publish(a, numbered_event(topic, "after", last())) == last());
    }
};

// Publishing far more than Redis keeps: MAXLEN ~ trims whole nodes of 100 entries, so with
// 250 entries 6.. are gone whatever the engine's trimming (approximate or exact).
constexpr uint64_t kTrimmedDuring = 250;

// True when `seqs` are consecutive and end at `last`.
bool contiguous_to(const std::vector<uint64_t>& seqs, uint64_t last) {
    if (seqs.empty() || seqs.back() != last) return false;
    for (size_t i = 1; i < seqs.size(); ++i)
        if (seqs[i] != seqs[i - 1] + 1) return false;
    return true;
}

} // namespace

TEST_CASE("redis bus: entries trimmed while node B was cut off reach B's SSE follower as a gap",
          "[integration][redis]") {
    Outage outage("trim_sse", "", "groove", kTrimmedDuring);
    SseCollector follower(outage.b.control_port(), "/api/v1/events?stream=groove");
    outage.publish_before();
    REQUIRE(follower.wait_for_seq(Outage::kBefore));

    outage.cut_publish_resume(RelayPause::Drop);
    REQUIRE(follower.wait_for_seq(outage.last()));
    const auto events = follower.events();
    INFO(describe(events));
    REQUIRE(events.size() > Outage::kBefore + 1);
    const std::vector<SseEvent> before(events.begin(), events.begin() + Outage::kBefore);
    CHECK(seqs_of(before) == one_to(Outage::kBefore));
    // Then the gap, once, saying where this follower's events stopped...
    const SseEvent& gap = events[Outage::kBefore];
    CHECK(gap.event == "gap");
    CHECK_FALSE(gap.id.has_value());
    const json::value gap_json = parse_json(gap.data);
    CHECK(string_field(gap_json, "stream") == "groove");
    CHECK(gap_json.at("after").to_number<uint64_t>() == Outage::kBefore);
    // ...then contiguous events from a seq past the trimmed ones to the last.
    const std::vector<SseEvent> rest(events.begin() + Outage::kBefore + 1, events.end());
    for (const auto& event : rest) CHECK(event.event == "");
    const auto rest_seqs = seqs_of(rest);
    CHECK(rest_seqs.front() > Outage::kBefore + 1);
    CHECK(contiguous_to(rest_seqs, outage.last()));
}

TEST_CASE(
    "redis bus: entries trimmed while node B was cut off reach B's CLI-JAW listener as "
    "replay_gap",
    "[integration][redis][clijaw]") {
    Outage outage("trim_clijaw", enabled_plugin_table("clijaw"), "clijaw/agent", kTrimmedDuring);
    SseCollector listener(outage.b.plugin_port("clijaw"), "/api/events");
    outage.publish_before();
    REQUIRE(listener.wait_for_seq(Outage::kBefore));

    outage.cut_publish_resume(RelayPause::Drop);
    REQUIRE(listener.wait_for_seq(outage.last()));
    const auto events = listener.events();
    INFO(describe(events));
    REQUIRE(events.size() > Outage::kBefore + 1);
    const std::vector<SseEvent> before(events.begin(), events.begin() + Outage::kBefore);
    CHECK(seqs_of(before) == one_to(Outage::kBefore));
    // The seed's gap frame: no id line, so the client's last id stays where it was.
    const SseEvent& gap = events[Outage::kBefore];
    CHECK(gap.data == kClijawGap);
    CHECK_FALSE(gap.id.has_value());
    const std::vector<SseEvent> rest(events.begin() + Outage::kBefore + 1, events.end());
    const auto rest_seqs = seqs_of(rest);
    CHECK(rest_seqs.front() > Outage::kBefore + 1);
    CHECK(contiguous_to(rest_seqs, outage.last()));
}

TEST_CASE("redis bus: node B's Redis link going silent is noticed, then B catches up",
          "[integration][redis]") {
    // Few enough events during the silence that Redis keeps them all: no gap, no loss.
    Outage outage("silent", enabled_plugin_table("groove"), "groove", 4);
    SseCollector follower(outage.b.control_port(), "/api/v1/events?stream=groove");
    WsCollector groove(outage.b.plugin_port("groove"));
    outage.publish_before();
    REQUIRE(follower.wait_for_seq(Outage::kBefore));

    outage.cut_publish_resume(RelayPause::Hold);
    CHECK(follower.wait_for_seq(outage.last()));
    const auto events = follower.events();
    INFO(describe(events));
    CHECK(seqs_of(events) == one_to(outage.last())); // a gap frame would show as a 0
    CHECK(groove.wait_for_n(outage.last()));
    std::vector<uint64_t> ns;
    for (const auto& text : groove.messages()) ns.push_back(n_of(text).value_or(0));
    CHECK(ns == one_to(outage.last()));
    CHECK_FALSE(follower.ended());
    CHECK_FALSE(groove.ended());
}

TEST_CASE("redis bus: a node started while Redis is down serves, and is ready once Redis comes",
          "[integration][redis]") {
    RedisServer redis = RedisServer::start();
    redis.kill(); // the port and the data dir stay, for restart()
    const std::string prefix = unique_prefix("down_at_start");
    // KernelProcess waits for the ready line: the node starts without Redis.
    auto node = start_node(redis.url(), prefix, enabled_plugin_table("groove"));
    CHECK(readyz(node) == 503);
    check_bus_unavailable(try_publish(node, groove_event("refused", 1)));
    // Its clients are served meanwhile.
    SseCollector follower(node.control_port(), "/api/v1/events?stream=groove");
    auto groove = WsClient::connect(node.plugin_port("groove"));

    redis.restart();
    require_ready(node);
    const uint64_t seq = publish(node, groove_event("first", 2));
    CHECK(seq == 1); // the refused publish took no seq
    CHECK(follower.wait_for_seq(seq));
    CHECK(next_text_or_why(groove) == R"({"event":"first","data":{"n":2}})");
}

TEST_CASE("tcp relay: forwards both ways, drops or holds when paused, forwards again on resume",
          "[integration][relay]") {
    // Any TCP server will do: a kernel's control API (memory bus), reached through the relay.
    auto kernel = KernelProcess::start(enabled_plugin_table("groove"));
    TcpRelay relay(kernel.control_port());
    const HttpClient through(relay.port(), {}, "127.0.0.1", std::chrono::milliseconds(500));
    CHECK(through.get("/readyz").status == 200);
    SseCollector follower(relay.port(), "/api/v1/events?stream=groove");
    WsCollector groove(kernel.plugin_port("groove"));
    // The follower's link; the GET's goes once both ends closed it.
    CHECK(wait_until([&] { return relay.open_connections() == 1; }, kWait));
    const uint64_t seq = publish(kernel, groove_event("relayed", 1));
    CHECK(follower.wait_for_seq(seq));
    CHECK(groove.wait_for_n(1));

    relay.pause(RelayPause::Drop);
    CHECK(wait_until([&] { return follower.ended(); }, kWait));
    CHECK(relay.open_connections() == 0);
    CHECK_THROWS(through.get("/readyz"));
    relay.resume();
    CHECK(through.get("/readyz").status == 200);

    relay.pause(RelayPause::Hold);
    const uint64_t accepted = relay.accepted();
    CHECK_THROWS(through.get("/readyz")); // accepted, never answered
    CHECK(relay.accepted() == accepted + 1);
    relay.resume();
    CHECK(through.get("/readyz").status == 200);
    CHECK_FALSE(groove.ended());
}

// What only the redis engine has (bus_test.cpp holds the contract both engines keep):
// several nodes on one Redis sharing one numbering, a node joining late, entries trimmed
// before a node read them, a client's cursor ahead of a node, Redis lost and back, Redis
// that lost its data, entries no node wrote, and trimming by the stream's limits.
#include "bus/redis_engine.hpp"

#include "bus/redis_codec.hpp"
#include "bus_collector.hpp"
#include "redis_bus_fixture.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace switchyard;
using namespace switchyard::test;
using namespace std::chrono_literals;

namespace {

constexpr auto kWait = 10s;

Event event_on(std::string topic, std::string type = "tick", std::string data = "{}") {
    Event event;
    event.topic = std::move(topic);
    event.type = std::move(type);
    event.data = std::move(data);
    return event;
}

// Two nodes of one deployment on the shared Redis.
struct TwoNodes {
    explicit TwoNodes(ReplayPolicy replay = {}) : prefix(fresh_key_prefix()) {
        a = connected_redis_engine(shared_redis().unix_url(), prefix, replay);
        b = connected_redis_engine(shared_redis().url(), prefix, replay); // one by TCP
    }
    std::string prefix;
    std::unique_ptr<BusEngine> a;
    std::unique_ptr<BusEngine> b;
};

} // namespace

TEST_CASE("redis engine: what one node publishes reaches the other's subscribers, every field",
          "[bus][redis]") {
    TwoNodes nodes;
    Collector on_b;
    nodes.b->subscribe("s", on_b.sink());

    Event event = event_on("s/detail", "update", R"({"n":1,"text":"a\u0000b"})");
    event.id = "corr-1";
    event.priority = "high";
    event.scope = R"({"conn":"42"})";
    event.visibility = Visibility::Internal;
    const EventPtr published = nodes.a->publish(event);
    REQUIRE(published->seq == 1);

    REQUIRE(wait_until([&] { return on_b.size() == 1; }, kWait));
    const EventPtr got = on_b.events().front();
    CHECK(got->seq == 1);
    CHECK(got->stream == "s");
    CHECK(got->topic == "s/detail");
    CHECK(got->type == "update");
    CHECK(got->data == event.data);
    CHECK(got->id == "corr-1");
    CHECK(got->priority == "high");
    CHECK(got->scope == event.scope);
    CHECK(got->visibility == Visibility::Internal);
    CHECK(got->ts == published->ts);
    CHECK(nodes.b->last_seq("s") == 1);
}

TEST_CASE(
    "redis engine: a node that joins later holds the history for replay, delivers only "
    "what comes after",
    "[bus][redis]") {
    const std::string prefix = fresh_key_prefix();
    auto a = connected_redis_engine(shared_redis().unix_url(), prefix, ReplayPolicy({3}));
    for (int i = 0; i < 5; ++i) a->publish(event_on("s"));

    auto b = connected_redis_engine(shared_redis().unix_url(), prefix, ReplayPolicy({3}));
    CHECK(b->last_seq("s") == 5);
    const ReplayResult held = b->replay_after("s", 2);
    CHECK(seqs_of(held.events) == seq_range(3, 5));
    CHECK_FALSE(held.gap);
    CHECK(b->replay_after("s", 1).gap); // its ring holds 3, as a's does

    Collector on_b;
    b->subscribe("s", on_b.sink());
    a->publish(event_on("s"));
    REQUIRE(wait_until([&] { return on_b.size() == 1; }, kWait));
    CHECK(on_b.seqs() == std::vector<uint64_t>{6});
}

TEST_CASE("redis engine: publishers on two nodes at once share one gap-free sequence",
          "[bus][redis]") {
    TwoNodes nodes;
    Collector on_a, on_b;
    nodes.a->subscribe("s", on_a.sink());
    nodes.b->subscribe("s", on_b.sink());
    constexpr int kPerThread = 500;
    std::mutex seqs_mutex;
    std::vector<uint64_t> returned;
    std::vector<std::thread> publishers;
    for (BusEngine* node : {nodes.a.get(), nodes.b.get()}) {
        for (int t = 0; t < 2; ++t) {
            publishers.emplace_back([&, node] {
                for (int i = 0; i < kPerThread; ++i) {
                    const uint64_t seq = node->publish(event_on("s/x"))->seq;
                    std::lock_guard lock(seqs_mutex);
                    returned.push_back(seq);
                }
            });
        }
    }
    for (auto& publisher : publishers) publisher.join();
    constexpr uint64_t kTotal = 4 * kPerThread;
    std::sort(returned.begin(), returned.end());
    CHECK(returned == seq_range(1, kTotal));
    REQUIRE(wait_until([&] { return on_a.size() >= kTotal && on_b.size() >= kTotal; }, kWait));
    CHECK(on_a.seqs() == seq_range(1, kTotal));
    CHECK(on_b.seqs() == seq_range(1, kTotal));
}

TEST_CASE("redis engine: entries trimmed before a node read them are a gap, live and in replay",
          "[bus][redis]") {
    TwoNodes nodes;
    Collector on_b;
    nodes.b->subscribe("s", on_b.sink());
    for (int i = 0; i < 3; ++i) nodes.a->publish(event_on("s"));
    REQUIRE(wait_until([&] { return on_b.size() == 3; }, kWait));

    // As if 4..9 had been appended and trimmed while b was away: the next entry is 10.
    const auto added =
        shared_redis().command({"XADD", redis_codec::stream_key(nodes.prefix, "s"), "0-10", "t",
                                "s", "y", "tick", "d", "{}", "ts", "0"});
    REQUIRE(added.text == "0-10");
    REQUIRE(wait_until([&] { return on_b.size() == 4; }, kWait));
    CHECK(on_b.seqs() == std::vector<uint64_t>{1, 2, 3, 10});
    CHECK(nodes.b->stats().gaps == 1);
    CHECK(nodes.b->replay_after("s", 3).gap);
    CHECK(seqs_of(nodes.b->replay_after("s", 9).events) == std::vector<uint64_t>{10});
    CHECK_FALSE(nodes.b->replay_after("s", 9).gap);

    CHECK(nodes.a->publish(event_on("s"))->seq == 11);
    REQUIRE(wait_until([&] { return on_b.size() == 5; }, kWait));
    CHECK(on_b.seqs().back() == 11);
}

TEST_CASE(
    "redis engine: a cursor from another node, ahead of this node's mirror, is caught up, "
    "not a gap",
    "[bus][redis]") {
    TwoNodes nodes;
    nodes.b->subscribe("s", [](const EventPtr&) {}); // b follows s from the start
    for (int i = 0; i < 200; ++i) {
        const uint64_t seq = nodes.a->publish(event_on("s"))->seq;
        // A client that saw `seq` on a moves to b at once: b may not have read it yet.
        const ReplayResult replay = nodes.b->replay_after("s", seq);
        REQUIRE_FALSE(replay.gap);
        REQUIRE(replay.last_seq >= seq);
    }
    const uint64_t last = nodes.a->last_seq("s");
    ReplayResult replay;
    nodes.b->subscribe(
        "s", [](const EventPtr&) {}, last, &replay);
    CHECK_FALSE(replay.gap);
    // A cursor Redis never reached is a gap, answered without waiting for anything.
    CHECK(nodes.b->replay_after("s", last + 100).gap);
}

TEST_CASE(
    "redis engine: Redis lost and back: publishes fail fast meanwhile, then resume with "
    "nothing lost or repeated",
    "[bus][redis]") {
    RedisServer redis = RedisServer::start();
    const std::string prefix = fresh_key_prefix();
    auto a = connected_redis_engine(redis.unix_url(), prefix, {}, 300ms);
    auto b = connected_redis_engine(redis.url(), prefix, {}, 300ms);
    Collector on_a, on_b;
    a->subscribe("s", on_a.sink());
    b->subscribe("s", on_b.sink());
    for (int i = 0; i < 10; ++i) a->publish(event_on("s"));
    REQUIRE(wait_until([&] { return on_b.size() == 10; }, kWait));

    redis.kill();
    REQUIRE(wait_until([&] { return !a->available() && !b->available(); }, kWait));
    CHECK_THROWS_AS(a->publish(event_on("s")), BusUnavailable);
    CHECK_THAT(a->unavailable_reason(), Catch::Contains("not connected"));
    std::exception_ptr async_error;
    std::atomic<bool> answered{false};
    a->publish_async({event_on("s")}, [&](std::vector<EventPtr> published, std::exception_ptr e) {
        CHECK(published.empty());
        async_error = e;
        answered = true;
    });
    REQUIRE(wait_until([&] { return answered.load(); }, kWait));
    CHECK_THROWS_AS(std::rethrow_exception(async_error), BusUnavailable);

    redis.restart();
    REQUIRE(wait_until([&] { return a->available() && b->available(); }, kWait));
    for (int i = 0; i < 5; ++i) b->publish(event_on("s"));
    REQUIRE(wait_until([&] { return on_a.size() == 15 && on_b.size() == 15; }, kWait));
    CHECK(on_a.seqs() == seq_range(1, 15));
    CHECK(on_b.seqs() == seq_range(1, 15));
    CHECK(a->stats().reconnects == 1);
    CHECK(b->stats().reconnects == 1);
    CHECK(a->stats().publish_failures == 2); // the publish and the publish_async
    CHECK(b->stats().publish_failures == 0);
}

TEST_CASE("redis engine: started while Redis is down, it connects when Redis comes",
          "[bus][redis]") {
    RedisServer redis = RedisServer::start();
    redis.kill();
    RedisEngineOptions options;
    options.endpoint = std::get<RedisEndpoint>(parse_redis_url(redis.url()));
    options.key_prefix = fresh_key_prefix();
    options.timeout = 300ms;
    auto bus = make_redis_engine(std::move(options));
    CHECK_FALSE(bus->available());
    CHECK_THROWS_AS(bus->publish(event_on("s")), BusUnavailable);
    redis.restart();
    REQUIRE(wait_until([&] { return bus->available(); }, kWait));
    CHECK(bus->publish(event_on("s"))->seq == 1);
}

TEST_CASE(
    "redis engine: Redis that lost a stream's entries numbers it again, and the node "
    "follows",
    "[bus][redis]") {
    RedisServer redis = RedisServer::start();
    const std::string prefix = fresh_key_prefix();
    auto bus = connected_redis_engine(redis.unix_url(), prefix, {}, 300ms);
    Collector collector;
    bus->subscribe("s", collector.sink());
    for (int i = 0; i < 5; ++i) bus->publish(event_on("s"));
    REQUIRE(wait_until([&] { return collector.size() == 5; }, kWait));
    // Gone from Redis (as after a flush, or a crash before its AOF was written).
    redis.command({"DEL", redis_codec::stream_key(prefix, "s")});
    redis.kill();
    REQUIRE(wait_until([&] { return !bus->available(); }, kWait));
    redis.restart();
    REQUIRE(wait_until([&] { return bus->available(); }, kWait));

    CHECK(bus->last_seq("s") == 0);
    CHECK(bus->stats().resets == 1);
    CHECK(bus->publish(event_on("s"))->seq == 1);
    REQUIRE(wait_until([&] { return collector.size() == 6; }, kWait));
    CHECK(collector.seqs().back() == 1);
    CHECK(bus->publish(event_on("s"))->seq == 2);
}

TEST_CASE("redis engine: an entry no node wrote is skipped once, not read again", "[bus][redis]") {
    TwoNodes nodes;
    Collector on_b;
    nodes.b->subscribe("s", on_b.sink());
    nodes.a->publish(event_on("s"));
    const std::string key = redis_codec::stream_key(nodes.prefix, "s");
    // No topic or type: not an event. Its seq is taken all the same.
    REQUIRE(shared_redis().command({"XADD", key, "0-*", "x", "1"}).text == "0-2");
    CHECK(nodes.a->publish(event_on("s"))->seq == 3);
    REQUIRE(wait_until([&] { return on_b.size() == 2; }, kWait));
    CHECK(on_b.seqs() == std::vector<uint64_t>{1, 3});
}

TEST_CASE(
    "redis engine: Redis keeps about the stream's replay size, and no more events than "
    "its byte budget holds",
    "[bus][redis]") {
    const std::string prefix = fresh_key_prefix();
    ReplayPolicy policy(ReplayLimits{10, 1 << 30}, {{"big", ReplayLimits{100, 1 << 20}}});
    auto bus = connected_redis_engine(shared_redis().unix_url(), prefix, policy);
    for (int i = 0; i < 500; ++i) bus->publish(event_on("small"));
    const std::string big_data = "\"" + std::string(300 * 1024, 'x') + "\"";
    for (int i = 0; i < 10; ++i) bus->publish(event_on("big", "dex", big_data));

    auto length = [&](const std::string& stream) {
        return std::stoul(
            shared_redis().command({"XLEN", redis_codec::stream_key(prefix, stream)}).text);
    };
    // MAXLEN ~ trims whole nodes of 100 entries: at least 10 kept, far fewer than 500.
    CHECK(length("small") >= 10);
    CHECK(length("small") <= 210);
    CHECK(length("big") == 3); // 1 MiB / ~300 KiB, exactly
    CHECK(bus->replay_after("big", 0).events.size() == 3);
}

TEST_CASE("redis engine: stop() ends delivery and publishing, and keeps what it holds",
          "[bus][redis]") {
    TwoNodes nodes;
    Collector on_a, on_b;
    nodes.a->subscribe("s", on_a.sink());
    nodes.b->subscribe("s", on_b.sink());
    nodes.a->publish(event_on("s"));
    REQUIRE(wait_until([&] { return on_b.size() == 1; }, kWait));

    nodes.b->stop();
    CHECK_FALSE(nodes.b->available());
    CHECK_THROWS_AS(nodes.b->publish(event_on("s")), BusUnavailable);
    nodes.a->publish(event_on("s"));
    // A third node sees the second event: b, stopped, must not have.
    auto c = connected_redis_engine(shared_redis().unix_url(), nodes.prefix);
    REQUIRE(wait_until([&] { return c->last_seq("s") == 2; }, kWait));
    CHECK(on_b.seqs() == std::vector<uint64_t>{1});
    CHECK(nodes.b->last_seq("s") == 1);
    CHECK(nodes.b->replay_after("s", 0).events.size() == 1);
    nodes.b->stop(); // a second stop is harmless
}

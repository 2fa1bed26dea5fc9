#include "bus/memory_engine.hpp"
#include "bus_collector.hpp"
#include "redis_bus_fixture.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

using namespace switchyard;
using namespace switchyard::test;

namespace {

constexpr auto kWaitLimit = std::chrono::seconds(10);

Event event_on(std::string topic, std::string type = "tick") {
    Event event;
    event.topic = std::move(topic);
    event.type = std::move(type);
    return event;
}

// A one-shot signal between threads, waited on with a time limit.
class Flag {
  public:
    void set() {
        {
            std::lock_guard lock(mutex_);
            set_ = true;
        }
        changed_.notify_all();
    }
    bool wait() {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, kWaitLimit, [this] { return set_; });
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    bool set_ = false;
};

// The engine contract holds for every engine: each test below runs once per engine.
struct MemoryBus {
    static std::unique_ptr<BusEngine> make(ReplayPolicy replay) {
        return make_memory_engine(std::move(replay));
    }
    static std::unique_ptr<BusEngine> make(size_t capacity) {
        return make(ReplayPolicy(ReplayLimits{capacity}));
    }
};

struct RedisBus {
    static std::unique_ptr<BusEngine> make(ReplayPolicy replay) {
        return test::connected_redis_engine(test::shared_redis().unix_url(),
                                            test::fresh_key_prefix(), std::move(replay));
    }
    static std::unique_ptr<BusEngine> make(size_t capacity) {
        return make(ReplayPolicy(ReplayLimits{capacity}));
    }
};

} // namespace

TEST_CASE("each engine names itself", "[bus]") {
    CHECK(MemoryBus::make(4)->engine_name() == "memory");
    CHECK(RedisBus::make(4)->engine_name() == "redis");
}

TEST_CASE("stream_of takes the topic up to its first slash", "[bus]") {
    CHECK(stream_of("clijaw/agent") == "clijaw");
    CHECK(stream_of("claudecontrol/ws_abc/x") == "claudecontrol");
    CHECK(stream_of("groove") == "groove");
}

TEST_CASE("is_valid_topic accepts stream and stream/subtopic names", "[bus]") {
    CHECK(is_valid_topic("groove"));
    CHECK(is_valid_topic("clijaw/agent"));
    CHECK(is_valid_topic("a/b/c"));
    CHECK(is_valid_topic("Az09_.:-/x"));
    CHECK(is_valid_topic(std::string(255, 'a')));
}

TEST_CASE("is_valid_topic rejects malformed topics", "[bus]") {
    for (const std::string topic :
         {"", "/", "/a", "a/", "a//b", "a b", "a?b", "a#", "caf\xc3\xa9", "a\\b", "a\nb"}) {
        INFO("topic: " << topic);
        CHECK_FALSE(is_valid_topic(topic));
    }
    CHECK_FALSE(is_valid_topic(std::string(256, 'a')));
    CHECK_FALSE(is_valid_topic(std::string("a\0b", 3)));
}

TEMPLATE_TEST_CASE("publish assigns stream, seq and ts", "[bus]", MemoryBus, RedisBus) {
    auto bus = TestType::make(16);
    using namespace std::chrono;
    const auto before = duration_cast<milliseconds>(system_clock::now().time_since_epoch());
    const EventPtr event = bus->publish(event_on("clijaw/agent"));
    const auto after = duration_cast<milliseconds>(system_clock::now().time_since_epoch());
    CHECK(event->stream == "clijaw");
    CHECK(event->topic == "clijaw/agent");
    CHECK(event->seq == 1);
    CHECK(event->ts >= before.count());
    CHECK(event->ts <= after.count());
}

TEMPLATE_TEST_CASE("publish ignores a stream, seq or ts set by the publisher", "[bus]", MemoryBus,
                   RedisBus) {
    auto bus = TestType::make(16);
    Event event = event_on("groove");
    event.stream = "other";
    event.seq = 77;
    event.ts = 5;
    const EventPtr published = bus->publish(event);
    CHECK(published->stream == "groove");
    CHECK(published->seq == 1);
    CHECK(published->ts != 5);
}

TEMPLATE_TEST_CASE("sequence numbers are per stream, from 1, strictly increasing", "[bus]",
                   MemoryBus, RedisBus) {
    auto bus = TestType::make(16);
    CHECK(bus->publish(event_on("a"))->seq == 1);
    CHECK(bus->publish(event_on("a/x"))->seq == 2);
    CHECK(bus->publish(event_on("b/x"))->seq == 1);
    CHECK(bus->publish(event_on("a/y"))->seq == 3);
    CHECK(bus->publish(event_on("b"))->seq == 2);
    CHECK(bus->last_seq("a") == 3);
    CHECK(bus->last_seq("b") == 2);
    CHECK(bus->last_seq("c") == 0);
}

TEMPLATE_TEST_CASE("publish carries every field the publisher set", "[bus]", MemoryBus, RedisBus) {
    auto bus = TestType::make(16);
    Collector collector;
    bus->subscribe("jarvis", collector.sink());
    Event event = event_on("jarvis/x", "chat");
    event.data = R"({"text":"hi"})";
    event.id = "req-1";
    event.priority = "high";
    event.scope = R"({"conn":"7"})";
    event.visibility = Visibility::Internal;
    const EventPtr published = bus->publish(event);
    for (const EventPtr& seen : {published, collector.events().at(0)}) {
        CHECK(seen->type == "chat");
        CHECK(seen->data == R"({"text":"hi"})");
        CHECK(seen->id == "req-1");
        CHECK(seen->priority == "high");
        CHECK(seen->scope == R"({"conn":"7"})");
        CHECK(seen->visibility == Visibility::Internal);
    }
    CHECK(bus->publish(event_on("jarvis"))->visibility == Visibility::Public);
    CHECK(bus->publish(event_on("jarvis"))->data == "{}");
}

TEMPLATE_TEST_CASE("publish rejects an invalid topic or an empty type without taking a seq",
                   "[bus]", MemoryBus, RedisBus) {
    auto bus = TestType::make(16);
    CHECK_THROWS_AS(bus->publish(event_on("")), std::invalid_argument);
    CHECK_THROWS_AS(bus->publish(event_on("a//b")), std::invalid_argument);
    CHECK_THROWS_AS(bus->publish(event_on("a/")), std::invalid_argument);
    CHECK_THROWS_AS(bus->publish(event_on("/a")), std::invalid_argument);
    CHECK_THROWS_AS(bus->publish(event_on("a b")), std::invalid_argument);
    CHECK_THROWS_AS(bus->publish(event_on("a", "")), std::invalid_argument);
    CHECK(bus->last_seq("a") == 0);
    CHECK(bus->publish(event_on("a"))->seq == 1);
}

TEMPLATE_TEST_CASE("a subscriber gets every topic of its stream and nothing else", "[bus]",
                   MemoryBus, RedisBus) {
    auto bus = TestType::make(16);
    Collector collector;
    bus->subscribe("clijaw", collector.sink());
    const EventPtr first = bus->publish(event_on("clijaw"));
    bus->publish(event_on("clijawx/agent"));
    bus->publish(event_on("other/clijaw"));
    const EventPtr second = bus->publish(event_on("clijaw/agent"));
    const std::vector<EventPtr> seen = collector.events();
    REQUIRE(seen.size() == 2);
    CHECK(seen[0]->seq == first->seq);
    CHECK(seen[1]->seq == second->seq);
    CHECK(seen[1]->topic == "clijaw/agent");
    if constexpr (std::is_same_v<TestType, MemoryBus>) {
        CHECK(seen[0] == first); // the same shared event, not a copy
        CHECK(seen[1] == second);
    } // redis: what a node delivers may be its follower's copy, read back from Redis
}

TEMPLATE_TEST_CASE("subscribe with after_seq returns the replay, without it leaves replay alone",
                   "[bus]", MemoryBus, RedisBus) {
    auto bus = TestType::make(3);
    for (int i = 0; i < 5; ++i) bus->publish(event_on("s")); // holds 3, 4, 5

    ReplayResult replay;
    Collector collector;
    bus->subscribe("s", collector.sink(), 3, &replay);
    CHECK(seqs_of(replay.events) == std::vector<uint64_t>{4, 5});
    CHECK_FALSE(replay.gap);
    CHECK(replay.last_seq == 5);

    bus->subscribe("s", collector.sink(), 1, &replay);
    CHECK(seqs_of(replay.events) == std::vector<uint64_t>{3, 4, 5});
    CHECK(replay.gap);

    ReplayResult untouched;
    untouched.last_seq = 99;
    bus->subscribe("s", collector.sink(), std::nullopt, &untouched);
    CHECK(untouched.last_seq == 99);
    CHECK(untouched.events.empty());
    CHECK(collector.events().empty()); // replayed events are not also delivered live
}

TEMPLATE_TEST_CASE("replay_after on known and unknown streams", "[bus]", MemoryBus, RedisBus) {
    auto bus = TestType::make(2);
    for (int i = 0; i < 4; ++i) bus->publish(event_on("s/t"));

    CHECK(seqs_of(bus->replay_after("s", 2).events) == std::vector<uint64_t>{3, 4});
    CHECK_FALSE(bus->replay_after("s", 2).gap);
    CHECK(bus->replay_after("s", 1).gap);
    CHECK(bus->replay_after("s", 5).gap);
    CHECK(bus->replay_after("s", 4).events.empty());

    const ReplayResult unknown = bus->replay_after("nope", 0);
    CHECK(unknown.events.empty());
    CHECK_FALSE(unknown.gap);
    CHECK(unknown.last_seq == 0);
    CHECK(bus->replay_after("nope", 3).gap);
}

TEMPLATE_TEST_CASE("a stream with limits of its own keeps what they allow, the others the default",
                   "[bus]", MemoryBus, RedisBus) {
    std::map<std::string, ReplayLimits, std::less<>> per_stream;
    per_stream.emplace("big", ReplayLimits{1000, 1 << 20});
    per_stream.emplace("short", ReplayLimits{2, 1 << 30});
    auto bus = TestType::make(ReplayPolicy(ReplayLimits{5, 1 << 30}, std::move(per_stream)));
    for (int i = 0; i < 8; ++i) {
        bus->publish(event_on("other"));
        bus->publish(event_on("short/x"));
        Event large = event_on("big/dex");
        large.data = "\"" + std::string(700 << 10, 'A') + "\"";
        bus->publish(std::move(large));
    }
    CHECK(seqs_of(bus->replay_after("other", 0).events) == std::vector<uint64_t>{4, 5, 6, 7, 8});
    CHECK(seqs_of(bus->replay_after("short", 0).events) == std::vector<uint64_t>{7, 8});
    // Two 700 KiB events do not fit in 1 MiB: only the newest is kept.
    CHECK(seqs_of(bus->replay_after("big", 0).events) == std::vector<uint64_t>{8});
    Event small = event_on("big/status");
    bus->publish(std::move(small));
    CHECK(seqs_of(bus->replay_after("big", 0).events) == std::vector<uint64_t>{8, 9});
}

TEMPLATE_TEST_CASE("stream_stats reports each stream's seq, ring fill and subscribers", "[bus]",
                   MemoryBus, RedisBus) {
    std::map<std::string, ReplayLimits, std::less<>> per_stream;
    per_stream.emplace("small", ReplayLimits{2, 1 << 20});
    auto bus = TestType::make(ReplayPolicy(ReplayLimits{100, 1 << 30}, std::move(per_stream)));
    CHECK(bus->stream_stats().empty());
    const auto subscription = bus->subscribe("small", [](const EventPtr&) {});
    for (int i = 0; i < 3; ++i) bus->publish(event_on("small/x"));
    bus->publish(event_on("other"));

    const auto stats = bus->stream_stats();
    REQUIRE(stats.size() == 2);
    CHECK(stats[0].name == "other"); // in name order
    CHECK(stats[0].last_seq == 1);
    CHECK(stats[0].held_events == 1);
    CHECK(stats[0].capacity == 100);
    CHECK(stats[0].max_bytes == 1u << 30);
    CHECK(stats[0].subscribers == 0);
    CHECK(stats[1].name == "small");
    CHECK(stats[1].last_seq == 3);
    CHECK(stats[1].held_events == 2); // the ring keeps two
    CHECK(stats[1].held_bytes > 0);
    CHECK(stats[1].capacity == 2);
    CHECK(stats[1].subscribers == 1);
    bus->unsubscribe(subscription);
    CHECK(bus->stream_stats()[1].subscribers == 0);
}

TEMPLATE_TEST_CASE("subscribing before the first event: the stream then starts at seq 1", "[bus]",
                   MemoryBus, RedisBus) {
    auto bus = TestType::make(4);
    Collector collector;
    ReplayResult replay;
    bus->subscribe("fresh", collector.sink(), 0, &replay);
    CHECK(replay.events.empty());
    CHECK_FALSE(replay.gap);
    bus->publish(event_on("fresh"));
    CHECK(collector.seqs() == std::vector<uint64_t>{1});
}

TEMPLATE_TEST_CASE("unsubscribe stops delivery to that subscriber only", "[bus]", MemoryBus,
                   RedisBus) {
    auto bus = TestType::make(4);
    Collector leaving;
    Collector staying;
    const SubscriptionId id = bus->subscribe("s", leaving.sink());
    bus->subscribe("s", staying.sink());
    bus->publish(event_on("s"));
    bus->unsubscribe(id);
    bus->publish(event_on("s"));
    bus->unsubscribe(id);     // twice: ignored
    bus->unsubscribe(123456); // unknown: ignored
    bus->publish(event_on("s"));
    CHECK(leaving.seqs() == std::vector<uint64_t>{1});
    CHECK(staying.seqs() == std::vector<uint64_t>{1, 2, 3});
}

TEMPLATE_TEST_CASE("a sink may unsubscribe itself without deadlock", "[bus]", MemoryBus, RedisBus) {
    auto bus = TestType::make(4);
    Collector others;
    std::vector<uint64_t> seen;
    SubscriptionId self = 0;
    bus->subscribe("s", others.sink());
    self = bus->subscribe("s", [&](const EventPtr& event) {
        seen.push_back(event->seq);
        bus->unsubscribe(self);
    });
    bus->subscribe("s", others.sink());
    bus->publish(event_on("s"));
    bus->publish(event_on("s"));
    CHECK(seen == std::vector<uint64_t>{1});
    CHECK(others.seqs() == std::vector<uint64_t>{1, 1, 2, 2});
}

TEMPLATE_TEST_CASE("unsubscribe waits out a delivery in progress on another thread", "[bus]",
                   MemoryBus, RedisBus) {
    auto bus = TestType::make(4);
    Flag sink_entered;
    Flag unsubscribe_starting;
    std::atomic<bool> sink_finished{false};
    std::atomic<int> calls{0};
    const SubscriptionId id = bus->subscribe("s", [&](const EventPtr&) {
        ++calls;
        sink_entered.set();
        unsubscribe_starting.wait();
        sink_finished = true;
    });
    std::thread publisher([&] { bus->publish(event_on("s")); });
    REQUIRE(sink_entered.wait());

    bool finished_when_unsubscribed = false;
    std::thread unsubscriber([&] {
        unsubscribe_starting.set();
        bus->unsubscribe(id);
        finished_when_unsubscribed = sink_finished;
    });
    publisher.join();
    unsubscriber.join();
    CHECK(finished_when_unsubscribed);
    bus->publish(event_on("s"));
    CHECK(calls == 1);
}

TEMPLATE_TEST_CASE("a throwing sink does not cost other subscribers the event", "[bus]", MemoryBus,
                   RedisBus) {
    auto bus = TestType::make(4);
    Collector collector;
    bus->subscribe("s", [](const EventPtr&) { throw std::runtime_error("sink broke"); });
    bus->subscribe("s", collector.sink());
    CHECK_NOTHROW(bus->publish(event_on("s")));
    CHECK(collector.seqs() == std::vector<uint64_t>{1});
}

TEMPLATE_TEST_CASE("concurrent publishers on one stream: delivered once each, in seq order",
                   "[bus]", MemoryBus, RedisBus) {
    auto bus = TestType::make(64);
    Collector collector;
    bus->subscribe("s", collector.sink());
    constexpr int kThreads = 4;
    constexpr int kPerThread = 2000;
    std::vector<std::thread> publishers;
    for (int t = 0; t < kThreads; ++t) {
        publishers.emplace_back([&bus, t] {
            const std::string topic = "s/t" + std::to_string(t);
            for (int i = 0; i < kPerThread; ++i) bus->publish(event_on(topic));
        });
    }
    for (std::thread& publisher : publishers) publisher.join();
    CHECK(collector.seqs() == seq_range(1, kThreads * kPerThread));
    CHECK(bus->last_seq("s") == kThreads * kPerThread);
}

namespace {

struct ReplayThenLive {
    ReplayResult replay;
    std::vector<uint64_t> live;
};

struct ConcurrentSubscriptions {
    std::vector<ReplayThenLive> subscribers;
    uint64_t final_seq = 0;
};

// Subscribes `count` times in a row with `cursor` while another thread keeps publishing on
// the stream: the publisher starts before the first subscription and goes on for a while
// after the last. Many subscriptions make a race between replay and live likely to show.
// With `hold_at`, the publisher waits at that many events until every subscription is
// made, so a large ring never evicts what the subscribers must replay, however slowly
// they subscribe (0: never waits).
template <typename Engine>
ConcurrentSubscriptions subscribe_during_publishing(size_t ring_capacity, uint64_t cursor,
                                                    uint64_t hold_at = 0, size_t count = 400) {
    constexpr uint64_t kPublishedFirst = 200;
    constexpr uint64_t kPublishedAfter = 2000;
    constexpr uint64_t kPublishLimit = 1'000'000; // a bound in case the subscriber never comes
    auto bus = Engine::make(ring_capacity);
    Flag warmed_up;
    std::atomic<bool> subscribed{false};
    std::thread publisher([&] {
        uint64_t after_subscribe = 0;
        for (uint64_t n = 1; n <= kPublishLimit && after_subscribe < kPublishedAfter; ++n) {
            if (n == hold_at) {
                while (!subscribed) std::this_thread::yield();
            }
            bus->publish(event_on("s/live"));
            if (n == kPublishedFirst) warmed_up.set();
            if (subscribed) ++after_subscribe;
        }
    });
    ConcurrentSubscriptions result;
    result.subscribers.resize(count);
    std::vector<Collector> collectors(count);
    const bool ready = warmed_up.wait();
    for (size_t i = 0; i < count; ++i) {
        bus->subscribe("s", collectors[i].sink(), cursor, &result.subscribers[i].replay);
    }
    subscribed = true;
    publisher.join();
    REQUIRE(ready);
    for (size_t i = 0; i < count; ++i) result.subscribers[i].live = collectors[i].seqs();
    result.final_seq = bus->last_seq("s");
    return result;
}

// The replay's seqs followed by the live ones.
std::vector<uint64_t> replay_then_live(const ReplayThenLive& r) {
    std::vector<uint64_t> all = seqs_of(r.replay.events);
    all.insert(all.end(), r.live.begin(), r.live.end());
    return all;
}

} // namespace

TEMPLATE_TEST_CASE("replay then live has no miss and no duplicate under concurrent publishing",
                   "[bus][replay]", MemoryBus, RedisBus) {
    SECTION("from the start, with a ring large enough") {
        const ConcurrentSubscriptions c = subscribe_during_publishing<TestType>(100'000, 0, 50'000);
        for (const ReplayThenLive& r : c.subscribers) {
            REQUIRE_FALSE(r.replay.gap);
            REQUIRE(seqs_of(r.replay.events) == seq_range(1, r.replay.last_seq));
            REQUIRE(replay_then_live(r) == seq_range(1, c.final_seq));
        }
        // Both parts are substantial: the subscriptions really came mid-stream.
        CHECK(c.subscribers.front().replay.events.size() >= 200);
        CHECK(c.subscribers.back().live.size() >= 1000);
    }
    SECTION("from a cursor in the middle") {
        const ConcurrentSubscriptions c =
            subscribe_during_publishing<TestType>(100'000, 50, 50'000);
        for (const ReplayThenLive& r : c.subscribers) {
            REQUIRE_FALSE(r.replay.gap);
            REQUIRE(replay_then_live(r) == seq_range(51, c.final_seq));
        }
    }
    SECTION("from a cursor older than a small ring: a gap, then contiguous") {
        const ConcurrentSubscriptions c = subscribe_during_publishing<TestType>(16, 0);
        for (const ReplayThenLive& r : c.subscribers) {
            REQUIRE(r.replay.gap);
            REQUIRE(r.replay.events.size() == 16);
            const uint64_t first = r.replay.last_seq - 15;
            REQUIRE(replay_then_live(r) == seq_range(first, c.final_seq));
        }
    }
}

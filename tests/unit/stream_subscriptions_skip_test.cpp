// A plugin's stream subscriptions (plugin/stream_subscriptions) on an engine that skips
// seqs (the redis engine, when Redis trimmed entries while the node was away): the event
// after a skip carries sy_event_v1.gap, as one after a drop from a full queue does.
#include "plugin/stream_subscriptions.hpp"
#include "scripted_bus.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <utility>
#include <vector>

using namespace switchyard;
using switchyard::testing::ScriptedBus;

namespace {

using Delivery = std::pair<uint64_t, bool>; // seq, gap

struct Harness {
    explicit Harness(size_t limit)
        : dispatcher(io, limit), subscriptions(bus, dispatcher, "test", limit) {
        plugin.streams = kStreams;
        plugin.stream_count = 1;
        subscriptions.subscribe(plugin, [this](const Event& event, bool gap) {
            delivered.emplace_back(event.seq, gap);
        });
    }

    void run() {
        io.restart();
        io.poll();
    }

    static constexpr const char* kStreams[] = {"s"};
    boost::asio::io_context io; // not running: the test thread drains it
    ScriptedBus bus;
    PluginDispatcher dispatcher;
    StreamSubscriptions subscriptions;
    sy_plugin_v1 plugin{};
    std::vector<Delivery> delivered;
};

} // namespace

TEST_CASE("a seq the bus skipped gives the next event the gap flag", "[subscriptions]") {
    Harness h(16);
    h.bus.deliver("s", 5); // the first since subscribing: nothing to compare it with
    h.bus.deliver("s", 6);
    h.bus.deliver("s", 9); // 7 and 8 were trimmed
    h.bus.deliver("s", 10);
    h.run();
    CHECK(h.delivered == std::vector<Delivery>{{5, false}, {6, false}, {9, true}, {10, false}});
}

TEST_CASE("a skip while the plugin's queue is full goes with the catch-up", "[subscriptions]") {
    Harness h(1);
    h.bus.deliver("s", 1); // queued
    h.bus.deliver("s", 2); // dropped: a catch-up
    h.bus.deliver("s", 5); // dropped too, into the same catch-up
    h.run();
    h.bus.deliver("s", 8); // skips 6 and 7 after the catch-up ran
    h.run();
    CHECK(h.delivered == std::vector<Delivery>{{1, false}, {5, true}, {8, true}});
}

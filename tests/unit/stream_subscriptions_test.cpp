#include "plugin/stream_subscriptions.hpp"

#include "bus/memory_engine.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <functional>
#include <utility>
#include <vector>

using namespace switchyard;

namespace {

using Delivery = std::pair<uint64_t, bool>; // seq, gap

struct Harness {
    explicit Harness(size_t limit)
        : bus(make_memory_engine(100)),
          dispatcher(io, limit),
          subscriptions(*bus, dispatcher, "test", limit) {
        plugin.streams = kStreams;
        plugin.stream_count = 1;
        subscriptions.subscribe(plugin, [this](const Event& event, bool gap) {
            delivered.emplace_back(event.seq, gap);
            if (on_delivery) on_delivery(event.seq);
        });
    }

    void publish() {
        Event event;
        event.topic = "s";
        event.type = "t";
        bus->publish(std::move(event));
    }

    void run() {
        io.restart();
        io.poll();
    }

    static constexpr const char* kStreams[] = {"s"};
    boost::asio::io_context io; // not running: the test thread drains it
    std::unique_ptr<BusEngine> bus;
    PluginDispatcher dispatcher;
    StreamSubscriptions subscriptions;
    sy_plugin_v1 plugin{};
    std::vector<Delivery> delivered;
    std::function<void(uint64_t)> on_delivery;
};

} // namespace

TEST_CASE("a burst that ends with dropped events still hands the plugin the newest, with the gap",
          "[subscriptions]") {
    Harness h(2);
    for (int i = 0; i < 10; ++i) h.publish(); // 1 and 2 queued, 3..10 dropped
    CHECK(h.dispatcher.pending() == 3);       // one catch-up past the bound, not eight
    h.run();
    CHECK(h.delivered == std::vector<Delivery>{{1, false}, {2, false}, {10, true}});

    h.publish();
    h.run();
    CHECK(h.delivered.back() == Delivery{11, false}); // the gap went with 10
}

TEST_CASE("a catch-up never hands over an event newer than one queued after it",
          "[subscriptions]") {
    Harness h(3);
    for (int i = 0; i < 4; ++i) h.publish(); // 1, 2, 3 queued; 4 dropped: catch-up
    h.on_delivery = [&](uint64_t seq) {
        if (seq != 2) return;
        // Queue [3, catch-up]: room for 5 (after the catch-up, with the gap flag); 6 and
        // 7 are dropped and go to a new catch-up behind 5, not to the first one.
        for (int i = 0; i < 3; ++i) h.publish();
    };
    h.run();
    CHECK(h.delivered == std::vector<Delivery>{
                             {1, false}, {2, false}, {3, false}, {4, true}, {5, true}, {7, true}});
}

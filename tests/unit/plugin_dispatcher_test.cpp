#include "plugin/plugin_dispatcher.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using namespace switchyard;

namespace {

// Runs ready handlers until none is left (the test thread is the home thread).
void run_ready(boost::asio::io_context& io) {
    io.restart();
    io.poll();
}

} // namespace

TEST_CASE("tasks run in the order they were posted", "[dispatcher]") {
    boost::asio::io_context io;
    PluginDispatcher dispatcher(io, 100);
    std::vector<int> ran;
    for (int i = 0; i < 10; ++i) REQUIRE(dispatcher.post([&ran, i] { ran.push_back(i); }));
    CHECK(ran.empty()); // nothing runs inside post()
    CHECK(dispatcher.pending() == 10);
    run_ready(io);
    CHECK(ran == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    CHECK(dispatcher.pending() == 0);
}

TEST_CASE("tasks run on the home thread only", "[dispatcher]") {
    boost::asio::io_context io;
    PluginDispatcher dispatcher(io, 10);
    CHECK_FALSE(dispatcher.on_home_thread()); // the io_context is not running here now
    bool inside = false;
    dispatcher.post([&] { inside = dispatcher.on_home_thread(); });
    run_ready(io);
    CHECK(inside);
}

TEST_CASE("a task posted from a task runs after it, never inside it", "[dispatcher]") {
    boost::asio::io_context io;
    PluginDispatcher dispatcher(io, 10);
    std::vector<std::string> trace;
    int depth = 0;
    dispatcher.post([&] {
        ++depth;
        trace.push_back("outer begins at depth " + std::to_string(depth));
        dispatcher.post([&] {
            ++depth;
            trace.push_back("inner at depth " + std::to_string(depth));
            --depth;
        });
        trace.push_back("outer ends");
        --depth;
    });
    run_ready(io);
    CHECK(trace ==
          std::vector<std::string>{"outer begins at depth 1", "outer ends", "inner at depth 1"});
}

TEST_CASE("post fails past the limit and queues nothing, while post_always does not fail",
          "[dispatcher]") {
    boost::asio::io_context io;
    PluginDispatcher dispatcher(io, 3);
    std::vector<int> ran;
    for (int i = 0; i < 3; ++i) CHECK(dispatcher.post([&ran, i] { ran.push_back(i); }));
    CHECK_FALSE(dispatcher.post([&ran] { ran.push_back(99); }));
    CHECK(dispatcher.pending() == 3);
    dispatcher.post_always([&ran] { ran.push_back(3); });
    dispatcher.post_always([&ran] { ran.push_back(4); });
    CHECK(dispatcher.pending() == 5);
    run_ready(io);
    CHECK(ran == std::vector<int>{0, 1, 2, 3, 4});
    // Room again once the queue drained.
    CHECK(dispatcher.post([&ran] { ran.push_back(5); }));
    run_ready(io);
    CHECK(ran.back() == 5);
}

TEST_CASE("a long queue yields the worker to other handlers between batches", "[dispatcher]") {
    boost::asio::io_context io;
    PluginDispatcher dispatcher(io, 1000);
    std::vector<int> ran;
    for (int i = 0; i < 500; ++i) dispatcher.post([&ran, i] { ran.push_back(i); });
    size_t seen_by_other_handler = 0;
    boost::asio::post(io, [&] { seen_by_other_handler = ran.size(); });
    run_ready(io);
    REQUIRE(ran.size() == 500);
    for (int i = 0; i < 500; ++i) REQUIRE(ran[static_cast<size_t>(i)] == i);
    CHECK(seen_by_other_handler > 0);
    CHECK(seen_by_other_handler < 500); // connections are not starved by a busy plugin
}

TEST_CASE("tasks posted from another thread run in order on the home thread", "[dispatcher]") {
    boost::asio::io_context io;
    PluginDispatcher dispatcher(io, 100000);
    constexpr int kTasks = 2000;
    std::vector<int> ran;
    std::atomic<bool> off_home{false};
    std::thread producer([&] {
        for (int i = 0; i < kTasks; ++i) {
            dispatcher.post([&, i] {
                if (!dispatcher.on_home_thread()) off_home = true;
                ran.push_back(i);
            });
        }
    });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (ran.size() < static_cast<size_t>(kTasks) &&
           std::chrono::steady_clock::now() < deadline) {
        io.restart();
        io.run_one_for(std::chrono::milliseconds(50));
    }
    producer.join();
    REQUIRE(ran.size() == static_cast<size_t>(kTasks));
    for (int i = 0; i < kTasks; ++i) REQUIRE(ran[static_cast<size_t>(i)] == i);
    CHECK_FALSE(off_home);
}

#include "net/outbound_queue.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace switchyard;

namespace {

FrameRef text_frame(const std::string& payload) {
    return FrameRef::adopt(make_wire_frame(SY_FRAME_TEXT, payload));
}

// The payloads of every queued frame, front first.
std::vector<std::string> contents(const OutboundQueue& queue) {
    std::vector<std::string> out;
    for (size_t i = 0; i < queue.size(); ++i) out.emplace_back(sse_bytes(*queue.at(i)));
    return out;
}

} // namespace

TEST_CASE("a new queue is empty", "[net]") {
    OutboundQueue queue(8);
    CHECK(queue.empty());
    CHECK(queue.size() == 0);
    CHECK(queue.limit() == 8);
}

TEST_CASE("push refuses past the limit and queues nothing", "[net]") {
    OutboundQueue queue(3);
    CHECK(queue.push(text_frame("a")));
    CHECK(queue.push(text_frame("b")));
    CHECK(queue.push(text_frame("c")));
    FrameRef refused = text_frame("d");
    CHECK_FALSE(queue.push(refused));
    CHECK(queue.size() == 3);
    CHECK(refused->refs.load() == 1); // the queue kept no reference
    CHECK(contents(queue) == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("push_unbounded queues past the limit", "[net]") {
    OutboundQueue queue(2);
    CHECK(queue.push(text_frame("a")));
    CHECK(queue.push(text_frame("b")));
    queue.push_unbounded(text_frame("pong"));
    queue.push_unbounded(text_frame("close"));
    CHECK(queue.size() == 4);
    CHECK_FALSE(queue.push(text_frame("c")));
    CHECK(contents(queue) == std::vector<std::string>{"a", "b", "pong", "close"});
}

TEST_CASE("a limit of zero refuses every data frame", "[net]") {
    OutboundQueue queue(0);
    CHECK_FALSE(queue.push(text_frame("a")));
    queue.push_unbounded(text_frame("close"));
    CHECK(contents(queue) == std::vector<std::string>{"close"});
}

TEST_CASE("frames keep FIFO order as the queue grows", "[net]") {
    OutboundQueue queue(1000);
    std::vector<std::string> expected;
    for (int i = 0; i < 100; ++i) {
        expected.push_back(std::to_string(i));
        REQUIRE(queue.push(text_frame(expected.back())));
    }
    CHECK(contents(queue) == expected);
}

TEST_CASE("frames keep FIFO order across wrap-around and growth while wrapped", "[net]") {
    OutboundQueue queue(1000);
    std::vector<std::string> expected;
    int next = 0;
    auto push = [&] {
        expected.push_back(std::to_string(next++));
        REQUIRE(queue.push(text_frame(expected.back())));
    };
    auto pop = [&](size_t n) {
        queue.pop(n);
        expected.erase(expected.begin(), expected.begin() + static_cast<long>(n));
    };
    // Fill the first four slots, drain two, then wrap past the end of the ring.
    for (int i = 0; i < 4; ++i) push();
    pop(2);
    push();
    push();
    CHECK(contents(queue) == expected);
    // Full and wrapped: the next push grows the ring, which must unwrap in order.
    push();
    CHECK(contents(queue) == expected);
    // Many rounds of pushes and pops of different sizes.
    for (int round = 0; round < 50; ++round) {
        for (int i = 0; i < round % 7 + 1; ++i) push();
        pop(std::min<size_t>(queue.size(), static_cast<size_t>(round % 5 + 1)));
        REQUIRE(contents(queue) == expected);
    }
}

TEST_CASE("pop drops from the front and releases those frames", "[net]") {
    OutboundQueue queue(8);
    FrameRef first = text_frame("1");
    FrameRef second = text_frame("2");
    queue.push(first);
    queue.push(second);
    CHECK(first->refs.load() == 2);
    queue.pop(1);
    CHECK(first->refs.load() == 1);
    CHECK(second->refs.load() == 2);
    CHECK(contents(queue) == std::vector<std::string>{"2"});
    queue.pop(5); // more than are queued: stops at empty
    CHECK(queue.empty());
    CHECK(second->refs.load() == 1);
    queue.pop(1); // on an empty queue: nothing happens
    CHECK(queue.empty());
}

TEST_CASE("a drained queue can be used again", "[net]") {
    OutboundQueue queue(100);
    for (int i = 0; i < 20; ++i) queue.push(text_frame("x"));
    queue.pop(20);
    CHECK(queue.empty());
    CHECK(queue.push(text_frame("again")));
    CHECK(contents(queue) == std::vector<std::string>{"again"});
}

TEST_CASE("clear releases every reference", "[net]") {
    OutboundQueue queue(2);
    FrameRef data = text_frame("d");
    FrameRef control = text_frame("c");
    queue.push(data);
    queue.push(data);
    queue.push_unbounded(control);
    CHECK(data->refs.load() == 3);
    CHECK(control->refs.load() == 2);
    queue.clear();
    CHECK(queue.empty());
    CHECK(data->refs.load() == 1);
    CHECK(control->refs.load() == 1);
    CHECK(queue.push(text_frame("after")));
    CHECK(contents(queue) == std::vector<std::string>{"after"});
}

TEST_CASE("one shared frame queued many times costs references, not copies", "[net]") {
    OutboundQueue queue(64);
    FrameRef frame = text_frame("broadcast");
    for (int i = 0; i < 10; ++i) queue.push(frame);
    CHECK(frame->refs.load() == 11);
    for (size_t i = 0; i < queue.size(); ++i) CHECK(queue.at(i).get() == frame.get());
}

TEST_CASE("destroying a queue releases what it held", "[net]") {
    FrameRef frame = text_frame("x");
    {
        OutboundQueue queue(8);
        queue.push(frame);
        queue.push(frame);
        CHECK(frame->refs.load() == 3);
    }
    CHECK(frame->refs.load() == 1);
}

TEST_CASE("a drained queue keeps a burst's worth of slots and gives back more", "[net]") {
    OutboundQueue queue(4096);
    CHECK(queue.capacity() == 0); // never sent to: no storage
    for (int i = 0; i < 40; ++i) CHECK(queue.push(text_frame("m")));
    const size_t burst = queue.capacity();
    CHECK(burst >= 40);
    queue.pop(40);
    CHECK(queue.capacity() == burst); // the next burst allocates nothing
    for (int i = 0; i < 1000; ++i) CHECK(queue.push(text_frame("m")));
    queue.pop(1000);
    CHECK(queue.capacity() == 0); // far more than a burst: released
    for (int i = 0; i < 2; ++i) queue.push(text_frame("a"));
    queue.pop(2);
    CHECK(queue.capacity() > 0);
    queue.clear();
    CHECK(queue.capacity() == 0);
}

TEST_CASE("one frame at a time waits inline and allocates no slots", "[net][memory]") {
    OutboundQueue queue(4096, 1 << 20);
    for (int round = 0; round < 3; ++round) {
        CHECK(queue.push(text_frame("m" + std::to_string(round))));
        CHECK(queue.capacity() == 0);
        CHECK(queue.size() == 1);
        CHECK(contents(queue) == std::vector<std::string>{"m" + std::to_string(round)});
        queue.pop(1);
        CHECK(queue.empty());
        CHECK(queue.bytes() == 0);
    }
    // A second waiting frame moves the inline one to the front of a ring.
    CHECK(queue.push(text_frame("first")));
    CHECK(queue.push(text_frame("second")));
    CHECK(queue.capacity() > 0);
    CHECK(contents(queue) == std::vector<std::string>{"first", "second"});
}

TEST_CASE("push refuses a frame that would take the queue past its byte limit", "[net]") {
    const FrameRef big = text_frame(std::string(600, 'x'));
    const size_t size = big->encoded.size();
    OutboundQueue queue(100, 2 * size);
    CHECK(queue.push(big));
    CHECK(queue.push(big));
    CHECK(queue.bytes() == 2 * size);
    CHECK_FALSE(queue.push(big)); // a third would not fit
    CHECK(queue.size() == 2);
    queue.pop(1);
    CHECK(queue.bytes() == size);
    CHECK(queue.push(big));
    queue.clear();
    CHECK(queue.bytes() == 0);
    // A frame larger than the whole limit still goes into an empty queue (it is the only
    // way it can ever be sent), and then nothing else does until it is written.
    const FrameRef huge = text_frame(std::string(5 * size, 'y'));
    CHECK(queue.push(huge));
    CHECK_FALSE(queue.push(text_frame("a")));
}

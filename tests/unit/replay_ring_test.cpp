#include "bus/replay_ring.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <stdexcept>
#include <vector>

using namespace switchyard;

namespace {

EventPtr event_with_seq(uint64_t seq) {
    auto event = std::make_shared<Event>();
    event->topic = "s";
    event->stream = "s";
    event->type = "t";
    event->seq = seq;
    return event;
}

// A ring holding pushes of seqs 1..count.
ReplayRing ring_with(size_t capacity, uint64_t count) {
    ReplayRing ring(capacity);
    for (uint64_t seq = 1; seq <= count; ++seq) ring.push(event_with_seq(seq));
    return ring;
}

std::vector<uint64_t> seqs_of(const ReplayResult& result) {
    std::vector<uint64_t> seqs;
    for (const EventPtr& event : result.events) seqs.push_back(event->seq);
    return seqs;
}

} // namespace

TEST_CASE("an empty ring holds nothing and replays from 0 without a gap", "[replay]") {
    ReplayRing ring(4);
    CHECK(ring.size() == 0);
    CHECK(ring.capacity() == 4);
    CHECK(ring.last_seq() == 0);
    CHECK(ring.oldest_seq() == 0);
    const ReplayResult result = ring.after(0);
    CHECK(result.events.empty());
    CHECK_FALSE(result.gap);
    CHECK(result.last_seq == 0);
}

TEST_CASE("a cursor on an empty ring is ahead of the stream: a gap", "[replay]") {
    const ReplayResult result = ReplayRing(4).after(3);
    CHECK(result.events.empty());
    CHECK(result.gap);
}

TEST_CASE("the ring keeps its newest events up to its capacity", "[replay]") {
    ReplayRing ring = ring_with(3, 2);
    CHECK(ring.size() == 2);
    CHECK(ring.oldest_seq() == 1);
    ring = ring_with(3, 7);
    CHECK(ring.size() == 3);
    CHECK(ring.capacity() == 3);
    CHECK(ring.last_seq() == 7);
    CHECK(ring.oldest_seq() == 5);
    CHECK(seqs_of(ring.after(0)) == std::vector<uint64_t>{5, 6, 7});
}

TEST_CASE("after() returns exactly the events past the cursor, oldest first", "[replay]") {
    const ReplayRing ring = ring_with(5, 5);
    CHECK(seqs_of(ring.after(0)) == std::vector<uint64_t>{1, 2, 3, 4, 5});
    CHECK(seqs_of(ring.after(2)) == std::vector<uint64_t>{3, 4, 5});
    CHECK(seqs_of(ring.after(4)) == std::vector<uint64_t>{5});
    CHECK_FALSE(ring.after(2).gap);
    CHECK(ring.after(2).last_seq == 5);
}

TEST_CASE("a cursor at the newest seq gets nothing and no gap", "[replay]") {
    const ReplayResult result = ring_with(5, 9).after(9);
    CHECK(result.events.empty());
    CHECK_FALSE(result.gap);
    CHECK(result.last_seq == 9);
}

TEST_CASE("a cursor just before the oldest held event is not a gap", "[replay]") {
    const ReplayRing ring = ring_with(3, 10); // holds 8, 9, 10
    REQUIRE(ring.oldest_seq() == 8);
    const ReplayResult result = ring.after(7);
    CHECK_FALSE(result.gap);
    CHECK(seqs_of(result) == std::vector<uint64_t>{8, 9, 10});
}

TEST_CASE("a cursor older than the ring is a gap with everything held", "[replay]") {
    const ReplayRing ring = ring_with(3, 10);
    for (uint64_t cursor : {0u, 1u, 6u}) {
        const ReplayResult result = ring.after(cursor);
        CHECK(result.gap);
        CHECK(seqs_of(result) == std::vector<uint64_t>{8, 9, 10});
    }
}

TEST_CASE("a cursor ahead of the stream is a gap (the server restarted)", "[replay]") {
    const ReplayResult result = ring_with(3, 10).after(11);
    CHECK(result.gap);
    CHECK(result.events.empty());
    CHECK(result.last_seq == 10);
}

TEST_CASE("wrap-around keeps the order across the end of the array", "[replay]") {
    ReplayRing ring(4);
    for (uint64_t seq = 1; seq <= 1000; ++seq) {
        ring.push(event_with_seq(seq));
        const std::vector<uint64_t> held = seqs_of(ring.after(0));
        const uint64_t first = seq > 4 ? seq - 3 : 1;
        REQUIRE(held.size() == seq - first + 1);
        for (size_t i = 0; i < held.size(); ++i) REQUIRE(held[i] == first + i);
    }
}

TEST_CASE("a ring of capacity 0 holds nothing but reports gaps correctly", "[replay]") {
    const ReplayRing ring = ring_with(0, 3);
    CHECK(ring.size() == 0);
    CHECK(ring.last_seq() == 3);
    CHECK(ring.oldest_seq() == 0);
    CHECK(ring.after(2).gap);
    CHECK_FALSE(ring.after(3).gap);
    CHECK(ring.after(4).gap);
}

TEST_CASE("the ring refuses an out-of-sequence push", "[replay]") {
    ReplayRing ring = ring_with(4, 2);
    CHECK_THROWS_AS(ring.push(event_with_seq(2)), std::logic_error);
    CHECK_THROWS_AS(ring.push(event_with_seq(4)), std::logic_error);
    CHECK_THROWS_AS(ring.push(nullptr), std::logic_error);
    CHECK(ring.last_seq() == 2);
    CHECK_NOTHROW(ring.push(event_with_seq(3)));
}

TEST_CASE("the ring drops its reference to an evicted event", "[replay]") {
    ReplayRing ring(2);
    std::weak_ptr<const Event> first = [&] {
        EventPtr event = event_with_seq(1);
        ring.push(event);
        return std::weak_ptr<const Event>(event);
    }();
    ring.push(event_with_seq(2));
    CHECK_FALSE(first.expired());
    ring.push(event_with_seq(3));
    CHECK(first.expired());
}

TEST_CASE("past its byte budget the ring drops its oldest events first", "[replay]") {
    auto sized = [](uint64_t seq, size_t data_bytes) {
        auto event = std::const_pointer_cast<Event>(event_with_seq(seq));
        event->data.assign(data_bytes, 'x');
        return EventPtr(event);
    };
    const size_t one = footprint(*sized(1, 10000));
    ReplayRing ring(100, 3 * one); // room for three such events, or 100 empty ones
    for (uint64_t seq = 1; seq <= 5; ++seq) ring.push(sized(seq, 10000));
    CHECK(ring.size() == 3);
    CHECK(ring.bytes() == 3 * one);
    CHECK(ring.oldest_seq() == 3);
    auto result = ring.after(1);
    CHECK(result.gap); // seq 2 is gone: a client resuming after 1 is told
    CHECK(seqs_of(result) == std::vector<uint64_t>{3, 4, 5});

    // One event larger than the whole budget is still kept, alone: the newest is always
    // held, so a cursor just before it resumes without a gap.
    ring.push(sized(6, 10 * one));
    CHECK(ring.size() == 1);
    CHECK(ring.oldest_seq() == 6);
    CHECK_FALSE(ring.after(5).gap);

    // Small events fill it up again; the count bound still applies.
    for (uint64_t seq = 7; seq <= 7 + 200; ++seq) ring.push(sized(seq, 0));
    CHECK(ring.size() == 100);
    CHECK(ring.bytes() == 100 * footprint(*sized(0, 0)));
}

TEST_CASE("restart_at drops what the ring holds and numbers on from there", "[replay]") {
    ReplayRing ring(4);
    for (uint64_t seq = 1; seq <= 3; ++seq) ring.push(event_with_seq(seq));
    ring.restart_at(9);
    CHECK(ring.size() == 0);
    CHECK(ring.bytes() == 0);
    CHECK(ring.last_seq() == 9);
    CHECK(ring.after(3).gap); // 4..9 are lost
    CHECK_FALSE(ring.after(9).gap);
    CHECK_THROWS_AS(ring.push(event_with_seq(4)), std::logic_error);
    ring.push(event_with_seq(10));
    CHECK(ring.oldest_seq() == 10);
    CHECK(ring.after(9).events.size() == 1);
    ring.restart_at(0); // the store went back to empty
    CHECK(ring.last_seq() == 0);
    ring.push(event_with_seq(1));
    CHECK(ring.size() == 1);
}

// The event bus as the kernel sees it, whichever engine (memory, Redis Streams) runs it.
#pragma once

#include "bus/event.hpp"
#include "bus/replay_ring.hpp"

#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard {

// Names one subscription; never reused by an engine.
using SubscriptionId = uint64_t;

// Receives a stream's events, in seq order. Called on the delivering thread (the
// publisher's for the memory engine, the engine's own for redis), possibly under an engine
// lock: it must be quick, must not throw, and must not call the engine (publish,
// subscribe, replay_after, last_seq); the kernel's sinks only enqueue. Consecutive
// deliveries to one sink may skip seqs (the redis engine, when Redis trimmed entries while
// this node was away from it): a skip is a gap, signalled to clients as replay signals one.
using EventSink = std::function<void(const EventPtr&)>;

// Thrown by publish() when the engine cannot reach the store that assigns seqs (the redis
// engine while Redis is down or slower than its timeout). The event may or may not have
// been appended when a connection broke mid-command; a retry may store it twice.
struct BusUnavailable : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Hears how publish_async() went: the events published, in order, and the error that
// stopped the rest (BusUnavailable, std::invalid_argument), or null when all were.
using PublishDone = std::function<void(std::vector<EventPtr> published, std::exception_ptr error)>;

// What an engine counts, for /metrics (all zero for the memory engine).
struct BusStats {
    uint64_t reconnects = 0;       // connections to the store lost and made again
    uint64_t publish_failures = 0; // publishes refused with BusUnavailable
    uint64_t gaps = 0;             // seq skips seen live (entries trimmed before read)
    uint64_t resets = 0;           // streams the store numbered again (it lost entries)
};

// One stream as this node holds it, for /metrics, /api/v1/streams and the console.
struct StreamStats {
    std::string name;
    uint64_t last_seq = 0;    // the newest seq (the stream's event count, for the memory engine)
    uint64_t held_events = 0; // events in the replay ring
    uint64_t held_bytes = 0;  // their footprint (ReplayRing::bytes)
    uint64_t capacity = 0;    // the ring's event limit
    uint64_t max_bytes = 0;   // the ring's byte limit; 0 = none
    uint64_t subscribers = 0; // sinks registered on it
};

class BusEngine {
  public:
    virtual ~BusEngine() = default;

    // Assigns `stream` (from the topic), `seq` and `ts`, stores the event in the stream's
    // replay ring, delivers it to the stream's subscribers in seq order and returns it.
    // (redis: delivered before it returns unless another node's earlier event is still on
    // its way, and the subscribers may get the follower's copy of it.) Thread-safe. Throws
    // std::invalid_argument on an invalid topic or an empty type, BusUnavailable when
    // the engine cannot publish.
    virtual EventPtr publish(Event event) = 0;

    // Publishes `events` in order without blocking the caller on the store, then calls
    // `done` (on any thread, possibly before returning). The memory engine publishes
    // inline; the redis engine pipelines the appends and answers from its own thread.
    virtual void publish_async(std::vector<Event> events, PublishDone done) {
        std::vector<EventPtr> published;
        published.reserve(events.size());
        try {
            for (auto& event : events) published.push_back(publish(std::move(event)));
        } catch (...) {
            done(std::move(published), std::current_exception());
            return;
        }
        done(std::move(published), nullptr);
    }

    // False while the engine cannot publish (redis: not connected and synced): /readyz
    // answers 503 and publishes fail with BusUnavailable. Subscribers and replay go on.
    virtual bool available() const noexcept { return true; }

    // Ends delivery before the kernel's workers go: no sink is called once it returns, and
    // publishes fail with BusUnavailable. Subscribe, replay and unsubscribe still answer
    // from what is held. (The memory engine delivers only on publishers' threads, so it
    // has nothing to stop.)
    virtual void stop() {}

    // The engine's counters.
    virtual BusStats stats() const { return {}; }

    // Why available() is false, for logs, /readyz and 503 bodies ("" while available).
    virtual std::string unavailable_reason() const { return {}; }

    // Registers `sink` for every future event of `stream` (all its topics). With
    // `after_seq`, first fills `*replay` (when non-null) with what replay_after(stream,
    // *after_seq) returns, atomically with the registration: no event is missed or
    // delivered twice between the replay and the live events.
    virtual SubscriptionId subscribe(std::string stream, EventSink sink,
                                     std::optional<uint64_t> after_seq = std::nullopt,
                                     ReplayResult* replay = nullptr) = 0;

    // After it returns the sink is never called again: a call in progress on another thread
    // is waited out. Called from inside a sink of the same stream (the one exception to the
    // sink rules), it takes effect at once without waiting. An unknown id is ignored.
    virtual void unsubscribe(SubscriptionId id) = 0;

    // The held events of `stream` after `after_seq` (see ReplayRing::after). An unknown
    // stream has no events, last_seq 0, and a gap when after_seq > 0.
    virtual ReplayResult replay_after(std::string_view stream, uint64_t after_seq) const = 0;

    // The newest seq of `stream`; 0 for a stream that never had an event.
    virtual uint64_t last_seq(std::string_view stream) const = 0;

    // Every stream this node holds, in name order. Takes each stream's lock briefly: for
    // scrapes, not for hot paths.
    virtual std::vector<StreamStats> stream_stats() const = 0;
    // The engine's config name: "memory", "redis".
    virtual std::string_view engine_name() const = 0;
};

} // namespace switchyard

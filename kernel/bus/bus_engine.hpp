// The event bus as the kernel sees it, whichever engine (memory, Redis Streams) runs it.
#pragma once

#include "bus/event.hpp"
#include "bus/replay_ring.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard {

// Names one subscription; never reused by an engine.
using SubscriptionId = uint64_t;

// Receives a stream's events, in seq order. Called on the publishing thread, possibly under
// an engine lock: it must be quick, must not throw, and must not call the engine (publish,
// subscribe, replay_after, last_seq); the kernel's sinks only enqueue.
using EventSink = std::function<void(const EventPtr&)>;

class BusEngine {
  public:
    virtual ~BusEngine() = default;

    // Assigns `stream` (from the topic), `seq` and `ts`, stores the event in the stream's
    // replay ring, delivers it to the stream's subscribers in seq order and returns it.
    // Thread-safe. Throws std::invalid_argument on an invalid topic or an empty type.
    virtual EventPtr publish(Event event) = 0;

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

    // The engine's config name: "memory", "redis".
    virtual std::string_view engine_name() const = 0;
};

} // namespace switchyard

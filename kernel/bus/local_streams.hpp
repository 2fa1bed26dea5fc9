// This process's streams: for each, its replay ring, its subscribers, and the lock that
// keeps delivery in seq order. What both engines share: the memory engine numbers the
// events itself (publish_next); the redis engine appends what Redis numbered, as its
// follower reads it back (append), so that the node's clients are served from here
// whichever engine runs, and subscribe-with-replay stays atomic and local.
#pragma once

#include "bus/bus_engine.hpp"
#include "bus/replay_limits.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace switchyard {

struct StreamState; // local_streams.cpp

class LocalStreams {
  public:
    explicit LocalStreams(ReplayPolicy replay);
    ~LocalStreams();
    LocalStreams(const LocalStreams&) = delete;
    LocalStreams& operator=(const LocalStreams&) = delete;

    // The memory engine's publish: gives `event` the stream's next seq and the time, stores
    // and delivers it. `event.stream` must be set.
    EventPtr publish_next(Event&& event);

    // Stores an event numbered elsewhere (event->seq set) and, with `deliver`, hands it to
    // the subscribers; returns the stream's last seq before it. An event at or below that
    // is a duplicate: ignored. One past it + 1 means the ones between are lost: the ring
    // restarts there, so replay and live subscribers see a gap.
    uint64_t append(const EventPtr& event, bool deliver);

    // Forgets what `stream` holds and makes `last_seq` its newest seq (the store behind the
    // engine went back: Redis lost data). Subscribers stay.
    void reset(std::string_view stream, uint64_t last_seq);

    // BusEngine's subscribe, unsubscribe, replay_after and last_seq, over these streams.
    SubscriptionId subscribe(std::string stream, EventSink sink, std::optional<uint64_t> after_seq,
                             ReplayResult* replay);
    void unsubscribe(SubscriptionId id);
    ReplayResult replay_after(std::string_view stream, uint64_t after_seq) const;
    uint64_t last_seq(std::string_view stream) const;

    // Waits until `stream`'s last seq reaches `seq` or `deadline` passes; true when reached.
    bool wait_for_seq(std::string_view stream, uint64_t seq,
                      std::chrono::steady_clock::time_point deadline);

    // The names of every stream known here, sorted.
    std::vector<std::string> names() const;
    // BusEngine::stream_stats over these streams.
    std::vector<StreamStats> stats() const;

  private:
    StreamState* find_stream(std::string_view name) const;
    StreamState& stream_state(std::string_view name);
    StreamState* take_subscription(SubscriptionId id);
    // Wakes wait_for_seq() callers, when there are any.
    void notify_appended();

    const ReplayPolicy replay_;
    mutable std::shared_mutex streams_mutex_;
    std::map<std::string, std::unique_ptr<StreamState>, std::less<>> streams_;
    std::mutex subscriptions_mutex_;
    std::unordered_map<SubscriptionId, StreamState*> subscriptions_;
    std::atomic<SubscriptionId> next_id_{1};
    std::mutex wait_mutex_;
    std::condition_variable appended_;
    std::atomic<int> waiters_{0};
};

} // namespace switchyard

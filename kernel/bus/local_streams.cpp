#include "bus/local_streams.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <thread>

namespace switchyard {

namespace {

struct Subscriber {
    SubscriptionId id;
    EventSink sink;
    bool removed = false; // unsubscribed from inside a sink; erased after the delivery
};

} // namespace

// One stream. Its mutex is held from storing an event until every sink has seen it, which
// is what keeps delivery in seq order and makes subscribe-with-replay atomic.
struct StreamState {
    explicit StreamState(ReplayLimits limits) : ring(limits.events, limits.bytes) {}

    std::mutex mutex;
    ReplayRing ring;
    std::vector<Subscriber> subscribers;
    // The thread running this stream's sinks, so an unsubscribe from inside a sink neither
    // deadlocks on `mutex` nor disturbs the loop over `subscribers`.
    std::atomic<std::thread::id> delivering_thread{};
    bool removed_during_delivery = false;
};

namespace {

// A throwing sink breaks its contract; it must not cost the other subscribers the event.
void call_sink(const Subscriber& subscriber, const EventPtr& event) {
    try {
        subscriber.sink(event);
    } catch (const std::exception& e) {
        spdlog::error("bus: subscriber {} of stream '{}' threw on seq {}: {}", subscriber.id,
                      event->stream, event->seq, e.what());
    } catch (...) {
        spdlog::error("bus: subscriber {} of stream '{}' threw on seq {}", subscriber.id,
                      event->stream, event->seq);
    }
}

// Runs with state.mutex held.
void deliver(StreamState& state, const EventPtr& event) {
    state.delivering_thread.store(std::this_thread::get_id());
    for (Subscriber& subscriber : state.subscribers) {
        if (!subscriber.removed) call_sink(subscriber, event);
    }
    state.delivering_thread.store(std::thread::id{});
    if (state.removed_during_delivery) {
        std::erase_if(state.subscribers, [](const Subscriber& s) { return s.removed; });
        state.removed_during_delivery = false;
    }
}

void mark_removed(StreamState& state, SubscriptionId id) {
    for (Subscriber& subscriber : state.subscribers) {
        if (subscriber.id == id) subscriber.removed = true;
    }
    state.removed_during_delivery = true;
}

} // namespace

LocalStreams::LocalStreams(ReplayPolicy replay) : replay_(std::move(replay)) {}

LocalStreams::~LocalStreams() = default;

EventPtr LocalStreams::publish_next(Event&& event) {
    // Allocated before taking the stream lock, so the lock covers only the seq and fan-out.
    auto stored = std::make_shared<Event>(std::move(event));
    StreamState& state = stream_state(stored->stream);

    std::lock_guard lock(state.mutex);
    stored->seq = state.ring.last_seq() + 1;
    stored->ts = unix_time_ms();
    EventPtr published = std::move(stored);
    state.ring.push(published);
    deliver(state, published);
    return published;
}

uint64_t LocalStreams::append(const EventPtr& event, bool deliver_it) {
    StreamState& state = stream_state(event->stream);
    uint64_t last = 0;
    {
        std::lock_guard lock(state.mutex);
        last = state.ring.last_seq();
        if (event->seq <= last) return last;
        if (event->seq != last + 1) state.ring.restart_at(event->seq - 1);
        state.ring.push(event);
        if (deliver_it) deliver(state, event);
    }
    notify_appended();
    return last;
}

void LocalStreams::reset(std::string_view stream, uint64_t last_seq) {
    StreamState& state = stream_state(stream);
    std::lock_guard lock(state.mutex);
    state.ring.restart_at(last_seq);
}

SubscriptionId LocalStreams::subscribe(std::string stream, EventSink sink,
                                       std::optional<uint64_t> after_seq, ReplayResult* replay) {
    StreamState& state = stream_state(stream);
    const SubscriptionId id = next_id_.fetch_add(1, std::memory_order_relaxed);
    {
        std::lock_guard lock(state.mutex);
        if (after_seq && replay) *replay = state.ring.after(*after_seq);
        state.subscribers.push_back(Subscriber{id, std::move(sink)});
    }
    std::lock_guard lock(subscriptions_mutex_);
    subscriptions_.emplace(id, &state);
    return id;
}

void LocalStreams::unsubscribe(SubscriptionId id) {
    StreamState* state = take_subscription(id);
    if (state == nullptr) return;
    if (state->delivering_thread.load() == std::this_thread::get_id()) {
        // Inside one of this stream's sinks: this thread already holds the stream lock.
        mark_removed(*state, id);
        return;
    }
    // Taking the lock waits out a delivery in progress on another thread.
    std::lock_guard lock(state->mutex);
    std::erase_if(state->subscribers, [id](const Subscriber& s) { return s.id == id; });
}

ReplayResult LocalStreams::replay_after(std::string_view stream, uint64_t after_seq) const {
    StreamState* state = find_stream(stream);
    if (state == nullptr) return ReplayResult{{}, after_seq > 0, 0};
    std::lock_guard lock(state->mutex);
    return state->ring.after(after_seq);
}

uint64_t LocalStreams::last_seq(std::string_view stream) const {
    StreamState* state = find_stream(stream);
    if (state == nullptr) return 0;
    std::lock_guard lock(state->mutex);
    return state->ring.last_seq();
}

bool LocalStreams::wait_for_seq(std::string_view stream, uint64_t seq,
                                std::chrono::steady_clock::time_point deadline) {
    waiters_.fetch_add(1);
    std::unique_lock lock(wait_mutex_);
    const bool reached =
        appended_.wait_until(lock, deadline, [&] { return last_seq(stream) >= seq; });
    waiters_.fetch_sub(1);
    return reached;
}

void LocalStreams::notify_appended() {
    if (waiters_.load() == 0) return;
    // Taken so a waiter between its check and its wait cannot miss the notification.
    std::lock_guard lock(wait_mutex_);
    appended_.notify_all();
}

std::vector<std::string> LocalStreams::names() const {
    std::shared_lock lock(streams_mutex_);
    std::vector<std::string> out;
    out.reserve(streams_.size());
    for (const auto& [name, state] : streams_) out.push_back(name);
    return out;
}

std::vector<StreamStats> LocalStreams::stats() const {
    std::shared_lock lock(streams_mutex_);
    std::vector<StreamStats> out;
    out.reserve(streams_.size());
    for (const auto& [name, state] : streams_) {
        std::lock_guard stream_lock(state->mutex);
        const size_t live = std::count_if(state->subscribers.begin(), state->subscribers.end(),
                                          [](const Subscriber& s) { return !s.removed; });
        out.push_back(StreamStats{
            .name = name,
            .last_seq = state->ring.last_seq(),
            .held_events = state->ring.size(),
            .held_bytes = state->ring.bytes(),
            .capacity = state->ring.capacity(),
            .max_bytes = state->ring.max_bytes() == SIZE_MAX ? 0 : state->ring.max_bytes(),
            .subscribers = live});
    }
    return out;
}

// Streams are never removed, so a StreamState reference stays valid without the map lock.
StreamState* LocalStreams::find_stream(std::string_view name) const {
    std::shared_lock lock(streams_mutex_);
    auto it = streams_.find(name);
    return it == streams_.end() ? nullptr : it->second.get();
}

StreamState& LocalStreams::stream_state(std::string_view name) {
    if (StreamState* existing = find_stream(name)) return *existing;
    std::unique_lock lock(streams_mutex_);
    auto [it, inserted] = streams_.try_emplace(std::string(name));
    if (inserted) it->second = std::make_unique<StreamState>(replay_.of(name));
    return *it->second;
}

StreamState* LocalStreams::take_subscription(SubscriptionId id) {
    std::lock_guard lock(subscriptions_mutex_);
    auto it = subscriptions_.find(id);
    if (it == subscriptions_.end()) return nullptr;
    StreamState* state = it->second;
    subscriptions_.erase(it);
    return state;
}

} // namespace switchyard

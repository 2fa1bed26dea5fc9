#include "bus/memory_engine.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <vector>

namespace switchyard {

namespace {

int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

struct Subscriber {
    SubscriptionId id;
    EventSink sink;
    bool removed = false; // unsubscribed from inside a sink; erased after the delivery
};

// One stream. Its mutex is held from assigning a seq until every sink has seen the event,
// which is what keeps delivery in seq order and makes subscribe-with-replay atomic.
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

class MemoryEngine final : public BusEngine {
  public:
    explicit MemoryEngine(ReplayPolicy replay) : replay_(std::move(replay)) {}

    EventPtr publish(Event event) override {
        if (!is_valid_topic(event.topic)) {
            throw std::invalid_argument("invalid topic '" + event.topic + "'");
        }
        if (event.type.empty()) throw std::invalid_argument("event type is empty");
        event.stream = std::string(stream_of(event.topic));
        // Allocated before taking the stream lock, so the lock covers only the seq and fan-out.
        auto stored = std::make_shared<Event>(std::move(event));
        StreamState& state = stream_state(stored->stream);

        std::lock_guard lock(state.mutex);
        stored->seq = state.ring.last_seq() + 1;
        stored->ts = now_ms();
        EventPtr published = std::move(stored);
        state.ring.push(published);
        deliver(state, published);
        return published;
    }

    SubscriptionId subscribe(std::string stream, EventSink sink, std::optional<uint64_t> after_seq,
                             ReplayResult* replay) override {
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

    void unsubscribe(SubscriptionId id) override {
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

    ReplayResult replay_after(std::string_view stream, uint64_t after_seq) const override {
        StreamState* state = find_stream(stream);
        if (state == nullptr) return ReplayResult{{}, after_seq > 0, 0};
        std::lock_guard lock(state->mutex);
        return state->ring.after(after_seq);
    }

    uint64_t last_seq(std::string_view stream) const override {
        StreamState* state = find_stream(stream);
        if (state == nullptr) return 0;
        std::lock_guard lock(state->mutex);
        return state->ring.last_seq();
    }

    std::string_view engine_name() const override { return "memory"; }

  private:
    // Streams are never removed, so a StreamState reference stays valid without the map lock.
    StreamState* find_stream(std::string_view name) const {
        std::shared_lock lock(streams_mutex_);
        auto it = streams_.find(name);
        return it == streams_.end() ? nullptr : it->second.get();
    }

    StreamState& stream_state(std::string_view name) {
        if (StreamState* existing = find_stream(name)) return *existing;
        std::unique_lock lock(streams_mutex_);
        auto [it, inserted] = streams_.try_emplace(std::string(name));
        if (inserted) it->second = std::make_unique<StreamState>(replay_.of(name));
        return *it->second;
    }

    StreamState* take_subscription(SubscriptionId id) {
        std::lock_guard lock(subscriptions_mutex_);
        auto it = subscriptions_.find(id);
        if (it == subscriptions_.end()) return nullptr;
        StreamState* state = it->second;
        subscriptions_.erase(it);
        return state;
    }

    static void mark_removed(StreamState& state, SubscriptionId id) {
        for (Subscriber& subscriber : state.subscribers) {
            if (subscriber.id == id) subscriber.removed = true;
        }
        state.removed_during_delivery = true;
    }

    // Runs with state.mutex held.
    static void deliver(StreamState& state, const EventPtr& event) {
        state.delivering_thread.store(std::this_thread::get_id());
        for (Subscriber& subscriber : state.subscribers) {
            if (!subscriber.removed) call_sink(subscriber, *event, event);
        }
        state.delivering_thread.store(std::thread::id{});
        if (state.removed_during_delivery) {
            std::erase_if(state.subscribers, [](const Subscriber& s) { return s.removed; });
            state.removed_during_delivery = false;
        }
    }

    // A throwing sink breaks its contract; it must not cost the other subscribers the event.
    static void call_sink(const Subscriber& subscriber, const Event& event, const EventPtr& ptr) {
        try {
            subscriber.sink(ptr);
        } catch (const std::exception& e) {
            spdlog::error("bus: subscriber {} of stream '{}' threw on seq {}: {}", subscriber.id,
                          event.stream, event.seq, e.what());
        } catch (...) {
            spdlog::error("bus: subscriber {} of stream '{}' threw on seq {}", subscriber.id,
                          event.stream, event.seq);
        }
    }

    const ReplayPolicy replay_;
    mutable std::shared_mutex streams_mutex_;
    std::map<std::string, std::unique_ptr<StreamState>, std::less<>> streams_;
    std::mutex subscriptions_mutex_;
    std::unordered_map<SubscriptionId, StreamState*> subscriptions_;
    std::atomic<SubscriptionId> next_id_{1};
};

} // namespace

std::unique_ptr<BusEngine> make_memory_engine(ReplayPolicy replay) {
    return std::make_unique<MemoryEngine>(std::move(replay));
}

std::unique_ptr<BusEngine> make_memory_engine(size_t replay_capacity, size_t replay_bytes) {
    return make_memory_engine(ReplayPolicy(ReplayLimits{replay_capacity, replay_bytes}));
}

} // namespace switchyard

// A BusEngine whose behaviour the test scripts, for the kernel's callers of the bus: it can
// be down (publishes throw BusUnavailable, available() is false, with a reason), fail part
// of an array publish, answer publish_async on a thread of its own as the redis engine
// does, and deliver to its sinks any seq the test names, skips included (what the redis
// engine does when Redis trimmed entries while the node was away).
#pragma once

#include "bus/bus_engine.hpp"

#include <atomic>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace switchyard::testing {

class ScriptedBus final : public BusEngine {
  public:
    ~ScriptedBus() override {
        for (auto& thread : answering_) thread.join();
    }

    // Down: publishes throw BusUnavailable(`why`) and available() is false.
    void go_down(std::string why) {
        std::lock_guard lock(mutex_);
        reason_ = std::move(why);
        up_ = false;
    }
    void come_back() {
        std::lock_guard lock(mutex_);
        reason_.clear();
        up_ = true;
    }
    // The next `count` publishes succeed, the ones after throw BusUnavailable.
    void fail_after(size_t count) {
        std::lock_guard lock(mutex_);
        successes_left_ = count;
    }
    // publish_async calls `done` on a thread of its own (the redis engine's way), not on
    // the caller's.
    void answer_on_own_thread() { own_thread_ = true; }

    // Hands the sinks of `stream` an event with `seq` (topic: the stream), as the engine's
    // delivery would; the stream's last seq becomes `seq`.
    void deliver(const std::string& stream, uint64_t seq) {
        auto event = std::make_shared<Event>();
        event->stream = event->topic = stream;
        event->type = "scripted";
        event->data = "{}";
        event->seq = seq;
        event->ts = 1;
        std::lock_guard lock(mutex_);
        last_[stream] = seq;
        for (const auto& [id, subscription] : subscriptions_) {
            if (subscription.first == stream) subscription.second(event);
        }
    }

    EventPtr publish(Event event) override {
        if (event.type.empty() || !is_valid_topic(event.topic))
            throw std::invalid_argument("scripted: invalid event");
        std::lock_guard lock(mutex_);
        if (!up_) throw BusUnavailable(reason_);
        if (successes_left_ == 0) throw BusUnavailable("scripted: the connection broke");
        --successes_left_;
        event.stream = std::string(stream_of(event.topic));
        event.seq = ++last_[event.stream];
        event.ts = 1;
        auto stored = std::make_shared<const Event>(std::move(event));
        for (const auto& [id, subscription] : subscriptions_) {
            if (subscription.first == stored->stream) subscription.second(stored);
        }
        return stored;
    }

    void publish_async(std::vector<Event> events, PublishDone done) override {
        if (!own_thread_) {
            BusEngine::publish_async(std::move(events), std::move(done));
            return;
        }
        std::lock_guard lock(threads_mutex_);
        answering_.emplace_back([this, events = std::move(events), done = std::move(done)] {
            BusEngine::publish_async(std::move(events), std::move(done));
        });
    }

    bool available() const noexcept override {
        std::lock_guard lock(mutex_);
        return up_;
    }
    std::string unavailable_reason() const override {
        std::lock_guard lock(mutex_);
        return reason_;
    }

    SubscriptionId subscribe(std::string stream, EventSink sink, std::optional<uint64_t> after_seq,
                             ReplayResult* replay) override {
        std::lock_guard lock(mutex_);
        if (after_seq && replay != nullptr) *replay = replay_locked(stream, *after_seq);
        const SubscriptionId id = ++next_id_;
        subscriptions_.emplace(id, std::make_pair(std::move(stream), std::move(sink)));
        return id;
    }
    void unsubscribe(SubscriptionId id) override {
        std::lock_guard lock(mutex_);
        subscriptions_.erase(id);
    }
    // Holds no events: a replay is only the stream's last seq (and a gap for a cursor
    // behind or ahead of it).
    ReplayResult replay_after(std::string_view stream, uint64_t after_seq) const override {
        std::lock_guard lock(mutex_);
        return replay_locked(stream, after_seq);
    }
    uint64_t last_seq(std::string_view stream) const override {
        std::lock_guard lock(mutex_);
        const auto it = last_.find(std::string(stream));
        return it == last_.end() ? 0 : it->second;
    }
    std::vector<StreamStats> stream_stats() const override {
        std::lock_guard lock(mutex_);
        std::vector<StreamStats> out;
        for (const auto& [name, last] : last_) out.push_back({.name = name, .last_seq = last});
        return out;
    }
    std::string_view engine_name() const override { return "scripted"; }

    // Subscriptions now (a test waits for a follower's to appear).
    size_t subscription_count() const {
        std::lock_guard lock(mutex_);
        return subscriptions_.size();
    }

  private:
    ReplayResult replay_locked(std::string_view stream, uint64_t after_seq) const {
        ReplayResult result;
        const auto it = last_.find(std::string(stream));
        result.last_seq = it == last_.end() ? 0 : it->second;
        result.gap = after_seq != result.last_seq;
        return result;
    }

    mutable std::mutex mutex_; // held while sinks run, as an engine's may be
    bool up_ = true;
    std::string reason_;
    size_t successes_left_ = std::numeric_limits<size_t>::max();
    std::atomic<bool> own_thread_{false};
    std::map<std::string, uint64_t> last_;
    std::map<SubscriptionId, std::pair<std::string, EventSink>> subscriptions_;
    SubscriptionId next_id_ = 0;
    std::mutex threads_mutex_;
    std::vector<std::thread> answering_;
};

} // namespace switchyard::testing

// The plugin's subscriptions to the bus streams it declares. Each event is queued on the
// plugin's dispatcher; one that cannot be (the dispatcher is full) is dropped, and the
// plugin learns of the loss from the next event it gets of that stream, which carries
// sy_event_v1.gap, so that it can replay what it missed from the ring. An event whose seq
// skips past the previous one the bus delivered (the redis engine: entries trimmed while
// the node was away from Redis) carries the gap flag too.
//
// That next event must exist even when the burst that filled the queue was the last:
// the first drop queues a catch-up past the bound (one per stream at a time) that hands
// the plugin the newest event dropped since, with the gap flag. Events queued after the
// catch-up are never overtaken: a drop after one of them queues a new catch-up behind it.
//
// subscribe and clear: from the thread that starts, reloads or stops the plugin; the
// sinks run on the publishing threads.
#pragma once

#include "bus/bus_engine.hpp"
#include "plugin/plugin_dispatcher.hpp"

#include <switchyard/plugin.h>

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace switchyard {

class StreamSubscriptions {
  public:
    // `dispatch_limit` is the dispatcher's bound (named in the log line of a lost event).
    StreamSubscriptions(BusEngine& bus, PluginDispatcher& dispatcher, std::string plugin,
                        size_t dispatch_limit)
        : bus_(bus),
          dispatcher_(dispatcher),
          plugin_(std::move(plugin)),
          dispatch_limit_(dispatch_limit) {}
    ~StreamSubscriptions() { clear(); }
    StreamSubscriptions(const StreamSubscriptions&) = delete;
    StreamSubscriptions& operator=(const StreamSubscriptions&) = delete;

    // Replaces the subscriptions with one per stream `plugin` declares; each event runs
    // `deliver(const Event&, bool gap)` on the dispatcher, `gap` set when events of its
    // stream before it were lost.
    template <class Deliver>
    void subscribe(const sy_plugin_v1& plugin, Deliver deliver) {
        clear();
        for (size_t i = 0; i < plugin.stream_count; ++i) {
            auto loss = std::make_shared<StreamLoss>();
            ids_.push_back(
                bus_.subscribe(plugin.streams[i], [this, loss, deliver](const EventPtr& event) {
                    std::lock_guard lock(loss->mutex);
                    // A seq the engine skipped (the redis engine's trimmed entries) is lost
                    // as surely as one dropped here.
                    const bool skipped = loss->last_seq != 0 && event->seq > loss->last_seq + 1;
                    loss->last_seq = event->seq;
                    const bool gap = loss->lost || skipped;
                    if (dispatcher_.post([deliver, event, gap] { deliver(*event, gap); })) {
                        loss->lost = false;
                        loss->catch_up.reset(); // it must not hand over events after this one
                        return;
                    }
                    loss->lost = true;
                    note_lost(*event);
                    if (loss->catch_up) {
                        loss->catch_up->newest = event; // still the stream's last task
                        return;
                    }
                    auto catch_up = std::make_shared<CatchUp>();
                    catch_up->newest = event;
                    loss->catch_up = catch_up;
                    dispatcher_.post_always([deliver, loss, catch_up] {
                        EventPtr newest;
                        {
                            std::lock_guard lock(loss->mutex);
                            newest = std::move(catch_up->newest);
                            if (loss->catch_up == catch_up) {
                                loss->catch_up.reset();
                                loss->lost = false; // the gap goes with `newest`
                            }
                        }
                        if (newest) deliver(*newest, true);
                    });
                }));
        }
    }
    // Ends every subscription; no sink runs after it returns.
    void clear() {
        for (auto id : std::exchange(ids_, {})) bus_.unsubscribe(id);
    }

  private:
    // The newest event dropped since a catch-up task was queued, for it to hand over.
    struct CatchUp {
        EventPtr newest;
    };
    // One stream's losses. The sink (on publishing threads, one at a time per stream)
    // and the catch-up task (on the dispatcher) share it.
    struct StreamLoss {
        std::mutex mutex;
        uint64_t last_seq = 0;             // the last seq the bus handed the sink; 0: none
        bool lost = false;                 // an event was dropped since the last one queued
        std::shared_ptr<CatchUp> catch_up; // queued, not run, and nothing queued after it
    };

    // Logs (rate-limited) an event dropped because the dispatcher is full.
    void note_lost(const Event& event) const;

    BusEngine& bus_;
    PluginDispatcher& dispatcher_;
    std::string plugin_;
    size_t dispatch_limit_;
    std::vector<SubscriptionId> ids_;
};

} // namespace switchyard

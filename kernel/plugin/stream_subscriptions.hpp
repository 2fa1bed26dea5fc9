// The plugin's subscriptions to the bus streams it declares. Each event is queued on the
// plugin's dispatcher; one that cannot be (the dispatcher is full) is dropped, and the
// next event of its stream carries sy_event_v1.gap so the plugin learns of the loss and
// can replay.
//
// subscribe and clear: from the thread that starts, reloads or stops the plugin; the
// sinks run on the publishing threads.
#pragma once

#include "bus/bus_engine.hpp"
#include "plugin/plugin_dispatcher.hpp"

#include <switchyard/plugin.h>

#include <atomic>
#include <memory>
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
            auto lost = std::make_shared<std::atomic<bool>>(false);
            ids_.push_back(
                bus_.subscribe(plugin.streams[i], [this, lost, deliver](const EventPtr& event) {
                    const bool gap = lost->exchange(false);
                    if (!dispatcher_.post([deliver, event, gap] { deliver(*event, gap); })) {
                        lost->store(true);
                        note_lost(*event);
                    }
                }));
        }
    }
    // Ends every subscription; no sink runs after it returns.
    void clear() {
        for (auto id : std::exchange(ids_, {})) bus_.unsubscribe(id);
    }

  private:
    // Logs (rate-limited) an event dropped because the dispatcher is full.
    void note_lost(const Event& event) const;

    BusEngine& bus_;
    PluginDispatcher& dispatcher_;
    std::string plugin_;
    size_t dispatch_limit_;
    std::vector<SubscriptionId> ids_;
};

} // namespace switchyard

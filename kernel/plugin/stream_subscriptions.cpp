#include "plugin/stream_subscriptions.hpp"

#include "log/rate_limited_log.hpp"

namespace switchyard {

namespace {

RateLimitedLog g_lost_events("events lost to a full plugin queue");

} // namespace

void StreamSubscriptions::note_lost(const Event& event) const {
    g_lost_events.warn(
        "plugin {}: {} calls waiting; event {} seq {} dropped, the plugin is "
        "told of the gap with the next event it gets",
        plugin_, dispatch_limit_, event.topic, event.seq);
}

} // namespace switchyard

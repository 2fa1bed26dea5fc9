// How much of each stream the bus keeps for replay: one default for every stream, and
// overrides for the streams whose events call for another size ([bus.streams.<name>] in
// the config). A JetStart dex reload is megabytes that no reconnecting client needs
// again, while a chat stream's thousand small events are what a reconnect asks for: one
// budget for both would keep either too little or hundreds of megabytes.
#pragma once

#include <cstddef>
#include <limits>
#include <map>
#include <string>
#include <string_view>

namespace switchyard {

// What one stream's replay ring may hold (see ReplayRing).
struct ReplayLimits {
    size_t events = 1000;                              // the newest this many events
    size_t bytes = std::numeric_limits<size_t>::max(); // in at most this much memory
};

// The limits of every stream: a default and per-stream overrides.
class ReplayPolicy {
  public:
    ReplayPolicy() = default;
    explicit ReplayPolicy(ReplayLimits defaults,
                          std::map<std::string, ReplayLimits, std::less<>> per_stream = {})
        : defaults_(defaults), per_stream_(std::move(per_stream)) {}

    // The limits of `stream`: its override, or the default.
    ReplayLimits of(std::string_view stream) const {
        auto it = per_stream_.find(stream);
        return it == per_stream_.end() ? defaults_ : it->second;
    }

  private:
    ReplayLimits defaults_;
    std::map<std::string, ReplayLimits, std::less<>> per_stream_;
};

} // namespace switchyard

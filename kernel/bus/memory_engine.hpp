// The embedded bus engine: streams, replay rings and subscribers in this process's memory.
#pragma once

#include "bus/bus_engine.hpp"
#include "bus/replay_limits.hpp"

#include <cstddef>
#include <limits>
#include <memory>

namespace switchyard {

// A bus keeping for replay what `replay` allows of each stream (see ReplayRing).
std::unique_ptr<BusEngine> make_memory_engine(ReplayPolicy replay);

// A bus keeping the newest `replay_capacity` events of each stream for replay, in at most
// `replay_bytes` per stream.
std::unique_ptr<BusEngine> make_memory_engine(
    size_t replay_capacity, size_t replay_bytes = std::numeric_limits<size_t>::max());

} // namespace switchyard

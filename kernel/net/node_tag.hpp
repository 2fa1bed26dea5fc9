// The node tag: what makes a connection id unique across the Switchyard nodes that share
// one bus (the redis engine). A backend answers one client by publishing with
// scope.conn = its id, and every node delivers that event to its own connection of that
// id: without a tag, node B's client with the same counter as A's would get A's answer.
//
// A connection id is [63:40] the node tag, [39:8] a counter, [7:0] the worker's index
// (worker.hpp). A kernel alone (the memory engine) has tag 0, so its ids are what they
// always were. A random tag keeps bit 63 clear: ids stay positive int64s, the form the
// SDK's JSON and the plugins' snapshots (claudecontrol, jetstart) read numbers in.
#pragma once

#include <cstdint>

namespace switchyard {

// Where the tag sits in a connection id, and the counter's width below it.
inline constexpr unsigned kNodeTagShift = 40;
inline constexpr uint64_t kTaggedCounterMask = (uint64_t{1} << (kNodeTagShift - 8)) - 1;
// The largest tag: 23 bits, so bit 63 of an id stays 0.
inline constexpr uint32_t kMaxNodeTag = (uint32_t{1} << 23) - 1;

// The tag in connection id `id` (0: a kernel alone).
inline uint32_t node_tag_of(uint64_t id) noexcept {
    return static_cast<uint32_t>(id >> kNodeTagShift);
}

// A fresh random tag in [1, kMaxNodeTag], from the system's random source: two nodes
// draw the same one with a chance of about 1 in 8 million.
uint32_t random_node_tag();

} // namespace switchyard

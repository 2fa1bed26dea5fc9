// The redis bus engine: several Switchyard nodes share one event history in Redis Streams.
//
// Redis numbers each stream's events (XADD ... 0-*, atomic with the append), so a seq is
// the same on every node. Each node keeps a mirror of every stream (LocalStreams: the
// memory engine's rings and subscribers), filled only from Redis in seq order by a
// follower (XREAD BLOCK on a connection of its own), and serves its clients from it: live
// fan-out, replay after a cursor and subscribe-with-replay are the memory engine's code,
// local and synchronous, and no plugin hook or worker waits on Redis to read. A publish
// waits for its XADD's reply (one round trip); the publishing node delivers its own event
// as soon as that reply says it is next, without waiting for the follower.
//
// Both connections are driven by the engine's own thread (sy-bus-redis), so a publish
// made from any worker or hook can wait for its reply without stalling that loop; sinks
// run on that thread. While Redis is unreachable the engine is not available():
// publishes fail at once with BusUnavailable, subscribers and the mirror stay, and it
// reconnects with capped backoff, resuming each stream after the newest entry it holds:
// nothing lost within what Redis kept, nothing delivered twice, and a seq skip (a gap)
// where Redis trimmed entries meanwhile.
#pragma once

#include "bus/bus_engine.hpp"
#include "bus/redis_url.hpp"
#include "bus/replay_limits.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace switchyard {

// How the engine reaches Redis and what it keeps.
struct RedisEngineOptions {
    RedisEndpoint endpoint;
    std::string key_prefix = "switchyard";   // every key starts "<prefix>:"
    std::chrono::milliseconds timeout{1000}; // connect, log in, and each reply
    ReplayPolicy replay;                     // the mirror's rings, and Redis's trimming
    size_t max_reply_bytes = 512u << 20;     // one reply (XREAD of a stream's backlog)
    std::string client_name = "switchyard";  // CLIENT SETNAME, to tell nodes apart
};

// Starts the engine's thread and its first connection attempt; returns at once (it is
// available() once connected and caught up).
std::unique_ptr<BusEngine> make_redis_engine(RedisEngineOptions options);

} // namespace switchyard

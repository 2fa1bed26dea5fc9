// Whether a Redis server can carry the redis bus engine, in words for an operator: asked
// by `switchyard --check-config` (probe_redis) before a deployment relies on it, and by
// the engine's own handshake (redis_server_problem on its INFO server reply).
#pragma once

#include "bus/redis_url.hpp"

#include <chrono>
#include <string>
#include <string_view>

namespace switchyard {

// "" when the server whose `INFO server` reply is `info_server_text` can run the redis
// engine (redis_version 7.0 or later: it takes sequences with XADD's "0-*" ids, new in 7),
// else a sentence naming it by `where` (RedisEndpoint::describe()):
// "Redis at 127.0.0.1:6380 is 6.2.7; the redis engine needs Redis 7.0 or later".
std::string redis_server_problem(std::string_view info_server_text, std::string_view where);

// A RedisConnection's failure (`error`, as its open or reply handlers hear it) worded for
// an operator, for a connection to `where` with deadline `timeout`:
// "Redis at 127.0.0.1:6380 is unreachable: Connection refused",
// "Redis at 127.0.0.1:6380 did not answer within 300 ms",
// "Redis at 127.0.0.1:6380 refused the password (WRONGPASS ...)".
std::string describe_redis_failure(std::string_view error, std::string_view where,
                                   std::chrono::milliseconds timeout);

// Connects to `endpoint` on an io_context of its own, logs in (AUTH, SELECT, PING) and
// asks INFO server, each step within `timeout`. "" when the redis engine could use it,
// else why not (describe_redis_failure, redis_server_problem). Blocks the caller.
std::string probe_redis(const RedisEndpoint& endpoint, std::chrono::milliseconds timeout);

} // namespace switchyard

// Redis engines for the unit tests: one redis-server per test binary, started when a test
// first needs one, and each engine on keys of its own, so tests never see each other's
// streams and need no FLUSHDB between them.
#pragma once

#include "bus/redis_engine.hpp"
#include "bus/redis_url.hpp"
#include "redis_server.hpp"
#include "wait_until.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

namespace switchyard::test {

// The binary's shared redis-server.
inline RedisServer& shared_redis() {
    static RedisServer server = RedisServer::start();
    return server;
}

// A key prefix no other engine of this run uses: "t<pid>_<n>".
inline std::string fresh_key_prefix() {
    static std::atomic<int> next{0};
    return "t" + std::to_string(::getpid()) + "_" + std::to_string(next++);
}

// An engine on `url` (a redis:// or unix:// URL) and `prefix`, once it is available.
inline std::unique_ptr<BusEngine> connected_redis_engine(
    const std::string& url, const std::string& prefix, ReplayPolicy replay = {},
    std::chrono::milliseconds timeout = std::chrono::milliseconds(1000)) {
    RedisEngineOptions options;
    options.endpoint = std::get<RedisEndpoint>(parse_redis_url(url));
    options.key_prefix = prefix;
    options.replay = std::move(replay);
    options.timeout = timeout;
    auto bus = make_redis_engine(std::move(options));
    REQUIRE(wait_until([&] { return bus->available(); }, std::chrono::seconds(10)));
    return bus;
}

} // namespace switchyard::test

// What the redis bus engine (issue 15) relies on Redis for, checked on the real server
// the tests and CI install (Debian's redis-server 7.0): a stream entry id "0-<seq>" that
// Redis assigns with the append ("XADD key 0-* ..."), so one gap-free, increasing
// sequence serves every node and every publisher; that the sequence outlives trimming and
// a crash (append-only file, fsync at every write); that a replay after seq N is one
// exclusive XRANGE. If a Redis upgrade changed any of these, the engine's design would
// have to change, and these tests say which assumption broke.
#include "redis_server.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace switchyard::test;

namespace {

// The id of the entry XADD appended, e.g. "0-3".
std::string append(const RedisServer& redis, const std::string& key,
                   const std::vector<std::string>& options = {}) {
    std::vector<std::string> argv = {"XADD", key};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.insert(argv.end(), {"0-*", "type", "t", "data", "{}"});
    const RedisReply reply = redis.command(argv);
    INFO(reply.text);
    REQUIRE(reply.kind == RedisReply::Kind::String);
    return reply.text;
}

// The ids XRANGE returns for [start, end].
std::vector<std::string> ids_in_range(const RedisServer& redis, const std::string& key,
                                      const std::string& start, const std::string& end = "+") {
    const RedisReply reply = redis.command({"XRANGE", key, start, end});
    REQUIRE(reply.kind == RedisReply::Kind::Array);
    std::vector<std::string> ids;
    for (const auto& entry : reply.elements) {
        REQUIRE(entry.kind == RedisReply::Kind::Array);
        ids.push_back(entry.elements.at(0).text);
    }
    return ids;
}

} // namespace

TEST_CASE("redis: XADD 0-* numbers a stream's entries 1, 2, 3 from any connection", "[redis]") {
    auto redis = RedisServer::start();
    // Each command() is a connection of its own: the sequence belongs to the stream, not
    // to a client.
    CHECK(append(redis, "sy:groove") == "0-1");
    CHECK(append(redis, "sy:groove") == "0-2");
    CHECK(append(redis, "sy:clijaw") == "0-1");
    CHECK(append(redis, "sy:groove") == "0-3");

    // A publisher holding a stale id cannot append behind the top: no duplicate seq.
    const RedisReply stale = redis.command({"XADD", "sy:groove", "0-2", "type", "t"});
    CHECK(stale.kind == RedisReply::Kind::Error);
}

TEST_CASE(
    "redis: the sequence goes on past trimming, and a replay after N is one exclusive "
    "XRANGE",
    "[redis]") {
    auto redis = RedisServer::start();
    for (int i = 1; i <= 5; ++i) append(redis, "sy:jetstart", {"MAXLEN", "2"});
    CHECK(redis.command({"XLEN", "sy:jetstart"}).text == "2");
    CHECK(ids_in_range(redis, "sy:jetstart", "-") == std::vector<std::string>{"0-4", "0-5"});
    // Trimmed entries are not numbered again.
    CHECK(append(redis, "sy:jetstart", {"MAXLEN", "2"}) == "0-6");

    // after_seq = 4: everything with seq > 4. The first id held (0-5) is 4 + 1: no gap.
    CHECK(ids_in_range(redis, "sy:jetstart", "(0-4") == std::vector<std::string>{"0-5", "0-6"});
    // after_seq = 2: the first held is 0-5, not 0-3: entries 3 and 4 were trimmed (a gap).
    CHECK(ids_in_range(redis, "sy:jetstart", "(0-2").front() == "0-5");
    // after_seq = 6 (the newest): nothing.
    CHECK(ids_in_range(redis, "sy:jetstart", "(0-6").empty());
}

TEST_CASE(
    "redis: the sequence survives a crash with the append-only file fsync'd at every "
    "write",
    "[redis]") {
    auto redis = RedisServer::start();
    CHECK(append(redis, "sy:jarvis") == "0-1");
    CHECK(append(redis, "sy:jarvis") == "0-2");
    redis.kill(); // SIGKILL: no shutdown save
    redis.restart();
    CHECK(ids_in_range(redis, "sy:jarvis", "-") == std::vector<std::string>{"0-1", "0-2"});
    CHECK(append(redis, "sy:jarvis") == "0-3");
}

TEST_CASE("redis: a server with a password refuses commands until AUTH", "[redis]") {
    auto redis = RedisServer::start({.password = "s3cret"});
    const RedisReply anonymous = redis.command({"PING"}, /*authenticate=*/false);
    CHECK(anonymous.kind == RedisReply::Kind::Error);
    CHECK_THAT(anonymous.text, Catch::StartsWith("NOAUTH"));
    CHECK(redis.command({"PING"}).text == "PONG");
    CHECK_THAT(redis.url(), Catch::StartsWith("redis://:s3cret@127.0.0.1:"));
    CHECK_THAT(redis.unix_url(), Catch::EndsWith("?password=s3cret"));
}

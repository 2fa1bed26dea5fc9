// Whether a Redis can carry the redis bus engine (kernel/bus/redis_probe.*): the version
// check on INFO server's text, the failures of a connection worded for an operator, and
// probe_redis over real sockets: a real Redis (TCP, Unix socket, password, database),
// nothing listening, a peer that never answers, and a fake Redis that says it is 6.2.7.
#include "bus/redis_probe.hpp"

#include "free_port.hpp"
#include "redis_server.hpp"
#include "tcp_acceptor.hpp"

#include <catch2/catch.hpp>

#include <future>
#include <string>

using namespace switchyard;
using namespace switchyard::test;
using namespace std::chrono_literals;

namespace {

RedisEndpoint endpoint_of(const std::string& url) {
    return std::get<RedisEndpoint>(parse_redis_url(url));
}

std::string tcp_url(uint16_t port) {
    return "redis://127.0.0.1:" + std::to_string(port);
}

// INFO server as Redis words it, with `version`.
std::string info_with(const std::string& version) {
    return "# Server\r\nredis_version:" + version +
           "\r\nredis_git_sha1:00000000\r\nredis_mode:standalone\r\nos:Linux\r\n";
}

// Plays a Redis of version `version` to the first connection of `acceptor`: PONG to the
// log-in's PING, then `version` in INFO server. Returns what it was sent.
std::string play_redis(TcpAcceptor& acceptor, const std::string& version) {
    auto peer = acceptor.accept(10s);
    if (!peer) return "no connection";
    auto has = [&](std::string_view what) {
        return peer->read_until(
            [&](const std::string& got) { return got.find(what) != std::string::npos; }, 10s);
    };
    if (!has("PING\r\n")) return peer->received();
    peer->write("+PONG\r\n");
    if (!has("server\r\n")) return peer->received();
    const std::string info = info_with(version);
    peer->write("$" + std::to_string(info.size()) + "\r\n" + info + "\r\n");
    peer->wait_closed(10s); // the probe hangs up once it has the answer
    return peer->received();
}

} // namespace

TEST_CASE("redis probe: 7.0 and later are fine, older and unknown versions are named", "[redis]") {
    const std::string where = "127.0.0.1:6380";
    CHECK(redis_server_problem(info_with("7.0.15"), where).empty());
    CHECK(redis_server_problem(info_with("7.2.4"), where).empty());
    CHECK(redis_server_problem(info_with("8.0.2"), where).empty());
    CHECK(redis_server_problem(info_with("10.1.0"), where).empty());
    CHECK(redis_server_problem("redis_version:7\n", where).empty()); // LF only, no minor

    CHECK(redis_server_problem(info_with("6.2.7"), where) ==
          "Redis at 127.0.0.1:6380 is 6.2.7; the redis engine needs Redis 7.0 or later");
    CHECK(redis_server_problem(info_with("5.0.14"), "unix:/run/redis.sock db 2") ==
          "Redis at unix:/run/redis.sock db 2 is 5.0.14; the redis engine needs Redis 7.0 or "
          "later");

    // A field whose name only starts with redis_version is not it.
    CHECK(redis_server_problem("redis_version_x:9.0.0\r\nos:Linux\r\n", where) ==
          "Redis at 127.0.0.1:6380 did not tell its version (no redis_version in INFO server)");
    CHECK(redis_server_problem("", where) ==
          "Redis at 127.0.0.1:6380 did not tell its version (no redis_version in INFO server)");
    CHECK(redis_server_problem(info_with("seven"), where) ==
          "Redis at 127.0.0.1:6380 gave a version that is not a number: 'seven'");
    CHECK(redis_server_problem(info_with("7x.1"), where) ==
          "Redis at 127.0.0.1:6380 gave a version that is not a number: '7x.1'");
    // What a hostile peer says is quoted short and without control bytes.
    const std::string problem =
        redis_server_problem("redis_version:6.\x1b[31m" + std::string(500, '9') + "\r\n", where);
    CHECK_THAT(problem, Catch::StartsWith("Redis at 127.0.0.1:6380 is 6.?[31m999"));
    CHECK_THAT(problem, Catch::Contains("...; the redis engine needs Redis 7.0 or later"));
    CHECK(problem.size() < 120);
}

TEST_CASE("redis probe: a connection's failures in an operator's words", "[redis]") {
    const std::string where = "127.0.0.1:6380";
    const auto say = [&](std::string_view error) {
        return describe_redis_failure(error, where, 300ms);
    };
    CHECK(say("cannot connect to 127.0.0.1:6380: Connection refused") ==
          "Redis at 127.0.0.1:6380 is unreachable: Connection refused");
    CHECK(say("cannot resolve nowhere.invalid: Host not found (authoritative)") ==
          "Redis at 127.0.0.1:6380 is unreachable: cannot resolve nowhere.invalid: Host not "
          "found (authoritative)");
    CHECK(say("no connect to 127.0.0.1:6380 within 300 ms") ==
          "Redis at 127.0.0.1:6380 did not answer within 300 ms");
    CHECK(say("no log in to 127.0.0.1:6380 within 300 ms") ==
          "Redis at 127.0.0.1:6380 did not answer within 300 ms");
    CHECK(say("no reply from 127.0.0.1:6380 within 300 ms") ==
          "Redis at 127.0.0.1:6380 did not answer within 300 ms");
    CHECK(say("127.0.0.1:6380 refused the password: WRONGPASS invalid username-password pair") ==
          "Redis at 127.0.0.1:6380 refused the password (WRONGPASS invalid username-password "
          "pair)");
    CHECK(say("127.0.0.1:6380 answered PING with NOAUTH Authentication required.") ==
          "Redis at 127.0.0.1:6380 needs a password, and bus.redis_url gives none (NOAUTH "
          "Authentication required.)");
    CHECK(say("127.0.0.1:6380 refused database 3: ERR DB index is out of range") ==
          "Redis at 127.0.0.1:6380 refused database 3: ERR DB index is out of range");
    CHECK(say("bad reply from 127.0.0.1:6380: Protocol error") ==
          "Redis at 127.0.0.1:6380: bad reply from 127.0.0.1:6380: Protocol error");
}

TEST_CASE("redis probe: a real Redis 7 is accepted over TCP and a Unix socket", "[redis]") {
    auto redis = RedisServer::start({.password = "s3cret"});
    for (const std::string& url :
         {redis.url() + "/3", redis.unix_url() + "&db=2",
          "redis://default:s3cret@127.0.0.1:" + std::to_string(redis.port())}) {
        INFO(url);
        CHECK(probe_redis(endpoint_of(url), 2000ms) == "");
    }
}

TEST_CASE("redis probe: a wrong or missing password and a database Redis lacks are refused",
          "[redis]") {
    auto redis = RedisServer::start({.password = "s3cret"});
    const std::string address = "127.0.0.1:" + std::to_string(redis.port());
    CHECK_THAT(probe_redis(endpoint_of("redis://:nope@" + address), 2000ms),
               Catch::StartsWith("Redis at " + address + " refused the password (WRONGPASS"));
    CHECK_THAT(probe_redis(endpoint_of("redis://" + address), 2000ms),
               Catch::StartsWith("Redis at " + address +
                                 " needs a password, and bus.redis_url gives none (NOAUTH"));
    // Redis has 16 databases unless told otherwise.
    CHECK_THAT(probe_redis(endpoint_of(redis.url() + "/99"), 2000ms),
               Catch::StartsWith("Redis at " + address + " db 99 refused database 99: ERR"));
}

TEST_CASE("redis probe: nothing listening, and a peer that never answers", "[redis]") {
    const uint16_t closed_port = free_port(); // nothing listens there
    CHECK(probe_redis(endpoint_of(tcp_url(closed_port)), 2000ms) ==
          "Redis at 127.0.0.1:" + std::to_string(closed_port) +
              " is unreachable: Connection refused");
    CHECK(probe_redis(endpoint_of("unix:///nonexistent/redis.sock"), 2000ms) ==
          "Redis at unix:/nonexistent/redis.sock is unreachable: No such file or directory");

    TcpAcceptor silent; // the kernel's backlog accepts; nobody ever answers
    CHECK(probe_redis(endpoint_of(tcp_url(silent.port())), 300ms) ==
          "Redis at 127.0.0.1:" + std::to_string(silent.port()) + " did not answer within 300 ms");
}

TEST_CASE("redis probe: a Redis older than 7.0 is refused with its version", "[redis]") {
    TcpAcceptor acceptor;
    auto fake = std::async(std::launch::async, [&] { return play_redis(acceptor, "6.2.7"); });
    CHECK(probe_redis(endpoint_of(tcp_url(acceptor.port())), 5000ms) ==
          "Redis at 127.0.0.1:" + std::to_string(acceptor.port()) +
              " is 6.2.7; the redis engine needs Redis 7.0 or later");
    CHECK_THAT(fake.get(), Catch::Contains("INFO") && Catch::Contains("server"));
}

// The redis engine's connection (kernel/bus/redis_connection.*) against a real Redis:
// TCP and Unix sockets, logging in with a password and a database, replies in the order
// of a pipeline, and every way it ends (refused, a peer that never answers, Redis killed
// with commands in flight, a reply over the bound) heard once, with why.
#include "bus/redis_connection.hpp"

#include "bus/redis_url.hpp"
#include "free_port.hpp"
#include "redis_server.hpp"
#include "tcp_acceptor.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <hiredis/hiredis.h>

#include <optional>
#include <string>
#include <vector>

using namespace switchyard;
using namespace switchyard::test;
using namespace std::chrono_literals;

namespace {

constexpr size_t kBound = 1 << 20;

RedisEndpoint endpoint_of(const std::string& url) {
    return std::get<RedisEndpoint>(parse_redis_url(url));
}

// Runs `io` until `done` holds (or 10 s pass: the test then fails on what it checks).
template <class Predicate>
void run_until(boost::asio::io_context& io, Predicate done) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    io.restart();
    while (!done() && std::chrono::steady_clock::now() < deadline) io.run_one_for(50ms);
}

// Opens a connection; returns it with the open's outcome ("" when open).
std::pair<std::shared_ptr<RedisConnection>, std::string> open(
    boost::asio::io_context& io, const std::string& url, std::chrono::milliseconds timeout = 2000ms,
    size_t bound = kBound) {
    auto connection = RedisConnection::create(io, endpoint_of(url), timeout, bound);
    std::optional<std::string> outcome;
    connection->async_open([&](std::string_view error) { outcome = std::string(error); });
    run_until(io, [&] { return outcome.has_value(); });
    REQUIRE(outcome);
    return {connection, *outcome};
}

// Sends one command and runs until its reply; the reply's text (status, string, integer
// or error) or "error: <why>".
std::string round_trip(boost::asio::io_context& io, RedisConnection& connection,
                       std::vector<std::string_view> args) {
    std::optional<std::string> answer;
    connection.send(args, [&](resp::Reply reply, std::string_view error) {
        if (!error.empty()) answer = "error: " + std::string(error);
        else if (reply->type == REDIS_REPLY_INTEGER) answer = std::to_string(reply->integer);
        else answer = std::string(reply->str, reply->len);
    });
    run_until(io, [&] { return answer.has_value(); });
    REQUIRE(answer);
    return *answer;
}

} // namespace

TEST_CASE("redis connection: TCP and Unix socket, replies in pipeline order", "[redis]") {
    auto redis = RedisServer::start();
    boost::asio::io_context io;
    for (const std::string& url : {redis.url(), redis.unix_url()}) {
        INFO(url);
        auto [connection, error] = open(io, url);
        REQUIRE(error.empty());
        CHECK(connection->is_open());
        CHECK(round_trip(io, *connection, {"PING"}) == "PONG");

        // 200 commands queued at once go out pipelined; the replies come back in order.
        std::vector<long long> seen;
        const std::string key = "counter:" + url;
        for (int i = 0; i < 200; ++i) {
            connection->send(
                std::vector<std::string_view>{"INCR", key},
                [&](resp::Reply reply, std::string_view) { seen.push_back(reply->integer); });
        }
        run_until(io, [&] { return seen.size() == 200; });
        REQUIRE(seen.size() == 200);
        for (size_t i = 0; i < seen.size(); ++i) CHECK(seen[i] == static_cast<long long>(i + 1));
        connection->close();
        CHECK_FALSE(connection->is_open());
    }
}

TEST_CASE("redis connection: logs in with the password and selects the database", "[redis]") {
    auto redis = RedisServer::start({.password = "s3cret"});
    boost::asio::io_context io;

    auto [connection, error] =
        open(io, "unix://" + redis.unix_socket().string() + "?password=s3cret&db=3");
    REQUIRE(error.empty());
    CHECK_THAT(round_trip(io, *connection, {"CLIENT", "INFO"}), Catch::Contains(" db=3 "));

    auto [wrong, wrong_error] = open(io, "redis://:nope@127.0.0.1:" + std::to_string(redis.port()));
    CHECK_FALSE(wrong->is_open());
    CHECK_THAT(wrong_error,
               Catch::Contains("refused the password") && Catch::Contains("WRONGPASS"));

    auto [anonymous, anonymous_error] =
        open(io, "redis://127.0.0.1:" + std::to_string(redis.port()));
    CHECK_THAT(anonymous_error, Catch::Contains("answered PING with NOAUTH"));
}

TEST_CASE(
    "redis connection: nothing listening, and a peer that never answers, end the open "
    "with why",
    "[redis]") {
    boost::asio::io_context io;
    const uint16_t closed_port = free_port(); // nothing listens there
    auto [refused, refused_error] = open(io, "redis://127.0.0.1:" + std::to_string(closed_port));
    CHECK_THAT(refused_error,
               Catch::Contains("cannot connect to 127.0.0.1:" + std::to_string(closed_port)));

    TcpAcceptor silent; // accepts (the kernel's backlog does) and never says a word
    auto [mute, mute_error] = open(io, "redis://127.0.0.1:" + std::to_string(silent.port()), 300ms);
    CHECK(mute_error ==
          "no log in to 127.0.0.1:" + std::to_string(silent.port()) + " within 300 ms");
    CHECK_FALSE(mute->is_open());
}

TEST_CASE(
    "redis connection: Redis killed with commands in flight fails each once, then the "
    "connection",
    "[redis]") {
    auto redis = RedisServer::start();
    boost::asio::io_context io;
    // A long deadline: BLPOP's replies must still be awaited when Redis dies.
    auto [connection, error] = open(io, redis.unix_url(), 60s);
    REQUIRE(error.empty());
    std::vector<std::string> closed;
    connection->on_closed([&](std::string_view why) { closed.emplace_back(why); });

    // BLPOP on an empty list waits at Redis: these replies are in flight when it dies.
    std::vector<std::string> failures;
    for (int i = 0; i < 3; ++i) {
        connection->send(std::vector<std::string_view>{"BLPOP", "nothing", "0"},
                         [&](resp::Reply, std::string_view why) { failures.emplace_back(why); });
    }
    // Redis runs a client's commands in order: the first BLPOP blocks the client (the
    // other two wait behind it), and Redis counts it as blocked once it arrived.
    run_until(io, [&] {
        return redis.command({"INFO", "clients"}).text.find("blocked_clients:1") !=
               std::string::npos;
    });
    REQUIRE_THAT(redis.command({"INFO", "clients"}).text, Catch::Contains("blocked_clients:1"));
    redis.kill();
    run_until(io, [&] { return !closed.empty(); });
    REQUIRE(closed.size() == 1);
    CHECK_THAT(closed.front(), Catch::Contains("closed the connection"));
    CHECK(failures == std::vector<std::string>(3, closed.front()));
    CHECK_FALSE(connection->is_open());
    // A command on a dead connection is answered with an error, later, not from send().
    CHECK(round_trip(io, *connection, {"PING"}) == "error: not connected");
}

TEST_CASE("redis connection: a reply over the bound fails the connection", "[redis]") {
    auto redis = RedisServer::start();
    redis.command({"SET", "big", std::string(64 * 1024, 'x')});
    boost::asio::io_context io;
    auto [connection, error] = open(io, redis.unix_url(), 2000ms, 4096);
    REQUIRE(error.empty());
    CHECK_THAT(round_trip(io, *connection, {"GET", "big"}),
               Catch::Contains("error: bad reply from") &&
                   Catch::Contains("a reply larger than 4096 bytes"));
    CHECK_FALSE(connection->is_open());
}

// RESP for the redis bus engine: commands encoded binary-safe, replies parsed from bytes
// however the socket splits them, and a broken or oversized stream refused.
#include "bus/resp.hpp"

#include <catch2/catch.hpp>
#include <hiredis/hiredis.h>

#include <string>
#include <vector>

using namespace switchyard;

namespace {

constexpr size_t kBound = 1 << 20;

std::string command(std::vector<std::string_view> args) {
    std::string out;
    resp::append_command(out, args);
    return out;
}

// XREAD's shape: [[stream, [[id, [field, value, ...]], ...]]].
constexpr std::string_view kXreadReply =
    "*1\r\n"
    "*2\r\n$9\r\nsy:groove\r\n"
    "*2\r\n"
    "*2\r\n$3\r\n0-7\r\n*4\r\n$4\r\ntype\r\n$5\r\nstate\r\n"
    "$4\r\ndata\r\n$2\r\n{}\r\n"
    "*2\r\n$3\r\n0-8\r\n*2\r\n$4\r\ntype\r\n$1\r\nx\r\n";

void check_xread_reply(const redisReply& reply) {
    REQUIRE(reply.type == REDIS_REPLY_ARRAY);
    REQUIRE(reply.elements == 1);
    const redisReply& stream = *reply.element[0];
    REQUIRE(stream.elements == 2);
    CHECK(std::string(stream.element[0]->str, stream.element[0]->len) == "sy:groove");
    const redisReply& entries = *stream.element[1];
    REQUIRE(entries.elements == 2);
    CHECK(std::string(entries.element[0]->element[0]->str) == "0-7");
    CHECK(entries.element[0]->element[1]->elements == 4);
    CHECK(std::string(entries.element[1]->element[0]->str) == "0-8");
}

} // namespace

TEST_CASE("resp: a command is an array of bulk strings, binary-safe", "[resp]") {
    CHECK(command({"PING"}) == "*1\r\n$4\r\nPING\r\n");
    using namespace std::string_literals;
    const std::string data = "a\0b\r\nc"s;
    CHECK(command({"XADD", "sy:s", "0-*", "data", data}) ==
          "*5\r\n$4\r\nXADD\r\n$4\r\nsy:s\r\n$3\r\n0-*\r\n$4\r\ndata\r\n$6\r\na\0b\r\nc\r\n"s);
    CHECK(command({"SET", "k", ""}) == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");

    // Two commands appended are a pipeline.
    std::string pipeline;
    const std::vector<std::string_view> ping = {"PING"};
    resp::append_command(pipeline, ping);
    resp::append_command(pipeline, ping);
    CHECK(pipeline == "*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n");
}

TEST_CASE("resp: a reply split at every byte comes out whole, once", "[resp]") {
    for (size_t split = 0; split <= kXreadReply.size(); ++split) {
        INFO("split at " << split);
        resp::ReplyReader reader(kBound);
        REQUIRE(reader.feed(kXreadReply.substr(0, split)));
        auto early = reader.next();
        if (split < kXreadReply.size()) CHECK_FALSE(early);
        REQUIRE(reader.feed(kXreadReply.substr(split)));
        auto reply = early ? std::move(early) : reader.next();
        REQUIRE(reply);
        check_xread_reply(*reply);
        CHECK_FALSE(reader.next());
    }
}

TEST_CASE("resp: replies of every kind, in order, from one feed", "[resp]") {
    resp::ReplyReader reader(kBound);
    using namespace std::string_literals;
    const std::string bytes =
        "+OK\r\n:42\r\n$-1\r\n-WRONGPASS invalid username-password pair\r\n$5\r\na\0b\r\n\r\n"s;
    REQUIRE(reader.feed(bytes));

    auto status = reader.next();
    REQUIRE(status);
    CHECK(status->type == REDIS_REPLY_STATUS);
    CHECK(std::string(status->str) == "OK");
    auto integer = reader.next();
    REQUIRE(integer);
    CHECK(integer->type == REDIS_REPLY_INTEGER);
    CHECK(integer->integer == 42);
    auto nil = reader.next();
    REQUIRE(nil);
    CHECK(nil->type == REDIS_REPLY_NIL);
    auto error = reader.next();
    REQUIRE(error);
    CHECK(error->type == REDIS_REPLY_ERROR);
    CHECK(std::string(error->str).rfind("WRONGPASS", 0) == 0);
    auto binary = reader.next();
    REQUIRE(binary);
    CHECK(binary->type == REDIS_REPLY_STRING);
    CHECK(std::string(binary->str, binary->len) == std::string("a\0b\r\n", 5));
    CHECK_FALSE(reader.next());
    CHECK(reader.error().empty());
}

TEST_CASE("resp: bytes that are not RESP break the stream for good", "[resp]") {
    resp::ReplyReader reader(kBound);
    CHECK(reader.feed("?what\r\n"));
    CHECK_FALSE(reader.next());
    CHECK_FALSE(reader.error().empty());
    CHECK_FALSE(reader.feed("+OK\r\n"));
    CHECK_FALSE(reader.next());
}

TEST_CASE("resp: a reply larger than the bound is refused, not buffered", "[resp]") {
    resp::ReplyReader reader(1024);
    CHECK(reader.feed("$4096\r\n"));
    CHECK(reader.feed(std::string(900, 'x')));
    CHECK_FALSE(reader.next()); // still incomplete, within the bound
    CHECK_FALSE(reader.feed(std::string(900, 'x')));
    CHECK(reader.error() == "a reply larger than 1024 bytes");
    CHECK_FALSE(reader.next());
}

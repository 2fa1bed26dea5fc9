// [bus] redis_url: every form the redis engine accepts, and a reason for each it refuses.
#include "bus/redis_url.hpp"

#include <catch2/catch.hpp>

using namespace switchyard;

namespace {

RedisEndpoint endpoint_of(std::string_view url) {
    auto parsed = parse_redis_url(url);
    if (auto* error = std::get_if<std::string>(&parsed)) FAIL(std::string(url) + ": " + *error);
    return std::get<RedisEndpoint>(parsed);
}

std::string error_of(std::string_view url) {
    auto parsed = parse_redis_url(url);
    if (std::holds_alternative<RedisEndpoint>(parsed)) FAIL(std::string(url) + " was accepted");
    return std::get<std::string>(parsed);
}

} // namespace

TEST_CASE("redis_url: host, port and database, with defaults", "[redis_url]") {
    auto plain = endpoint_of("redis://127.0.0.1");
    CHECK(plain.host == "127.0.0.1");
    CHECK(plain.port == 6379);
    CHECK(plain.db == 0);
    CHECK(plain.password.empty());
    CHECK_FALSE(plain.is_unix());
    CHECK(plain.describe() == "127.0.0.1:6379");

    auto full = endpoint_of("redis://redis.internal:6380/2");
    CHECK(full.host == "redis.internal");
    CHECK(full.port == 6380);
    CHECK(full.db == 2);
    CHECK(full.describe() == "redis.internal:6380 db 2");

    CHECK(endpoint_of("redis://localhost:7000/").db == 0);

    auto v6 = endpoint_of("redis://[::1]:6381/3");
    CHECK(v6.host == "::1");
    CHECK(v6.port == 6381);
    CHECK(v6.describe() == "[::1]:6381 db 3");
    CHECK(endpoint_of("redis://[::1]").port == 6379);
}

TEST_CASE("redis_url: credentials are percent-decoded and never described", "[redis_url]") {
    auto password_only = endpoint_of("redis://:s3cr%40t%3A1@10.0.0.2:6380/1");
    CHECK(password_only.user.empty());
    CHECK(password_only.password == "s3cr@t:1");
    CHECK(password_only.host == "10.0.0.2");
    CHECK(password_only.describe().find("s3cr") == std::string::npos);

    auto with_user = endpoint_of("redis://switchyard:pw@redis:6379");
    CHECK(with_user.user == "switchyard");
    CHECK(with_user.password == "pw");
}

TEST_CASE("redis_url: a Unix socket, with database and credentials as parameters", "[redis_url]") {
    auto socket = endpoint_of("unix:///run/redis/redis-server.sock");
    CHECK(socket.is_unix());
    CHECK(socket.unix_path == "/run/redis/redis-server.sock");
    CHECK(socket.host.empty());
    CHECK(socket.describe() == "unix:/run/redis/redis-server.sock");

    auto full = endpoint_of("unix:///tmp/r.sock?db=4&user=app&password=p%26w");
    CHECK(full.db == 4);
    CHECK(full.user == "app");
    CHECK(full.password == "p&w");
    CHECK(full.describe() == "unix:/tmp/r.sock db 4");
}

TEST_CASE("redis_url: what is refused, and why", "[redis_url]") {
    CHECK(error_of("http://127.0.0.1:6379") ==
          "must be redis://[[user]:password@]host[:port][/db] or unix:///path[?db=N]");
    CHECK(error_of("127.0.0.1:6379") ==
          "must be redis://[[user]:password@]host[:port][/db] or unix:///path[?db=N]");
    CHECK_THAT(error_of("rediss://127.0.0.1:6379"), Catch::StartsWith("rediss:// (TLS) is not"));
    CHECK(error_of("redis://") == "the host is empty");
    CHECK(error_of("redis://:6379") == "the host is empty");
    CHECK(error_of("redis://h:") == "the port is empty");
    CHECK(error_of("redis://h:0") == "the port must be 1 to 65535");
    CHECK(error_of("redis://h:65536") == "the port must be 1 to 65535");
    CHECK(error_of("redis://h:63x") == "the port must be 1 to 65535");
    CHECK(error_of("redis://h/x") == "the database must be a number, 0 or more");
    CHECK(error_of("redis://h/-1") == "the database must be a number, 0 or more");
    CHECK(error_of("redis://h/99999999999") == "the database must be a number, 0 or more");
    CHECK(error_of("redis://h?db=1") ==
          "a redis:// URL takes no query: put the database in the path (/2)");
    CHECK(error_of("redis://[::1") == "an IPv6 address lacks its ']'");
    CHECK(error_of("redis://[::1]x") == "unexpected text after the IPv6 address");
    CHECK(error_of("redis://user@h") ==
          "a user needs a password: write redis://user:password@host");
    CHECK(error_of("redis://user:@h") == "the password is empty");
    CHECK(error_of("redis://:%zz@h") == "the user or password has a malformed %-escape");
    CHECK(error_of("unix://relative.sock") ==
          "a Unix socket's path must be absolute: unix:///run/redis.sock");
    CHECK(error_of("unix:///r.sock?database=1") ==
          "unknown parameter 'database' (db, user, password)");
    CHECK(error_of("unix:///r.sock?db=one") == "the database must be a number, 0 or more");
    CHECK(error_of("unix:///r.sock?user=app") == "a user needs a password");
}

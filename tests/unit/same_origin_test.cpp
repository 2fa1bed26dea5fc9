// same_origin(): the control API's Origin rule (docs/console.md).
#include "control/same_origin.hpp"

#include <catch2/catch.hpp>

using switchyard::same_origin;

TEST_CASE("same_origin: an origin matches the Host it was sent to", "[unit][control][origin]") {
    CHECK(same_origin("http://127.0.0.1:7700", "127.0.0.1:7700"));
    CHECK(same_origin("https://Console.Example:8443", "console.example:8443"));
    CHECK(same_origin("http://localhost", "localhost"));
    CHECK(same_origin("http://localhost", "localhost:80"));
    CHECK(same_origin("http://[::1]:7700", "[::1]:7700"));
}

TEST_CASE("same_origin: another host, port or scheme, or a malformed value, does not match",
          "[unit][control][origin]") {
    CHECK_FALSE(same_origin("http://evil.example", "127.0.0.1:7700"));
    CHECK_FALSE(same_origin("http://127.0.0.1:7701", "127.0.0.1:7700"));
    CHECK_FALSE(same_origin("http://localhost:7700", "127.0.0.1:7700"));
    CHECK_FALSE(same_origin("https://127.0.0.1", "127.0.0.1:80"));
    CHECK_FALSE(same_origin("null", "127.0.0.1:7700"));
    CHECK_FALSE(same_origin("ftp://127.0.0.1:7700", "127.0.0.1:7700"));
    CHECK_FALSE(same_origin("http://127.0.0.1:7700/path", "127.0.0.1:7700"));
    CHECK_FALSE(same_origin("http://127.0.0.1:7700", ""));
    CHECK_FALSE(same_origin("http://127.0.0.1:7700", "127.0.0.1:7700:1"));
    CHECK_FALSE(same_origin("http://127.0.0.1:7700", "127.0.0.1:x"));
    CHECK_FALSE(same_origin("", "127.0.0.1:7700"));
}

TEST_CASE("loopback_host: the names of this machine's loopback, and the listen address",
          "[unit][control][origin]") {
    using switchyard::loopback_host;
    CHECK(loopback_host("localhost:7700", "127.0.0.1"));
    CHECK(loopback_host("LOCALHOST", "127.0.0.1"));
    CHECK(loopback_host("console.localhost:7700", "127.0.0.1"));
    CHECK(loopback_host("127.0.0.1:7700", "127.0.0.1"));
    CHECK(loopback_host("127.1.2.3:7700", "127.0.0.1"));
    CHECK(loopback_host("[::1]:7700", "::1"));
    CHECK(loopback_host("10.0.0.5:7700", "10.0.0.5")); // the configured address
    CHECK(loopback_host("[fd00::5]:7700", "FD00::5")); // IPv6, either case
    // A name a web page had rebound to 127.0.0.1 is not one (DNS rebinding).
    CHECK_FALSE(loopback_host("evil.example:7700", "127.0.0.1"));
    CHECK_FALSE(loopback_host("localhost.evil.example", "127.0.0.1"));
    CHECK_FALSE(loopback_host("128.0.0.1:7700", "127.0.0.1"));
    CHECK_FALSE(loopback_host("10.0.0.6:7700", "10.0.0.5"));
    CHECK_FALSE(loopback_host("", "127.0.0.1"));
    CHECK_FALSE(loopback_host("[::1", "127.0.0.1"));
}

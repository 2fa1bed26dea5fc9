// The urls a plugin may follow (net/follow_url): http only, and only what can be written
// into a request line and a Host header as it is.
#include "net/follow_url.hpp"

#include <catch2/catch.hpp>

using namespace switchyard;

TEST_CASE("follow url: host, port, target and Host header", "[follow_url]") {
    std::string why;
    auto a = parse_follow_url("http://127.0.0.1:8080/api/events?x=1", why);
    REQUIRE(a);
    CHECK(a->host == "127.0.0.1");
    CHECK(a->port == 8080);
    CHECK(a->target == "/api/events?x=1");
    CHECK(a->host_header == "127.0.0.1:8080");

    auto b = parse_follow_url("HTTP://worker-1.local", why);
    REQUIRE(b);
    CHECK(b->port == 80);
    CHECK(b->target == "/");
    CHECK(b->host_header == "worker-1.local");

    auto c = parse_follow_url("http://[::1]:9/x#fragment", why);
    REQUIRE(c);
    CHECK(c->host == "::1");
    CHECK(c->target == "/x");
    CHECK(c->host_header == "[::1]:9");

    auto d = parse_follow_url("http://h?q=1", why);
    REQUIRE(d);
    CHECK(d->target == "/?q=1");
}

TEST_CASE("follow url: everything else is refused with a reason", "[follow_url]") {
    for (const char* url :
         {"", "https://h/", "ftp://h/", "http://", "http:///x", "http://:80/", "http://h:/",
          "http://h:0/", "http://h:65536/", "http://h:8x/", "http://u:p@h/", "http://[::1/",
          "http://[]/", "http://[::1]x/", "http://[zz]/", "http://a b/", "http://h/\r\nX: 1",
          "http://h/\x7f", "http://h\xc3\xa9/"}) {
        INFO(url);
        std::string why;
        CHECK_FALSE(parse_follow_url(url, why));
        CHECK_FALSE(why.empty());
    }
}

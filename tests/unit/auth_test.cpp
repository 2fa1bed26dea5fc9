#include "auth/auth.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace switchyard::auth;

TEST_CASE("secure_equals compares content and length", "[auth]") {
    CHECK(secure_equals("", ""));
    CHECK(secure_equals("s3cret", "s3cret"));
    CHECK_FALSE(secure_equals("s3cret", "s3creT"));
    CHECK_FALSE(secure_equals("s3cret", "x3cret"));
    CHECK_FALSE(secure_equals("s3cret", "s3cre"));
    CHECK_FALSE(secure_equals("s3cre", "s3cret"));
    CHECK_FALSE(secure_equals("", "x"));
    CHECK_FALSE(secure_equals("x", ""));
    // A shorter string must not match the longer one's prefix padded with NULs.
    CHECK_FALSE(secure_equals("ab", std::string("ab\0", 3)));
    CHECK(secure_equals(std::string("a\0b", 3), std::string("a\0b", 3)));
    CHECK_FALSE(secure_equals("\xff", "\x7f"));
}

TEST_CASE("iequals ignores ASCII case only", "[auth]") {
    CHECK(iequals("Bearer", "bEARER"));
    CHECK(iequals("", ""));
    CHECK(iequals("LocalHost.", "localhost."));
    CHECK_FALSE(iequals("bearer", "bearer "));
    CHECK_FALSE(iequals("a", "b"));
    CHECK_FALSE(iequals("@", "`")); // 0x40 and 0x60 differ by the case bit but are not letters
    CHECK_FALSE(iequals("[", "{"));
}

TEST_CASE("bearer_token extracts the token", "[auth]") {
    CHECK(bearer_token("Bearer abc") == "abc");
    CHECK(bearer_token("bearer abc") == "abc");
    CHECK(bearer_token("BEARER abc") == "abc");
    CHECK(bearer_token("  Bearer   abc.def-123  ") == "abc.def-123");
    CHECK(bearer_token("Bearer\tabc") == "abc");
}

TEST_CASE("bearer_token refuses other schemes and empty tokens", "[auth]") {
    CHECK_FALSE(bearer_token(""));
    CHECK_FALSE(bearer_token("Bearer"));
    CHECK_FALSE(bearer_token("Bearer "));
    CHECK_FALSE(bearer_token("Bearer    "));
    CHECK_FALSE(bearer_token("Bearerabc"));
    CHECK_FALSE(bearer_token("Basic YWxhZGRpbjpvcGVuc2VzYW1l"));
    CHECK_FALSE(bearer_token("Token abc"));
    CHECK_FALSE(bearer_token("abc"));
}

TEST_CASE("check_bearer accepts exactly the configured token", "[auth]") {
    CHECK(check_bearer("Bearer s3cret", "s3cret"));
    CHECK(check_bearer("bearer  s3cret ", "s3cret"));
    CHECK_FALSE(check_bearer("Bearer s3cre", "s3cret"));
    CHECK_FALSE(check_bearer("Bearer s3cretX", "s3cret"));
    CHECK_FALSE(check_bearer("Bearer S3CRET", "s3cret"));
    CHECK_FALSE(check_bearer("Basic s3cret", "s3cret"));
    CHECK_FALSE(check_bearer("s3cret", "s3cret"));
    CHECK_FALSE(check_bearer("", "s3cret"));
}

TEST_CASE("an empty token never authenticates", "[auth]") {
    CHECK_FALSE(check_bearer("Bearer ", ""));
    CHECK_FALSE(check_bearer("Bearer x", ""));
    CHECK_FALSE(check_bearer("", ""));
    CHECK_FALSE(check_bearer("Bearer ", "x"));
    CHECK_FALSE(secure_equals("", "x"));
}

TEST_CASE("cookie_value finds a cookie among several", "[auth]") {
    const std::string header = "theme=dark; token=xyz; lang=en";
    CHECK(cookie_value(header, "token") == "xyz");
    CHECK(cookie_value(header, "theme") == "dark");
    CHECK(cookie_value(header, "lang") == "en");
    CHECK(cookie_value("token=abc", "token") == "abc");
    CHECK(cookie_value("a=1;token=tight;b=2", "token") == "tight");
    CHECK(cookie_value(" token = spaced ; x=1", "token") == "spaced");
}

TEST_CASE("cookie_value matches names exactly and takes the first occurrence", "[auth]") {
    CHECK_FALSE(cookie_value("mytoken=1; tokens=2", "token"));
    CHECK_FALSE(cookie_value("Token=1", "token"));
    CHECK(cookie_value("token=first; token=second", "token") == "first");
    CHECK_FALSE(cookie_value("", "token"));
    CHECK_FALSE(cookie_value("token", "token")); // no '=': not a pair
    CHECK(cookie_value("token=; a=1", "token") == "");
    CHECK(cookie_value("a=1; token=x=y", "token") == "x=y"); // '=' may appear in a value
    CHECK(cookie_value(";;token=z;", "token") == "z");
}

TEST_CASE("cookie_value unquotes a quoted value", "[auth]") {
    CHECK(cookie_value("token=\"xyz\"", "token") == "xyz");
    CHECK(cookie_value("a=1; token=\"\"", "token") == "");
    CHECK(cookie_value("token=\"", "token") == "\""); // a lone quote is not a quoted value
}

TEST_CASE("percent_decode decodes escapes and optionally '+'", "[auth]") {
    CHECK(percent_decode("abc", false) == "abc");
    CHECK(percent_decode("", false) == "");
    CHECK(percent_decode("a%20b", false) == "a b");
    CHECK(percent_decode("%2f%2F", false) == "//");
    CHECK(percent_decode("a+b", true) == "a b");
    CHECK(percent_decode("a+b", false) == "a+b");
    CHECK(percent_decode("%2B", true) == "+");
    CHECK(percent_decode("%00", false) == std::string("\0", 1));
    CHECK(percent_decode("%e2%9c%93", false) == "\xe2\x9c\x93");
}

TEST_CASE("percent_decode refuses malformed escapes", "[auth]") {
    CHECK_FALSE(percent_decode("%", false));
    CHECK_FALSE(percent_decode("a%", false));
    CHECK_FALSE(percent_decode("%2", false));
    CHECK_FALSE(percent_decode("abc%2", false));
    CHECK_FALSE(percent_decode("%zz", false));
    CHECK_FALSE(percent_decode("%g0", false));
    CHECK_FALSE(percent_decode("%0g", false));
    CHECK_FALSE(percent_decode("ok%%20", false));
}

TEST_CASE("query_param finds and decodes a parameter", "[auth]") {
    CHECK(query_param("token=abc", "token") == "abc");
    CHECK(query_param("a=1&token=x%20y+z&b=2", "token") == "x y z");
    CHECK(query_param("a=1&token=first&token=second", "token") == "first");
    CHECK(query_param("to%6Ben=enc", "token") == "enc"); // the name is decoded too
    CHECK(query_param("token=&a=1", "token") == "");
    CHECK(query_param("token&a=1", "token") == "");
    CHECK(query_param("token=a=b", "token") == "a=b");
    CHECK(query_param("&&token=t&", "token") == "t");
}

TEST_CASE("query_param reports absent and malformed parameters", "[auth]") {
    CHECK_FALSE(query_param("", "token"));
    CHECK_FALSE(query_param("a=1&b=2", "token"));
    CHECK_FALSE(query_param("tokens=1&mytoken=2", "token"));
    CHECK_FALSE(query_param("Token=1", "token"));
    CHECK_FALSE(query_param("?token=1", "token")); // the '?' is not part of the query
    CHECK_FALSE(query_param("token=bad%zz", "token"));
    CHECK_FALSE(query_param("token=bad%zz&token=good", "token"));
    CHECK(query_param("bad%zz=1&token=good", "token") == "good");
}

TEST_CASE("parse_origin takes a serialized origin apart", "[auth]") {
    auto origin = parse_origin("http://localhost:3000");
    REQUIRE(origin);
    CHECK(origin->scheme == "http");
    CHECK(origin->host == "localhost");
    CHECK(origin->port == 3000);

    origin = parse_origin("HTTPS://App.Example.COM");
    REQUIRE(origin);
    CHECK(origin->scheme == "https");
    CHECK(origin->host == "app.example.com");
    CHECK(origin->port == 443);

    origin = parse_origin("http://127.0.0.1");
    REQUIRE(origin);
    CHECK(origin->host == "127.0.0.1");
    CHECK(origin->port == 80);

    origin = parse_origin("chrome-extension://abcdef");
    REQUIRE(origin);
    CHECK(origin->scheme == "chrome-extension");
    CHECK(origin->port == 0);

    CHECK(parse_origin("http://h:65535")->port == 65535);
    CHECK(parse_origin("ws://h")->port == 80);
    CHECK(parse_origin("wss://h")->port == 443);
}

TEST_CASE("parse_origin handles IPv6 literals", "[auth]") {
    auto origin = parse_origin("http://[::1]:80");
    REQUIRE(origin);
    CHECK(origin->host == "::1");
    CHECK(origin->port == 80);
    origin = parse_origin("http://[FE80::A:1]");
    REQUIRE(origin);
    CHECK(origin->host == "fe80::a:1");
    CHECK(origin->port == 80);
    CHECK(parse_origin("http://[::ffff:127.0.0.1]:8080")->host == "::ffff:127.0.0.1");
    CHECK_FALSE(parse_origin("http://[::1"));
    CHECK_FALSE(parse_origin("http://[]"));
    CHECK_FALSE(parse_origin("http://[::1]x"));
    CHECK_FALSE(parse_origin("http://[::1]:"));
    CHECK_FALSE(parse_origin("http://[zz::1]"));
    CHECK_FALSE(parse_origin("http://::1"));
}

TEST_CASE("parse_origin refuses what is not a serialized origin", "[auth]") {
    for (const char* origin :
         {"", "null", "localhost", "localhost:3000", "://localhost", "http://", "http://:80",
          "http://localhost:", "http://localhost:abc", "http://localhost:65536",
          "http://localhost:123456", "http://localhost/", "http://localhost:3000/path",
          "http://user@localhost", "http://local host", "1http://localhost", "http://localhost?x",
          "http://localhost#f", "http://evil.com\r\nX: y"}) {
        INFO("origin: " << origin);
        CHECK_FALSE(parse_origin(origin));
    }
}

TEST_CASE("origin_host_allowed checks the host against the allow-list", "[auth]") {
    const std::vector<std::string> hosts = {"localhost", "127.0.0.1", "::1"};
    CHECK(origin_host_allowed("", false, hosts));        // absent: not a browser
    CHECK(origin_host_allowed("garbage", false, hosts)); // absent wins over content
    CHECK(origin_host_allowed("http://localhost:3000", true, hosts));
    CHECK(origin_host_allowed("http://LOCALHOST", true, hosts));
    CHECK(origin_host_allowed("https://127.0.0.1:8443", true, hosts));
    CHECK(origin_host_allowed("http://[::1]:5173", true, hosts));
    CHECK_FALSE(origin_host_allowed("http://evil.com", true, hosts));
    CHECK_FALSE(origin_host_allowed("http://localhost.evil.com", true, hosts));
    CHECK_FALSE(origin_host_allowed("http://127.0.0.2", true, hosts));
    CHECK_FALSE(origin_host_allowed("null", true, hosts));
    CHECK_FALSE(origin_host_allowed("", true, hosts));
    CHECK_FALSE(origin_host_allowed("http://localhost", true, {}));
}

TEST_CASE("origin_host_allowed compares allow-list entries case-insensitively", "[auth]") {
    CHECK(origin_host_allowed("http://app.example.com", true, {"App.Example.com"}));
    CHECK(origin_host_allowed("http://[::1]", true, {"[::1]"}));
    CHECK(origin_host_allowed("http://[FE80::1]", true, {"fe80::1"}));
    CHECK_FALSE(origin_host_allowed("http://example.com", true, {"app.example.com"}));
}

// The jarvis plugin's HTTP access rules (plugins/jarvis/jarvis_auth.hpp): the ?token=
// bootstrap's redirect and cookie, the Bearer header and the Origin policy.
#include "jarvis_auth.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace switchyard::jarvis;

TEST_CASE("jarvis accepts an Origin that is absent or the public one or the Host's", "[jarvis]") {
    const std::string pub = default_public_origin(3142);
    CHECK(pub == "http://localhost:3142");
    CHECK(origin_allowed(std::nullopt, "", pub));
    CHECK(origin_allowed("http://localhost:3142", "127.0.0.1:3142", pub));
    CHECK(origin_allowed("HTTP://LocalHost:3142/", "", pub));
    CHECK(origin_allowed("https://a.example:8443", "A.example:8443", pub));
    CHECK(origin_allowed("http://[::1]:3142", "[::1]:3142", pub));
    CHECK_FALSE(origin_allowed("https://a.example:8443", "a.example", pub));
    CHECK_FALSE(origin_allowed("http://localhost:3143", "", pub));
    CHECK_FALSE(origin_allowed("null", "null", pub));
    CHECK_FALSE(origin_allowed("", "", pub));
    CHECK_FALSE(origin_allowed("ws://localhost:3142", "localhost:3142", pub));
    CHECK_FALSE(origin_allowed("http://user@localhost:3142", "localhost:3142", pub));
    CHECK_FALSE(origin_allowed("http://localhost:3142/app", "localhost:3142", pub));
}

TEST_CASE("jarvis drops the token from the redirect and sets the seed's cookie", "[jarvis]") {
    CHECK(query_without("token=abc", "token") == "");
    CHECK(query_without("a=1&token=abc&b=2", "token") == "a=1&b=2");
    CHECK(query_without("tokens=1&token&&x", "token") == "tokens=1&x");
    // Names are compared decoded, as the kernel reads them.
    CHECK(query_without("%74oken=abc&a=1", "token") == "a=1");
    CHECK(query_without("a=%74&%74%6F%6B%65%6E=abc&to%6Ben", "token") == "a=%74");
    CHECK(query_without("token+=1&%zz=2&tok%en=3", "token") == "token+=1&%zz=2&tok%en=3");
    CHECK(token_cookie("t0k") == "token=t0k; Path=/; SameSite=Lax; HttpOnly");
    CHECK(token_cookie("t0k", true) == "token=t0k; Path=/; SameSite=Lax; HttpOnly; Secure");
}

TEST_CASE("jarvis redirects only to a local path and reads X-Forwarded-Proto", "[jarvis]") {
    CHECK(local_redirect_target("/", "") == "/");
    CHECK(local_redirect_target("/app/page.html", "room=lab") == "/app/page.html?room=lab");
    CHECK(local_redirect_target("//evil.example/x", "") == "/evil.example/x");
    CHECK(local_redirect_target("/\\evil.example", "") == "/%5Cevil.example");
    CHECK(local_redirect_target("", "") == "/");

    CHECK(forwarded_proto_is_https("https"));
    CHECK(forwarded_proto_is_https(" HTTPS "));
    CHECK(forwarded_proto_is_https("https, http"));
    CHECK_FALSE(forwarded_proto_is_https("http, https"));
    CHECK_FALSE(forwarded_proto_is_https("http"));
    CHECK_FALSE(forwarded_proto_is_https(""));
    CHECK_FALSE(forwarded_proto_is_https("httpsx"));
}

TEST_CASE("jarvis reads Bearer credentials from an Authorization header", "[jarvis]") {
    CHECK(bearer_credentials("Bearer t0k") == std::optional<std::string_view>("t0k"));
    CHECK(bearer_credentials("bEARER t0k") == std::optional<std::string_view>("t0k"));
    CHECK_FALSE(bearer_credentials("Bearer ").has_value());
    CHECK_FALSE(bearer_credentials("Bearer").has_value());
    CHECK_FALSE(bearer_credentials("Basic dTpw").has_value());
    CHECK_FALSE(bearer_credentials("t0k").has_value());
    CHECK_FALSE(bearer_credentials("").has_value());
}

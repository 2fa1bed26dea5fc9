#include "plugin/route_match.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <vector>

using namespace switchyard;

namespace {

sy_route_v1 route(const char* method, const char* path, uint32_t kind = SY_ROUTE_HTTP) {
    sy_route_v1 r{};
    r.struct_size = sizeof(sy_route_v1);
    r.kind = kind;
    r.method = method;
    r.path = path;
    return r;
}

sy_endpoint_v1 endpoint_of(const std::vector<sy_route_v1>& routes) {
    sy_endpoint_v1 e{};
    e.struct_size = sizeof(sy_endpoint_v1);
    e.name = "default";
    e.routes = routes.data();
    e.route_count = routes.size();
    return e;
}

// The index of the matching route, or -1; and whether 405 rather than 404.
struct Outcome {
    long route;
    bool path_matched;
    bool operator==(const Outcome&) const = default;
};

Outcome match(const std::vector<sy_route_v1>& routes, const char* method, const char* path,
              bool upgrade = false) {
    const RouteMatch m = match_route(endpoint_of(routes), method, path, upgrade);
    return {m.route ? static_cast<long>(*m.route) : -1, m.path_matched};
}

} // namespace

namespace Catch {
template <>
struct StringMaker<Outcome> {
    static std::string convert(const Outcome& o) {
        return "{route " + std::to_string(o.route) + ", path_matched " +
               (o.path_matched ? "true" : "false") + "}";
    }
};
} // namespace Catch

TEST_CASE("an exact route matches its path only", "[net]") {
    const std::vector<sy_route_v1> routes{route("GET", "/ws")};
    CHECK(match(routes, "GET", "/ws") == Outcome{0, true});
    CHECK(match(routes, "GET", "/ws/") == Outcome{-1, false});
    CHECK(match(routes, "GET", "/w") == Outcome{-1, false});
    CHECK(match(routes, "GET", "/wsx") == Outcome{-1, false});
    CHECK(match(routes, "GET", "/WS") == Outcome{-1, false});
    CHECK(match(routes, "GET", "") == Outcome{-1, false});
}

TEST_CASE("a route ending with '*' matches by prefix", "[net]") {
    const std::vector<sy_route_v1> routes{route("GET", "/api/*")};
    CHECK(match(routes, "GET", "/api/") == Outcome{0, true});
    CHECK(match(routes, "GET", "/api/x") == Outcome{0, true});
    CHECK(match(routes, "GET", "/api/x/y?z=1") == Outcome{0, true});
    CHECK(match(routes, "GET", "/api") == Outcome{-1, false});
    CHECK(match(routes, "GET", "/apix") == Outcome{-1, false});
    CHECK(match(routes, "GET", "/") == Outcome{-1, false});
}

TEST_CASE("'*' alone matches any path", "[net]") {
    const std::vector<sy_route_v1> routes{route("GET", "*")};
    CHECK(match(routes, "GET", "/") == Outcome{0, true});
    CHECK(match(routes, "GET", "/anything/at/all") == Outcome{0, true});
    CHECK(match(routes, "GET", "") == Outcome{0, true});
}

TEST_CASE("method '*' or no method matches any method", "[net]") {
    const std::vector<sy_route_v1> star{route("*", "/x")};
    CHECK(match(star, "GET", "/x") == Outcome{0, true});
    CHECK(match(star, "DELETE", "/x") == Outcome{0, true});
    const std::vector<sy_route_v1> none{route(nullptr, "/x")};
    CHECK(match(none, "POST", "/x") == Outcome{0, true});
}

TEST_CASE("methods compare exactly", "[net]") {
    const std::vector<sy_route_v1> routes{route("POST", "/login")};
    CHECK(match(routes, "POST", "/login") == Outcome{0, true});
    CHECK(match(routes, "post", "/login") == Outcome{-1, true});
    CHECK(match(routes, "GET", "/login") == Outcome{-1, true});
}

TEST_CASE("a matched path with no matching method means 405, an unknown path 404", "[net]") {
    const std::vector<sy_route_v1> routes{route("GET", "/a"), route("POST", "/a"),
                                          route("GET", "/b")};
    CHECK(match(routes, "PUT", "/a") == Outcome{-1, true});
    CHECK(match(routes, "GET", "/c") == Outcome{-1, false});
    CHECK(match(routes, "POST", "/b") == Outcome{-1, true});
}

TEST_CASE("routes are tried in order and the first match wins", "[net]") {
    const std::vector<sy_route_v1> routes{route("GET", "/api/special"), route("GET", "/api/*"),
                                          route("*", "*")};
    CHECK(match(routes, "GET", "/api/special") == Outcome{0, true});
    CHECK(match(routes, "GET", "/api/other") == Outcome{1, true});
    CHECK(match(routes, "POST", "/api/other") == Outcome{2, true});
    CHECK(match(routes, "GET", "/elsewhere") == Outcome{2, true});

    const std::vector<sy_route_v1> reversed{route("*", "*"), route("GET", "/api/special")};
    CHECK(match(reversed, "GET", "/api/special") == Outcome{0, true});
}

TEST_CASE("a later route with the right method serves a path an earlier one refused", "[net]") {
    const std::vector<sy_route_v1> routes{route("POST", "/x"), route("GET", "/x")};
    CHECK(match(routes, "GET", "/x") == Outcome{1, true});
}

TEST_CASE("a route without a path is skipped, and no routes match nothing", "[net]") {
    const std::vector<sy_route_v1> routes{route("GET", nullptr), route("GET", "/x")};
    CHECK(match(routes, "GET", "/x") == Outcome{1, true});
    CHECK(match({}, "GET", "/x") == Outcome{-1, false});
}

TEST_CASE("a WebSocket route on any path leaves plain requests to the routes after it", "[net]") {
    // CLI-JAW's shape: an event stream, an upgrade on any path, then plain HTTP routes.
    const std::vector<sy_route_v1> routes{route("GET", "/api/events", SY_ROUTE_SSE),
                                          route("GET", "*", SY_ROUTE_WEBSOCKET),
                                          route("GET", "/api/status")};
    CHECK(match(routes, "GET", "/", /*upgrade=*/true) == Outcome{1, true});
    CHECK(match(routes, "GET", "/ws", true) == Outcome{1, true});
    CHECK(match(routes, "GET", "/api/status", true) == Outcome{1, true});
    CHECK(match(routes, "GET", "/api/status") == Outcome{2, true});
    // A plain request that only the WebSocket route matches still reaches it (426).
    CHECK(match(routes, "GET", "/ws") == Outcome{1, true});
    CHECK(match(routes, "GET", "/api/events", true) == Outcome{0, true});
}

// Which declared route of an endpoint serves a request.
#pragma once

#include <switchyard/plugin.h>

#include <optional>
#include <string_view>

namespace switchyard {

struct RouteMatch {
    std::optional<size_t> route; // index of the first route matching path and method
    bool path_matched = false;   // some route matched the path (405 rather than 404)
};

// `path` matches a route exactly, or as a prefix when the route ends with '*'; "*"
// alone matches anything. `method` "*" matches any method. A WebSocket route serves a
// request that is not an upgrade (`upgrade` false) only when no later route matches it
// (it then answers 426): so "upgrade on any path" (a WebSocket route at "*") can stand
// before the endpoint's plain HTTP routes.
RouteMatch match_route(const sy_endpoint_v1& endpoint, std::string_view method,
                       std::string_view path, bool upgrade = false);

} // namespace switchyard

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
// alone matches anything. `method` "*" matches any method.
RouteMatch match_route(const sy_endpoint_v1& endpoint, std::string_view method,
                       std::string_view path);

} // namespace switchyard

#include "plugin/route_match.hpp"

#include "plugin/abi_arrays.hpp"

namespace switchyard {
namespace {

bool path_matches(std::string_view pattern, std::string_view path) {
    if (!pattern.empty() && pattern.back() == '*') {
        pattern.remove_suffix(1);
        return path.substr(0, pattern.size()) == pattern;
    }
    return pattern == path;
}

} // namespace

RouteMatch match_route(const sy_endpoint_v1& endpoint, std::string_view method,
                       std::string_view path, bool upgrade) {
    RouteMatch result;
    std::optional<size_t> websocket_fallback; // a WebSocket route a plain request matched
    for (size_t i = 0; i < endpoint.route_count; ++i) {
        const sy_route_v1& route = route_at(endpoint, i);
        if (route.path == nullptr || !path_matches(route.path, path)) continue;
        result.path_matched = true;
        const std::string_view wanted = route.method != nullptr ? route.method : "*";
        if (wanted != "*" && wanted != method) continue;
        if (route.kind == SY_ROUTE_WEBSOCKET && !upgrade) {
            if (!websocket_fallback) websocket_fallback = i;
            continue;
        }
        result.route = i;
        return result;
    }
    result.route = websocket_fallback;
    return result;
}

} // namespace switchyard

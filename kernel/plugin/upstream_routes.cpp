#include "plugin/upstream_routes.hpp"

#include "plugin/abi_arrays.hpp"
#include "plugin/route_match.hpp"

namespace switchyard {

void UpstreamRoutes::set_routes(const sy_plugin_v1& descriptor) {
    auto copy = std::make_shared<RouteCopy>(descriptor.endpoint_count);
    for (size_t e = 0; e < descriptor.endpoint_count; ++e) {
        const sy_endpoint_v1& endpoint = endpoint_at(descriptor, e);
        EndpointRoutes& out = (*copy)[e];
        // Reserved up front: the routes point into these strings, which must not move.
        out.text.reserve(2 * endpoint.route_count);
        out.routes.reserve(endpoint.route_count);
        for (size_t r = 0; r < endpoint.route_count; ++r) {
            const sy_route_v1& route = route_at(endpoint, r);
            out.text.emplace_back(route.method != nullptr ? route.method : "*");
            const char* method = out.text.back().c_str();
            out.text.emplace_back(route.path != nullptr ? route.path : "");
            const char* path = out.text.back().c_str();
            out.routes.push_back(sy_route_v1{sizeof(sy_route_v1), route.kind, method, path});
        }
    }
    std::lock_guard lock(mutex_);
    routes_ = std::move(copy);
}

void UpstreamRoutes::set_target(std::shared_ptr<const UpstreamTarget> target) {
    std::lock_guard lock(mutex_);
    active_.store(target != nullptr, std::memory_order_relaxed);
    target_ = std::move(target);
}

std::shared_ptr<const UpstreamTarget> UpstreamRoutes::target() const {
    std::lock_guard lock(mutex_);
    return target_;
}

bool UpstreamRoutes::goes_upstream(size_t endpoint_index, std::string_view method,
                                   std::string_view path) const {
    std::shared_ptr<const RouteCopy> routes;
    {
        std::lock_guard lock(mutex_);
        if (target_ == nullptr) return false;
        routes = routes_;
    }
    if (routes == nullptr || endpoint_index >= routes->size()) return false;
    const EndpointRoutes& copy = (*routes)[endpoint_index];
    sy_endpoint_v1 endpoint{};
    endpoint.struct_size = sizeof endpoint;
    endpoint.routes = copy.routes.data();
    endpoint.route_count = copy.routes.size();
    const RouteMatch match = match_route(endpoint, method, path, /*upgrade=*/false);
    if (!match.route) return true;
    const uint32_t kind = copy.routes[*match.route].kind;
    return kind == SY_ROUTE_UPSTREAM || kind == SY_ROUTE_WEBSOCKET;
}

std::string upstream_problem(const sy_plugin_v1& descriptor) {
    if (SY_HAS_FIELD(&descriptor, sy_plugin_v1, on_upstream) && descriptor.on_upstream != nullptr)
        return {};
    return "it has no on_upstream hook (ABI 1.4), so it cannot be given an upstream: the "
           "kernel would pass requests on without the plugin's auth rules";
}

} // namespace switchyard

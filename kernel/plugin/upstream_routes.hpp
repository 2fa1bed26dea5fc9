// Which of a plugin's requests go to its upstream (the product's own backend), decided on
// the network thread the moment a request's head has arrived, before its body is read.
//
// The routes live in the plugin's image, which a reload replaces while requests come in,
// so the network threads match against a copy taken at start and at each swap. A plain
// request goes upstream when no route serves it, when its route is an SY_ROUTE_UPSTREAM
// one, or when only a WebSocket route matched it (it would get 426 otherwise: the
// product's own page at "/", say).
#pragma once

#include "net/upstream_target.hpp"

#include <switchyard/plugin.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard {

class UpstreamRoutes {
  public:
    // Takes a copy of the descriptor's routes (at start and after each swap).
    void set_routes(const sy_plugin_v1& descriptor);
    // Sets (or, with nullptr, removes) where passed requests go.
    void set_target(std::shared_ptr<const UpstreamTarget> target);
    // Where passed requests go; nullptr when the plugin has no upstream.
    std::shared_ptr<const UpstreamTarget> target() const;
    // True when the plugin has an upstream. Network threads; lock-free.
    bool active() const noexcept { return active_.load(std::memory_order_relaxed); }
    // True when a plain request with this method and path (before '?') on endpoint
    // `endpoint_index` goes upstream.
    bool goes_upstream(size_t endpoint_index, std::string_view method, std::string_view path) const;

  private:
    struct EndpointRoutes {
        std::vector<std::string> text; // methods and paths the routes below point into
        std::vector<sy_route_v1> routes;
    };
    using RouteCopy = std::vector<EndpointRoutes>;

    mutable std::mutex mutex_;
    std::shared_ptr<const RouteCopy> routes_;
    std::shared_ptr<const UpstreamTarget> target_;
    std::atomic<bool> active_{false};
};

// Why `descriptor` cannot be given an upstream (it has no on_upstream hook), or "".
std::string upstream_problem(const sy_plugin_v1& descriptor);

} // namespace switchyard

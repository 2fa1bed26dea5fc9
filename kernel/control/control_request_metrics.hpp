// The control API's requests, for /metrics: how many each route answered with each
// status, and how long they took, from the request being routed to its answer being
// given (the head of an event stream, for GET /api/v1/events).
//
// Counting is a few relaxed atomic additions per request, without a lock; the status
// counts are an array per route (100 to 599), so no label set is ever allocated.
#pragma once

#include "metrics/histogram.hpp"
#include "metrics/prometheus_writer.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace switchyard {

class ControlRequestMetrics {
  public:
    ControlRequestMetrics();

    // A request of route `route` (control_route_index) was answered `status` after
    // `seconds`. Any thread.
    void record(size_t route, unsigned status, double seconds) noexcept;
    // Writes the two families: switchyard_control_requests_total{route,status} (the
    // statuses seen) and switchyard_control_request_duration_seconds{route} (every route).
    void write(PrometheusWriter& out) const;

  private:
    static constexpr unsigned kFirstStatus = 100;
    static constexpr unsigned kLastStatus = 599;
    struct Route {
        Route();
        std::array<std::atomic<uint64_t>, kLastStatus - kFirstStatus + 1> statuses{};
        Histogram duration;
    };
    std::vector<std::unique_ptr<Route>> routes_; // by control_route_index
};

} // namespace switchyard

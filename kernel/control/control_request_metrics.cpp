#include "control/control_request_metrics.hpp"

#include "control/control_routes.hpp"

#include <algorithm>
#include <string>

namespace switchyard {

// From a probe answered at once to a reload waiting for its plugin's swap.
ControlRequestMetrics::Route::Route()
    : duration{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10} {}

ControlRequestMetrics::ControlRequestMetrics() {
    for (size_t i = 0; i < control_route_labels().size(); ++i)
        routes_.push_back(std::make_unique<Route>());
}

void ControlRequestMetrics::record(size_t route, unsigned status, double seconds) noexcept {
    Route& counted = *routes_[std::min(route, routes_.size() - 1)];
    status = std::clamp(status, kFirstStatus, kLastStatus);
    counted.statuses[status - kFirstStatus].fetch_add(1, std::memory_order_relaxed);
    counted.duration.observe(seconds);
}

void ControlRequestMetrics::write(PrometheusWriter& out) const {
    const auto labels = control_route_labels();
    out.family("switchyard_control_requests_total", MetricType::counter,
               "Control API requests answered, by route pattern and HTTP status.");
    for (size_t r = 0; r < routes_.size(); ++r) {
        for (size_t s = 0; s < routes_[r]->statuses.size(); ++s) {
            const uint64_t count = routes_[r]->statuses[s].load(std::memory_order_relaxed);
            if (count == 0) continue;
            const std::string status = std::to_string(kFirstStatus + s);
            out.sample("switchyard_control_requests_total",
                       {{"route", labels[r]}, {"status", status}}, count);
        }
    }
    out.family("switchyard_control_request_duration_seconds", MetricType::histogram,
               "Time from a control API request being routed to its answer, by route pattern.");
    for (size_t r = 0; r < routes_.size(); ++r) {
        out.histogram("switchyard_control_request_duration_seconds", {{"route", labels[r]}},
                      routes_[r]->duration.snapshot());
    }
}

} // namespace switchyard

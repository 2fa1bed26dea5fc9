#include "metrics/endpoint_traffic.hpp"

namespace switchyard {

EndpointTraffic::EndpointTraffic(size_t workers)
    : workers_(workers), blocks_(std::make_unique<WorkerTraffic[]>(workers)) {}

TrafficTotals EndpointTraffic::totals() const noexcept {
    TrafficTotals totals;
    for (size_t i = 0; i < workers_; ++i) {
        const WorkerTraffic& block = blocks_[i];
        totals.frames_written += block.frames_written.value();
        totals.bytes_written += block.bytes_written.value();
        totals.frames_dropped += block.frames_dropped.value();
        totals.slow_consumers += block.slow_consumers.value();
    }
    return totals;
}

} // namespace switchyard

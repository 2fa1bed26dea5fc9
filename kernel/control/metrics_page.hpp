// The body of GET /metrics: every metric family docs/metrics.md lists, in the Prometheus
// text exposition format, from a snapshot of the kernel's parts taken at the scrape.
#pragma once

#include "bus/bus_engine.hpp"
#include "control/control_request_metrics.hpp"
#include "net/connection_gate.hpp"
#include "plugin/plugin_runtime.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace switchyard {

// What a scrape reads.
struct MetricsSources {
    const std::vector<PluginInfo>& plugins;
    const BusEngine& bus;
    const ConnectionGate* control_gate; // the control API's own listener; may be null
    const ControlRequestMetrics& requests;
    std::chrono::system_clock::time_point started; // when the kernel started
};

// The exposition, as served with Content-Type "text/plain; version=0.0.4".
std::string render_metrics(const MetricsSources& sources);

} // namespace switchyard

#include "control/metrics_page.hpp"

#include "metrics/prometheus_writer.hpp"

#include <string_view>

namespace switchyard {

namespace {

// One endpoint whose connections are counted: a plugin's, or the control API's (plugin
// "", endpoint "control").
struct CountedEndpoint {
    std::string_view plugin;
    std::string_view endpoint;
    const ConnectionGate* gate;
};

std::vector<CountedEndpoint> counted_endpoints(const MetricsSources& sources) {
    std::vector<CountedEndpoint> endpoints;
    for (const auto& info : sources.plugins) {
        for (const auto& endpoint : info.endpoints) {
            if (endpoint.gate) endpoints.push_back({info.name, endpoint.name, endpoint.gate.get()});
        }
    }
    if (sources.control_gate != nullptr) endpoints.push_back({"", "control", sources.control_gate});
    return endpoints;
}

void write_process(PrometheusWriter& out, const MetricsSources& sources) {
    out.family("switchyard_build_info", MetricType::gauge,
               "Always 1; the labels say which build of the kernel runs.");
    out.sample("switchyard_build_info", {{"version", SWITCHYARD_VERSION}}, uint64_t{1});
    out.family("switchyard_process_start_time_seconds", MetricType::gauge,
               "When the kernel started, in seconds since the Unix epoch.");
    const auto since_epoch = sources.started.time_since_epoch();
    out.sample("switchyard_process_start_time_seconds", {},
               std::chrono::duration<double>(since_epoch).count());
}

void write_plugins(PrometheusWriter& out, const std::vector<PluginInfo>& plugins) {
    auto per_plugin = [&](std::string_view name, MetricType type, std::string_view help,
                          auto value_of) {
        out.family(name, type, help);
        for (const auto& info : plugins)
            out.sample(name, {{"plugin", info.name}}, static_cast<uint64_t>(value_of(info)));
    };
    per_plugin("switchyard_connections", MetricType::gauge, "Open client connections per plugin.",
               [](const PluginInfo& info) { return info.connections; });
    per_plugin("switchyard_plugin_generation", MetricType::gauge,
               "Generation of the running plugin instance.",
               [](const PluginInfo& info) { return info.generation; });
    per_plugin("switchyard_plugin_slow_hooks_total", MetricType::counter,
               "Plugin hooks that ran longer than slow_hook_ms.",
               [](const PluginInfo& info) { return info.slow_hooks; });
    per_plugin("switchyard_plugin_groups", MetricType::gauge,
               "Groups a plugin has now, transient ones included.",
               [](const PluginInfo& info) { return info.groups; });
    per_plugin("switchyard_plugin_queued_calls", MetricType::gauge,
               "Calls into the plugin waiting for its dispatcher.",
               [](const PluginInfo& info) { return info.queued_calls; });

    out.family("switchyard_plugin_reloads_total", MetricType::counter,
               "Plugin reloads: ok swapped in a new generation, rolled_back failed and left "
               "the running generation serving.");
    for (const auto& info : plugins) {
        out.sample("switchyard_plugin_reloads_total", {{"plugin", info.name}, {"result", "ok"}},
                   info.reloads.ok);
        out.sample("switchyard_plugin_reloads_total",
                   {{"plugin", info.name}, {"result", "rolled_back"}}, info.reloads.rolled_back);
    }
    out.family("switchyard_plugin_reload_pause_seconds", MetricType::histogram,
               "How long each successful reload paused the plugin's calls.");
    for (const auto& info : plugins) {
        out.histogram("switchyard_plugin_reload_pause_seconds", {{"plugin", info.name}},
                      info.reloads.pause_seconds);
    }
}

void write_endpoints(PrometheusWriter& out, const std::vector<CountedEndpoint>& endpoints) {
    auto per_endpoint = [&](std::string_view name, MetricType type, std::string_view help,
                            auto value_of) {
        out.family(name, type, help);
        for (const auto& e : endpoints) {
            out.sample(name, {{"plugin", e.plugin}, {"endpoint", e.endpoint}},
                       static_cast<uint64_t>(value_of(*e.gate)));
        }
    };
    per_endpoint("switchyard_endpoint_connections", MetricType::gauge,
                 "Connections open at an endpoint (HTTP, WebSocket and SSE): what its cap counts.",
                 [](const ConnectionGate& gate) { return gate.open_connections(); });
    per_endpoint("switchyard_endpoint_connections_max", MetricType::gauge,
                 "The endpoint's connection cap; 0 for none.",
                 [](const ConnectionGate& gate) { return gate.max_connections(); });
    per_endpoint("switchyard_endpoint_connections_admitted_total", MetricType::counter,
                 "Connections an endpoint admitted.",
                 [](const ConnectionGate& gate) { return gate.admitted_total(); });

    out.family("switchyard_endpoint_connections_refused_total", MetricType::counter,
               "Connections refused at an endpoint (503, or closed on a TLS listener), by the cap "
               "that was full: endpoint "
               "(max_connections), address (max_connections_per_address), kernel ([kernel] "
               "max_connections).");
    for (const auto& e : endpoints) {
        for (const auto& [cap, name] :
             {std::pair{GateCap::endpoint, "endpoint"}, std::pair{GateCap::address, "address"},
              std::pair{GateCap::kernel, "kernel"}}) {
            out.sample("switchyard_endpoint_connections_refused_total",
                       {{"plugin", e.plugin}, {"endpoint", e.endpoint}, {"cap", name}},
                       e.gate->refused_total(cap));
        }
    }

    std::vector<TrafficTotals> totals;
    for (const auto& e : endpoints) totals.push_back(e.gate->traffic().totals());
    auto per_traffic = [&](std::string_view name, std::string_view help, auto member) {
        out.family(name, MetricType::counter, help);
        for (size_t i = 0; i < endpoints.size(); ++i) {
            out.sample(name, {{"plugin", endpoints[i].plugin}, {"endpoint", endpoints[i].endpoint}},
                       totals[i].*member);
        }
    };
    per_traffic("switchyard_endpoint_frames_written_total",
                "Frames written whole to an endpoint's WebSocket and SSE clients (control frames "
                "and the upgrade answer included).",
                &TrafficTotals::frames_written);
    per_traffic("switchyard_endpoint_written_bytes_total",
                "Bytes written to an endpoint's WebSocket and SSE clients.",
                &TrafficTotals::bytes_written);
    per_traffic("switchyard_endpoint_frames_dropped_total",
                "Frames for an endpoint's WebSocket and SSE clients never written: refused by a "
                "full queue, sent to a closing connection, or still queued when it ended.",
                &TrafficTotals::frames_dropped);
    per_traffic("switchyard_endpoint_slow_consumer_disconnects_total",
                "WebSocket and SSE clients closed (1008) for reading too slowly.",
                &TrafficTotals::slow_consumers);
}

void write_streams(PrometheusWriter& out, const BusEngine& bus) {
    const std::vector<StreamStats> streams = bus.stream_stats();
    auto per_stream = [&](std::string_view name, std::string_view help, auto member) {
        out.family(name, MetricType::gauge, help);
        for (const auto& stream : streams)
            out.sample(name, {{"stream", stream.name}}, stream.*member);
    };
    per_stream("switchyard_stream_seq",
               "The stream's newest seq: events published to it (by every node, on the redis "
               "bus), while the store keeps its numbering.",
               &StreamStats::last_seq);
    per_stream("switchyard_stream_held_events", "Events in the stream's replay ring.",
               &StreamStats::held_events);
    per_stream("switchyard_stream_held_bytes", "Bytes the stream's replay ring holds.",
               &StreamStats::held_bytes);
    per_stream("switchyard_stream_capacity_events", "The replay ring's event limit.",
               &StreamStats::capacity);
    per_stream("switchyard_stream_max_bytes", "The replay ring's byte limit; 0 for none.",
               &StreamStats::max_bytes);
    per_stream("switchyard_stream_subscribers",
               "Subscriptions to the stream on this node (plugins' streams, SSE followers).",
               &StreamStats::subscribers);
}

// The bus engine's state and counters (docs/redis-bus.md): all but the first stay 0 on the
// memory engine, which cannot be down.
void write_bus(PrometheusWriter& out, const BusEngine& bus) {
    const BusStats stats = bus.stats();
    const MetricLabel engine{"engine", bus.engine_name()};
    auto metric = [&](std::string_view name, MetricType type, std::string_view help,
                      uint64_t value) {
        out.family(name, type, help);
        out.sample(name, {engine}, value);
    };
    metric("switchyard_bus_available", MetricType::gauge,
           "1 while the bus engine can publish (redis: connected and caught up).",
           bus.available() ? 1 : 0);
    metric("switchyard_bus_reconnects_total", MetricType::counter,
           "Connections to the bus's store lost and made again.", stats.reconnects);
    metric("switchyard_bus_publish_failures_total", MetricType::counter,
           "Publishes refused because the bus was unavailable.", stats.publish_failures);
    metric("switchyard_bus_gaps_total", MetricType::counter,
           "Sequence skips seen live: entries trimmed before this node read them.", stats.gaps);
    metric("switchyard_bus_stream_resets_total", MetricType::counter,
           "Streams the bus's store numbered again after losing entries.", stats.resets);
}

} // namespace

std::string render_metrics(const MetricsSources& sources) {
    PrometheusWriter out;
    write_process(out, sources);
    write_plugins(out, sources.plugins);
    write_endpoints(out, counted_endpoints(sources));
    write_streams(out, sources.bus);
    write_bus(out, sources.bus);
    sources.requests.write(out);
    return out.take();
}

} // namespace switchyard

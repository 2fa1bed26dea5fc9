// The operator's and the backends' HTTP API (DESIGN.md "Control API"): publish events,
// follow a stream as SSE, list plugins, health and readiness.
#pragma once

#include "bus/bus_engine.hpp"
#include "config/config.hpp"
#include "control/control_request_metrics.hpp"
#include "control/event_stream_frames.hpp"
#include "control/plugin_switch.hpp"
#include "control/reload_queue.hpp"
#include "net/http_exchange.hpp"
#include "plugin/plugin_runtime.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace switchyard {

// What the control API needs from the rest of the kernel.
struct ControlContext {
    BusEngine& bus;
    ControlSettings settings;
    std::function<std::vector<PluginInfo>()> plugins; // snapshot of the running plugins
    // Every plugin started. (/readyz also asks bus.available() itself, to say why not.)
    std::function<bool()> ready;
    // Reloads a plugin, blocking; nullopt when no plugin has that name.
    std::function<std::optional<ReloadOutcome>(const std::string&)> reload;
    // Enables (true) or disables a plugin, blocking (docs/console.md).
    std::function<SwitchOutcome(const std::string&, bool)> switch_plugin = nullptr;
    // The plugins with a config table that do not run (listed with state "disabled").
    std::function<std::vector<PluginInfo>()> disabled_plugins = nullptr;
};

class ControlApi final : public HttpService, public ConnectionObserver {
  public:
    explicit ControlApi(ControlContext context);
    ~ControlApi() override;

    void handle(const HttpExchangePtr& exchange) override;
    uint64_t max_body_bytes() const override { return context_.settings.max_body_bytes; }
    // Counts a request refused before handle() (400, 413, 431), then answers it.
    void reject(HttpExchange& exchange, unsigned status, std::string_view code,
                std::string_view message) override;
    // Whose connections /metrics reports as the control API's (plugin "", endpoint
    // "control"). Set before the listener starts.
    void count_connections_of(ConnectionGatePtr gate) { gate_ = std::move(gate); }

    void on_message(Connection& conn, sy_frame_kind kind, std::string_view payload) override;
    void on_closed(Connection& conn, uint16_t code, std::string_view reason) override;

  private:
    bool authorized(HttpExchange& exchange);
    void publish(const HttpExchangePtr& exchange);
    void follow_events(const HttpExchangePtr& exchange);
    void list_plugins(HttpExchange& exchange);
    void metrics(HttpExchange& exchange);
    // Counts the request's route, status and duration once it is answered.
    void count_request(HttpExchange& exchange);
    void reload(const HttpExchangePtr& exchange, std::string name);

    // -- the console and its routes (control_console.cpp) --------------------------------
    // Refuses (403) a browser request from another origin than the control API's own.
    bool origin_allowed(HttpExchange& exchange);
    // POST /api/v1/plugins/{name}/enable|disable, run on the reload thread.
    void switch_plugin(const HttpExchangePtr& exchange, std::string name, bool enable);
    // GET /api/v1/streams.
    void list_streams(HttpExchange& exchange);
    // GET /console, /console/ and /console/<file>: the web console's static files.
    void serve_console(HttpExchange& exchange);

    ControlContext context_;
    // Shared with the answer observers: an answer may come after the API is gone.
    std::shared_ptr<ControlRequestMetrics> requests_ = std::make_shared<ControlRequestMetrics>();
    ConnectionGatePtr gate_;
    std::chrono::system_clock::time_point started_ = std::chrono::system_clock::now();
    EventStreamFrames frames_;
    std::mutex mutex_;
    std::unordered_map<sy_conn_id, SubscriptionId> subscriptions_;
    // Last member: destroyed first, so a running reload finishes while the rest is alive.
    ReloadQueue reloads_;
};

} // namespace switchyard

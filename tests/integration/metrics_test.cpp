// GET /metrics over real sockets (docs/metrics.md): every scrape is read with the strict
// exposition parser (support/prometheus_text.*), which refuses a sample without its
// family's HELP and TYPE, a malformed name or label, or a histogram whose buckets are not
// cumulative up to +Inf; then the values are checked to move with what the test does:
// WebSocket clients and a refusal past the cap, published events and their deliveries,
// control API requests by route and status, reloads that swap or roll back, and a client
// cut off as a slow consumer.
#include "counter_kernel.hpp"
#include "kernel_process.hpp"
#include "prometheus_text.hpp"
#include "publish.hpp"
#include "toml_text.hpp"
#include "wait_until.hpp"
#include "ws_client.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace switchyard::test;

namespace {

constexpr auto kWait = std::chrono::seconds(10);

// One scrape, parsed and checked; fails the test (with the text) when it is not valid.
PromExposition scrape(const KernelProcess& kernel) {
    const auto answer = kernel.control().get("/metrics");
    REQUIRE(answer.status == 200);
    CHECK(answer.header("content-type").find("text/plain") == 0);
    try {
        return parse_prometheus_text(answer.body);
    } catch (const std::exception& e) {
        FAIL("invalid exposition: " << e.what() << "\n" << answer.body);
    }
    return {};
}

// The value of one series in a fresh scrape (-1 when absent).
double scraped(const KernelProcess& kernel, const std::string& name, const PromLabels& labels) {
    return scrape(kernel).value(name, labels).value_or(-1);
}

PromLabels groove_default() {
    return {{"plugin", "groove"}, {"endpoint", "default"}};
}

PromLabels with(PromLabels labels, const std::string& name, const std::string& value) {
    labels[name] = value;
    return labels;
}

} // namespace

TEST_CASE("metrics: every family is declared, with its type, before its samples",
          "[integration][metrics]") {
    auto kernel = KernelProcess::start(enabled_plugin_table("groove"));
    const PromExposition metrics = scrape(kernel);
    const std::vector<std::pair<std::string, std::string>> families = {
        {"switchyard_build_info", "gauge"},
        {"switchyard_process_start_time_seconds", "gauge"},
        {"switchyard_connections", "gauge"},
        {"switchyard_plugin_generation", "gauge"},
        {"switchyard_plugin_slow_hooks_total", "counter"},
        {"switchyard_plugin_groups", "gauge"},
        {"switchyard_plugin_queued_calls", "gauge"},
        {"switchyard_plugin_reloads_total", "counter"},
        {"switchyard_plugin_reload_pause_seconds", "histogram"},
        {"switchyard_endpoint_connections", "gauge"},
        {"switchyard_endpoint_connections_max", "gauge"},
        {"switchyard_endpoint_connections_admitted_total", "counter"},
        {"switchyard_endpoint_connections_refused_total", "counter"},
        {"switchyard_endpoint_frames_written_total", "counter"},
        {"switchyard_endpoint_written_bytes_total", "counter"},
        {"switchyard_endpoint_frames_dropped_total", "counter"},
        {"switchyard_endpoint_slow_consumer_disconnects_total", "counter"},
        {"switchyard_stream_seq", "gauge"},
        {"switchyard_stream_held_events", "gauge"},
        {"switchyard_stream_held_bytes", "gauge"},
        {"switchyard_stream_capacity_events", "gauge"},
        {"switchyard_stream_max_bytes", "gauge"},
        {"switchyard_stream_subscribers", "gauge"},
        {"switchyard_bus_available", "gauge"},
        {"switchyard_bus_reconnects_total", "counter"},
        {"switchyard_bus_publish_failures_total", "counter"},
        {"switchyard_bus_gaps_total", "counter"},
        {"switchyard_bus_stream_resets_total", "counter"},
        {"switchyard_control_requests_total", "counter"},
        {"switchyard_control_request_duration_seconds", "histogram"},
    };
    for (const auto& [name, type] : families) {
        INFO(name);
        REQUIRE(metrics.families.count(name) == 1);
        CHECK(metrics.family(name).type == type);
    }
    CHECK(metrics.at(
              "switchyard_build_info",
              {{"version",
                metrics.family("switchyard_build_info").samples.at(0).labels.at("version")}}) == 1);
    CHECK(metrics.at("switchyard_process_start_time_seconds") > 1.7e9);
    CHECK(metrics.at("switchyard_bus_available", {{"engine", "memory"}}) == 1);
    CHECK(metrics.at("switchyard_plugin_generation", {{"plugin", "groove"}}) == 1);
    // Each endpoint, the control API's own listener included (plugin "").
    CHECK(metrics.at("switchyard_endpoint_connections", groove_default()) == 0);
    CHECK(metrics
              .value("switchyard_endpoint_connections_admitted_total",
                     {{"plugin", ""}, {"endpoint", "control"}})
              .value_or(0) >= 1);
    // Histograms have a series for every route before any request took it.
    CHECK(metrics.at("switchyard_control_request_duration_seconds_count",
                     {{"route", "/api/v1/plugins/{name}/reload"}}) == 0);
    CHECK(metrics.at("switchyard_plugin_reload_pause_seconds_count", {{"plugin", "groove"}}) == 0);
}

TEST_CASE("metrics: connections, refusals, deliveries and the stream move with the traffic",
          "[integration][metrics]") {
    constexpr int kClients = 3;
    constexpr int kEvents = 5;
    auto kernel = KernelProcess::start(
        enabled_plugin_table("groove", "max_connections = " + std::to_string(kClients) + "\n"));
    const uint16_t port = kernel.plugin_port("groove");
    const PromExposition before = scrape(kernel);
    CHECK(before.at("switchyard_endpoint_connections_max", groove_default()) == kClients);
    const double written_before =
        before.at("switchyard_endpoint_frames_written_total", groove_default());

    std::vector<WsClient> clients;
    for (int i = 0; i < kClients; ++i) clients.push_back(WsClient::connect(port, "/ws"));
    CHECK(wait_until(
        [&] {
            return scraped(kernel, "switchyard_endpoint_connections", groove_default()) == kClients;
        },
        kWait));
    CHECK(scraped(kernel, "switchyard_connections", {{"plugin", "groove"}}) == kClients);

    // One more is over the endpoint's cap: refused with 503, and counted by that cap.
    const auto refused = WsClient::try_connect(port, "/ws");
    CHECK(refused.status == 503);
    const PromExposition full = scrape(kernel);
    CHECK(full.at("switchyard_endpoint_connections_refused_total",
                  with(groove_default(), "cap", "endpoint")) == 1);
    CHECK(full.at("switchyard_endpoint_connections_refused_total",
                  with(groove_default(), "cap", "address")) == 0);
    CHECK(full.at("switchyard_endpoint_connections_admitted_total", groove_default()) == kClients);

    // K events, each written to every client.
    uint64_t last_seq = 0;
    size_t payload_bytes = 0;
    for (int i = 0; i < kEvents; ++i) {
        const std::string event =
            R"({"topic":"groove","type":"metric:test","data":{"i":)" + std::to_string(i) + "}}";
        last_seq = publish(kernel, event);
    }
    for (auto& client : clients) {
        for (int i = 0; i < kEvents; ++i) {
            const std::string text = next_text_or_why(client);
            CHECK(text.find("metric:test") != std::string::npos);
            payload_bytes += text.size();
        }
    }
    const PromExposition after = scrape(kernel);
    CHECK(after.at("switchyard_stream_seq", {{"stream", "groove"}}) == double(last_seq));
    CHECK(after.at("switchyard_stream_seq", {{"stream", "groove"}}) >=
          before.value("switchyard_stream_seq", {{"stream", "groove"}}).value_or(0) + kEvents);
    CHECK(after.at("switchyard_stream_held_events", {{"stream", "groove"}}) >= kEvents);
    CHECK(after.at("switchyard_stream_held_bytes", {{"stream", "groove"}}) > 0);
    CHECK(after.at("switchyard_stream_capacity_events", {{"stream", "groove"}}) >= kEvents);
    CHECK(after.at("switchyard_stream_subscribers", {{"stream", "groove"}}) >= 1);
    // Every client read every event: those frames were written (so were the handshakes).
    CHECK(after.at("switchyard_endpoint_frames_written_total", groove_default()) >=
          written_before + kClients * kEvents);
    CHECK(after.at("switchyard_endpoint_written_bytes_total", groove_default()) >=
          double(payload_bytes));
    CHECK(after.at("switchyard_endpoint_frames_dropped_total", groove_default()) == 0);
    CHECK(after.at("switchyard_endpoint_slow_consumer_disconnects_total", groove_default()) == 0);

    // The gauge follows clients that leave.
    for (auto& client : clients) client.close();
    CHECK(wait_until(
        [&] { return scraped(kernel, "switchyard_endpoint_connections", groove_default()) == 0; },
        kWait));
    CHECK(scraped(kernel, "switchyard_connections", {{"plugin", "groove"}}) == 0);
}

TEST_CASE("metrics: control API requests are counted by route pattern and status",
          "[integration][metrics]") {
    KernelOptions options;
    options.control_token = "s3cret";
    options.extra_toml = enabled_plugin_table("groove");
    auto kernel = KernelProcess::start(options);
    auto control = kernel.control();
    const HttpClient anonymous(kernel.control_port());
    // Counts from before the test's requests (the fixture asked for the plugin list).
    const PromExposition before = scrape(kernel);
    const std::string requests = "switchyard_control_requests_total";
    const std::string duration = "switchyard_control_request_duration_seconds";
    auto grew = [&](const PromExposition& now, const std::string& name, const PromLabels& labels) {
        return now.value(name, labels).value_or(0) - before.value(name, labels).value_or(0);
    };

    CHECK(control.get("/no/such/thing").status == 404);
    CHECK(control.get("/no/such/thing/either").status == 404);
    CHECK(anonymous.get("/api/v1/plugins", {{"Authorization", "Bearer wrong"}}).status == 401);
    CHECK(control.post("/api/v1/plugins/nonexistent-plugin/reload", "").status == 404);
    CHECK(control.get("/api/v1/plugins").status == 200);
    CHECK(control.get("/api/v1/publish").status == 405);

    const PromExposition metrics = scrape(kernel);
    CHECK(grew(metrics, requests, {{"route", "other"}, {"status", "404"}}) == 2);
    CHECK(grew(metrics, requests, {{"route", "/api/v1/plugins"}, {"status", "401"}}) == 1);
    CHECK(grew(metrics, requests, {{"route", "/api/v1/plugins"}, {"status", "200"}}) == 1);
    CHECK(grew(metrics, requests,
               {{"route", "/api/v1/plugins/{name}/reload"}, {"status", "404"}}) == 1);
    CHECK(grew(metrics, requests, {{"route", "/api/v1/publish"}, {"status", "405"}}) == 1);
    // The scrape before is counted once it was answered: this one sees it.
    CHECK(grew(metrics, requests, {{"route", "/metrics"}, {"status", "200"}}) == 1);
    // The latency histogram counted the same requests.
    CHECK(grew(metrics, duration + "_count", {{"route", "other"}}) == 2);
    CHECK(grew(metrics, duration + "_count", {{"route", "/api/v1/plugins"}}) == 2);
    CHECK(grew(metrics, duration + "_count", {{"route", "/metrics"}}) == 1);
    CHECK(metrics.at(duration + "_sum", {{"route", "/api/v1/plugins"}}) >= 0);
    // No label carries a raw path.
    for (const auto& [name, family] : metrics.families) {
        for (const auto& sample : family.samples) {
            for (const auto& [label, value] : sample.labels) {
                INFO(sample.name << " " << label << "=" << value);
                CHECK(value.find("nonexistent") == std::string::npos);
                CHECK(value.find("/no/such") == std::string::npos);
            }
        }
    }
}

TEST_CASE("metrics: reloads are counted as ok or rolled back, with the pause of each swap",
          "[integration][metrics]") {
    CounterKernel counter;
    const PromLabels plugin{{"plugin", "counter"}};
    auto reloads = [&](const char* result) {
        return scraped(counter.kernel(), "switchyard_plugin_reloads_total",
                       with(plugin, "result", result));
    };
    CHECK(reloads("ok") == 0);
    CHECK(reloads("rolled_back") == 0);

    REQUIRE(counter.reload_with("counter_v2.so").status == 200);
    PromExposition metrics = scrape(counter.kernel());
    CHECK(metrics.at("switchyard_plugin_reloads_total", with(plugin, "result", "ok")) == 1);
    CHECK(metrics.at("switchyard_plugin_reload_pause_seconds_count", plugin) == 1);
    CHECK(metrics.at("switchyard_plugin_reload_pause_seconds_sum", plugin) >= 0);
    CHECK(metrics.at("switchyard_plugin_generation", plugin) == 2);
    CHECK(metrics.at("switchyard_control_requests_total",
                     {{"route", "/api/v1/plugins/{name}/reload"}, {"status", "200"}}) == 1);

    // A create() that refuses: the running generation serves on.
    CHECK(counter.reload_with("counter_v3_refuses.so").status >= 400);
    metrics = scrape(counter.kernel());
    CHECK(metrics.at("switchyard_plugin_reloads_total", with(plugin, "result", "rolled_back")) ==
          1);
    CHECK(metrics.at("switchyard_plugin_reloads_total", with(plugin, "result", "ok")) == 1);
    CHECK(metrics.at("switchyard_plugin_reload_pause_seconds_count", plugin) == 1);
    CHECK(metrics.at("switchyard_plugin_generation", plugin) == 2);
}

TEST_CASE("metrics: a client too slow to read is counted as a slow-consumer disconnect",
          "[integration][metrics]") {
    auto kernel = KernelProcess::start(
        "[plugins.queue_bound]\nenabled = true\nlibrary = " +
        toml_quote(std::string(SWITCHYARD_TEST_PLUGIN_DIR) + "/queue_bound.so") +
        "\nlisten = { declared = \"127.0.0.1:0\", defaulted = \"127.0.0.1:0\" }\n");
    const uint16_t port = kernel.plugin_port("queue_bound", "declared");
    const PromLabels endpoint{{"plugin", "queue_bound"}, {"endpoint", "declared"}};
    const std::string slow_total = "switchyard_endpoint_slow_consumer_disconnects_total";
    CHECK(scraped(kernel, slow_total, endpoint) == 0);

    // Each message the reader sends is relayed to both; the one that never reads fills
    // the socket buffers, then its 64 KiB queue bound (tests/plugins/queue_bound).
    auto slow = WsClient::connect(port, "/declared");
    auto reader = WsClient::connect(port, "/declared");
    const std::string payload(4000, 'x');
    bool cut = false;
    for (int sent = 1; sent <= 20000 && !cut; ++sent) {
        REQUIRE(reader.send_text(payload));
        REQUIRE(next_text_or_why(reader) == payload);
        if (sent % 64 == 0) cut = scraped(kernel, slow_total, endpoint) >= 1;
    }
    REQUIRE(cut);
    CHECK(slow.wait_closed(std::chrono::seconds(20)));
    const PromExposition metrics = scrape(kernel);
    CHECK(metrics.at(slow_total, endpoint) == 1);
    // At least the frame that did not fit was never written.
    CHECK(metrics.at("switchyard_endpoint_frames_dropped_total", endpoint) >= 1);
    CHECK(metrics.at(slow_total, {{"plugin", "queue_bound"}, {"endpoint", "defaulted"}}) == 0);
}

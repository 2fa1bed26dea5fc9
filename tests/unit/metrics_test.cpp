// The metrics module (kernel/metrics/): the Prometheus text writer and its escaping, the
// fixed-bucket histogram, the per-worker traffic counts, the gate's admission counts, the
// control API's route labels and request counts; and the test parser (tests/support/
// prometheus_text.*) that the /metrics integration test relies on, shown to refuse what
// a scraper would misread.
#include "control/control_request_metrics.hpp"
#include "control/control_routes.hpp"
#include "metrics/endpoint_traffic.hpp"
#include "metrics/histogram.hpp"
#include "metrics/prometheus_writer.hpp"
#include "net/connection_gate.hpp"
#include "prometheus_text.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace switchyard;
using switchyard::test::parse_prometheus_text;

TEST_CASE("metrics: label values and help are escaped as the exposition format asks", "[metrics]") {
    CHECK(escape_label_value(R"(a\b"c)"
                             "\n"
                             "d") == R"(a\\b\"c\nd)");
    CHECK(escape_help("one \\ two \"quoted\"\nthree") == "one \\\\ two \"quoted\"\\nthree");

    PrometheusWriter out;
    out.family("switchyard_test_total", MetricType::counter, "A help with a \\ and a\nnewline.");
    out.sample("switchyard_test_total", {{"plugin", "we\"ird\\\nname"}, {"endpoint", ""}},
               uint64_t{7});
    out.family("switchyard_test_ratio", MetricType::gauge, "A gauge.");
    out.sample("switchyard_test_ratio", {}, 0.25);
    CHECK(out.text() ==
          "# HELP switchyard_test_total A help with a \\\\ and a\\nnewline.\n"
          "# TYPE switchyard_test_total counter\n"
          "switchyard_test_total{plugin=\"we\\\"ird\\\\\\nname\",endpoint=\"\"} 7\n"
          "# HELP switchyard_test_ratio A gauge.\n"
          "# TYPE switchyard_test_ratio gauge\n"
          "switchyard_test_ratio 0.25\n");

    // Read back, the escaped value is the original one.
    const auto parsed = parse_prometheus_text(out.text());
    CHECK(parsed.at("switchyard_test_total", {{"plugin", "we\"ird\\\nname"}, {"endpoint", ""}}) ==
          7);
    CHECK(parsed.family("switchyard_test_total").help == "A help with a \\ and a\nnewline.");
    CHECK(parsed.at("switchyard_test_ratio") == 0.25);
}

TEST_CASE("metrics: sample values are written exactly, infinities and NaN by name", "[metrics]") {
    CHECK(format_metric_value(0.1) == "0.1");
    CHECK(format_metric_value(1e-4) == "0.0001");
    CHECK(format_metric_value(2.5) == "2.5");
    CHECK(format_metric_value(10) == "10");
    CHECK(format_metric_value(1733370000.5) == "1733370000.5");
    CHECK(format_metric_value(1e-9) == "1e-09");
    CHECK(format_metric_value(INFINITY) == "+Inf");
    CHECK(format_metric_value(-INFINITY) == "-Inf");
    CHECK(format_metric_value(NAN) == "NaN");
}

TEST_CASE("metrics: a histogram counts each value in its bucket, cumulative up to +Inf",
          "[metrics]") {
    Histogram histogram{0.001, 0.01, 0.1, 1};
    for (double v : {0.0005, 0.001, 0.002, 0.05, 0.5, 0.7, 3.0, 100.0}) histogram.observe(v);
    const HistogramSnapshot snapshot = histogram.snapshot();
    // At or below each bound (the bound itself falls in its own bucket: le is inclusive).
    CHECK(snapshot.cumulative == std::vector<uint64_t>{2, 3, 4, 6, 8});
    CHECK(snapshot.count() == 8);
    CHECK(snapshot.sum == Approx(0.0005 + 0.001 + 0.002 + 0.05 + 0.5 + 0.7 + 3.0 + 100.0));
    histogram.observe(NAN); // counted, in +Inf, and kept out of the sum
    CHECK(histogram.snapshot().cumulative.back() == 9);
    CHECK(histogram.snapshot().cumulative[3] == 6);
    CHECK(histogram.snapshot().sum == Approx(snapshot.sum));

    PrometheusWriter out;
    out.family("switchyard_test_seconds", MetricType::histogram, "Test durations.");
    out.histogram("switchyard_test_seconds", {{"route", "/metrics"}}, snapshot);
    CHECK(out.text() ==
          "# HELP switchyard_test_seconds Test durations.\n"
          "# TYPE switchyard_test_seconds histogram\n"
          "switchyard_test_seconds_bucket{route=\"/metrics\",le=\"0.001\"} 2\n"
          "switchyard_test_seconds_bucket{route=\"/metrics\",le=\"0.01\"} 3\n"
          "switchyard_test_seconds_bucket{route=\"/metrics\",le=\"0.1\"} 4\n"
          "switchyard_test_seconds_bucket{route=\"/metrics\",le=\"1\"} 6\n"
          "switchyard_test_seconds_bucket{route=\"/metrics\",le=\"+Inf\"} 8\n"
          "switchyard_test_seconds_sum{route=\"/metrics\"} " +
              format_metric_value(snapshot.sum) +
              "\n"
              "switchyard_test_seconds_count{route=\"/metrics\"} 8\n");
    CHECK_NOTHROW(parse_prometheus_text(out.text()));

    CHECK_THROWS_AS(Histogram({1, 1}), std::invalid_argument);
    CHECK_THROWS_AS(Histogram({2, 1}), std::invalid_argument);
    CHECK_THROWS_AS(Histogram({1, INFINITY}), std::invalid_argument);
}

TEST_CASE("metrics: observations from many threads are all counted", "[metrics]") {
    Histogram histogram{1, 2};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&histogram] {
            for (int i = 0; i < 10000; ++i) histogram.observe(i % 3);
        });
    }
    for (auto& thread : threads) thread.join();
    const auto snapshot = histogram.snapshot();
    CHECK(snapshot.count() == 40000);
    CHECK(snapshot.sum == Approx(4 * (3333 * 1 + 3333 * 2)));
}

TEST_CASE("metrics: each worker's traffic block is its own and the totals sum them", "[metrics]") {
    EndpointTraffic traffic(3);
    REQUIRE(traffic.of_worker(0) != nullptr);
    REQUIRE(traffic.of_worker(2) != nullptr);
    CHECK(traffic.of_worker(3) == nullptr); // a worker beyond those given is not counted
    CHECK(traffic.of_worker(0) != traffic.of_worker(1));
    // A cache line apart: two workers never write the same line.
    CHECK(reinterpret_cast<const char*>(traffic.of_worker(1)) -
              reinterpret_cast<const char*>(traffic.of_worker(0)) >=
          64);
    std::vector<std::thread> workers;
    for (unsigned w = 0; w < 3; ++w) {
        workers.emplace_back([&traffic, w] {
            WorkerTraffic& mine = *traffic.of_worker(w);
            for (int i = 0; i < 1000; ++i) {
                mine.frames_written.add();
                mine.bytes_written.add(10);
            }
            mine.frames_dropped.add(w);
            mine.slow_consumers.add();
        });
    }
    for (auto& worker : workers) worker.join();
    const TrafficTotals totals = traffic.totals();
    CHECK(totals.frames_written == 3000);
    CHECK(totals.bytes_written == 30000);
    CHECK(totals.frames_dropped == 0 + 1 + 2);
    CHECK(totals.slow_consumers == 3);
}

TEST_CASE("metrics: a gate counts what it admits and, by cap, what it refuses", "[metrics]") {
    const auto peer = boost::asio::ip::make_address("127.0.0.1");
    ConnectionGatePtr kernel(new ConnectionGate("kernel"));
    ConnectionGatePtr gate(new ConnectionGate("groove/default", kernel, 2));
    gate->set_caps(2, 0);
    auto a = gate->admit(peer);
    auto b = gate->admit(peer);
    auto c = gate->admit(peer); // the endpoint cap
    CHECK(gate->admitted_total() == 2);
    CHECK(gate->refused_total(GateCap::endpoint) == 1);
    a.slot.reset();
    gate->set_caps(0, 1);
    // b came in before there was a per-address cap: the address's count starts at d.
    auto d = gate->admit(peer);
    REQUIRE(d.slot);
    auto e = gate->admit(peer);
    CHECK(e.refused_by == GateCap::address);
    gate->set_caps(0, 0);
    kernel->set_caps(2, 0);
    auto f = gate->admit(boost::asio::ip::make_address("127.0.0.2"));
    CHECK(f.refused_by == GateCap::kernel);
    CHECK(gate->admitted_total() == 3);
    CHECK(gate->refused_total(GateCap::endpoint) == 1);
    CHECK(gate->refused_total(GateCap::address) == 1);
    CHECK(gate->refused_total(GateCap::kernel) == 1);
    CHECK(gate->refused_total(GateCap::none) == 0);
    // A slot knows its gate, whose traffic blocks a connection counts in.
    CHECK(d.slot.gate() == gate.get());
    CHECK(gate->traffic().of_worker(1) != nullptr);
    CHECK(gate->traffic().of_worker(2) == nullptr);
}

TEST_CASE("metrics: control API paths are labelled by route pattern, never by raw path",
          "[metrics]") {
    const auto labels = control_route_labels();
    auto label_of = [&](std::string_view path) { return labels[control_route_index(path)]; };
    CHECK(label_of("/healthz") == "/healthz");
    CHECK(label_of("/metrics") == "/metrics");
    CHECK(label_of("/api/v1/publish") == "/api/v1/publish");
    CHECK(label_of("/api/v1/plugins") == "/api/v1/plugins");
    CHECK(label_of("/api/v1/plugins/groove/reload") == "/api/v1/plugins/{name}/reload");
    CHECK(label_of("/api/v1/plugins/other-one/disable") == "/api/v1/plugins/{name}/disable");
    CHECK(label_of("/api/v1/plugins/groove/explode") == "/api/v1/plugins/{name}/{action}");
    CHECK(label_of("/api/v1/streams") == "/api/v1/streams");
    CHECK(label_of("/api/v1/streams/groove") == "other");
    CHECK(label_of("/console") == "/console");
    CHECK(label_of("/console/app.js") == "/console/{path...}");
    CHECK(label_of("/console/assets/deep/file.css") == "/console/{path...}");
    // Anything else is one label, whatever the path: the set stays bounded.
    CHECK(label_of("/nope") == "other");
    CHECK(label_of("/api/v1/plugins/") == "other");
    CHECK(label_of("/api/v1/plugins//reload") == "other");
    CHECK(label_of("/api/v1/plugins/groove/reload/more") == "other");
    CHECK(label_of("/healthz/") == "other");
    CHECK(label_of("") == "other");
    CHECK(labels.back() == "other");
}

TEST_CASE("metrics: control requests are counted by route and status, with their durations",
          "[metrics]") {
    ControlRequestMetrics requests;
    const size_t reload = control_route_index("/api/v1/plugins/groove/reload");
    const size_t other = control_route_index("/what");
    requests.record(reload, 200, 0.002);
    requests.record(reload, 200, 0.004);
    requests.record(reload, 404, 0.0001);
    requests.record(other, 401, 0.0001);
    requests.record(other, 1000, 0.0001); // out of range: counted as 599
    PrometheusWriter out;
    requests.write(out);
    const auto parsed = parse_prometheus_text(out.text());
    const std::string total = "switchyard_control_requests_total";
    CHECK(parsed.at(total, {{"route", "/api/v1/plugins/{name}/reload"}, {"status", "200"}}) == 2);
    CHECK(parsed.at(total, {{"route", "/api/v1/plugins/{name}/reload"}, {"status", "404"}}) == 1);
    CHECK(parsed.at(total, {{"route", "other"}, {"status", "401"}}) == 1);
    CHECK(parsed.at(total, {{"route", "other"}, {"status", "599"}}) == 1);
    CHECK(parsed.family(total).samples.size() == 4); // statuses never seen are not written
    const std::string duration = "switchyard_control_request_duration_seconds";
    CHECK(parsed.at(duration + "_count", {{"route", "/api/v1/plugins/{name}/reload"}}) == 3);
    CHECK(parsed.at(duration + "_sum", {{"route", "/api/v1/plugins/{name}/reload"}}) ==
          Approx(0.0061));
    CHECK(parsed.at(duration + "_bucket",
                    {{"route", "/api/v1/plugins/{name}/reload"}, {"le", "0.0025"}}) == 2);
    CHECK(parsed.at(duration + "_count", {{"route", "/metrics"}}) == 0);
}

TEST_CASE("metrics: the test parser refuses expositions a scraper would misread", "[metrics]") {
    const std::string head = "# HELP a_total A.\n# TYPE a_total counter\n";
    CHECK_NOTHROW(parse_prometheus_text(head + "a_total{x=\"1\"} 3\n"));
    const std::vector<std::string> bad = {
        "a_total 1\n",                                     // no HELP/TYPE
        "# TYPE a_total counter\na_total 1\n",             // no HELP
        head + "a_total{x=\"1\"} 3",                       // no final newline
        head + "a_total{x=\"1\"} three\n",                 // not a number
        head + "a_total{x=\"1\"} -1\n",                    // negative counter
        head + "a_total{1x=\"1\"} 3\n",                    // bad label name
        head + "a_total{x=\"a\\tb\"} 3\n",                 // unknown escape
        head + "a_total{x=\"1\",x=\"2\"} 3\n",             // label twice
        head + "a_total{x=\"1\"} 3\na_total{x=\"1\"} 4\n", // series twice
        head + "a_total{x=1} 3\n",                         // unquoted
        head + "b_total 3\n",                              // another family's sample
        head + "a_total 1\n# HELP b B.\n# TYPE b gauge\nb 1\na_total{y=\"1\"} 1\n", // split
        head + "# HELP a_total Again.\n",        // declared twice
        "# HELP 9a A.\n# TYPE 9a gauge\n9a 1\n", // bad metric name
        "# HELP a A.\n# TYPE a gaug\na 1\n",     // unknown type
    };
    for (const auto& text : bad) {
        INFO(text);
        CHECK_THROWS_AS(parse_prometheus_text(text), std::runtime_error);
    }
    const std::string h = "# HELP h H.\n# TYPE h histogram\n";
    CHECK_NOTHROW(parse_prometheus_text(h + "h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\n"
                                            "h_sum 3\nh_count 2\n"));
    const std::vector<std::string> bad_histograms = {
        h + "h_bucket{le=\"1\"} 1\nh_sum 3\nh_count 1\n",                          // no +Inf
        h + "h_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 3\nh_count 1\n", // not cumulative
        h + "h_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\n"
            "h_count 1\n",                                   // bounds order
        h + "h_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 3\n", // count != +Inf
        h + "h_bucket{le=\"+Inf\"} 2\nh_count 2\n",          // no sum
        h + "h_bucket 2\nh_sum 3\nh_count 2\n",              // no le
    };
    for (const auto& text : bad_histograms) {
        INFO(text);
        CHECK_THROWS_AS(parse_prometheus_text(text), std::runtime_error);
    }
}

// The result: every figure of a run, and its one JSON line.
#pragma once

#include "run_state.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace loadgen {

// The server's figures; with several nodes (--server-pid repeated) RSS and CPU are sums.
struct ServerFigures {
    std::vector<int> pids;
    std::optional<uint64_t> rss_before_kib;
    std::optional<uint64_t> rss_connected_kib;
    std::optional<uint64_t> rss_end_kib;
    std::optional<double> cpu_s;       // over the publishing phase, all nodes
    std::vector<double> cpu_s_each;    // the same per node, in --server-pid order
    int redis_pid = 0;                 // --redis-pid (0: none)
    std::optional<double> cpu_s_redis; // its CPU over the publishing phase
    // Peak memory of the publishing phase: VmRSS when it began (right after VmHWM was
    // reset to it) and VmHWM when it ended. Without the reset the peak may be older.
    std::optional<uint64_t> rss_publish_start_kib;
    std::optional<uint64_t> rss_peak_kib;
    bool peak_reset = false;
};

struct Report {
    const Options* options = nullptr;
    const Counters* counters = nullptr;
    const LatencyHistogram* latency = nullptr;
    const std::vector<LatencyHistogram>* latency_by_node = nullptr; // empty: one node
    double connect_s = 0;
    uint64_t tracked = 0;        // subscribers connected when publishing started
    double elapsed_s = 0;        // first publish to last answer or delivery
    double send_late_max_us = 0; // --rate: the latest send against its due time
    bool published_phase = false;
    std::optional<ServerFigures> server;
    std::optional<double> loadgen_cpu_s; // over the publishing phase
    double loadgen_cpu_total_s = 0;
    std::string error; // why the run could not be set up
    std::string note;  // why the publishing phase ended early

    // Deliveries due: each message times the tracked subscribers of its group.
    uint64_t expected_deliveries = 0;

    uint64_t expected() const { return expected_deliveries; }
    uint64_t lost() const { return expected() - counters->delivered; }
    bool clean() const; // nothing lost, duplicated, malformed or refused
};

std::string report_json(const Report& report);

// One human-readable line for stderr.
std::string report_summary(const Report& report);

} // namespace loadgen

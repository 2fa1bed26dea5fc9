// One benchmark run, phase by phase: connect the subscribers in batches, let the server
// settle and read its memory, connect the publisher, publish through the window until
// everything is delivered (or progress stops), then report.
#pragma once

#include "publisher.hpp"
#include "report.hpp"
#include "run_state.hpp"
#include "subscriber.hpp"

#include <memory>
#include <optional>
#include <vector>

namespace loadgen {

class BenchRun {
  public:
    explicit BenchRun(const Options& options);
    // Runs everything and prints the JSON line; returns the exit status.
    int run();

  private:
    bool resolve_endpoints();
    void connect_subscribers();
    void settle();
    bool connect_publisher();
    void publish();
    // Polls the loop until there is something to do: a paced send's due time, or 10 ms.
    void poll_publishing();
    void read_server_cpu(const std::vector<std::optional<double>>& before,
                         std::optional<double> redis_before);
    int finish(int setup_status);
    // Runs the loop for ms milliseconds.
    void run_for(uint32_t ms);
    uint64_t deadline() const { return start_ns_ + uint64_t(options_.timeout_s * 1e9); }
    void progress(const char* phase, bool force = false);

    const Options& options_;
    RunState run_;
    std::vector<Endpoint> subscribe_endpoints_; // one per --subscribe URL
    Endpoint publish_endpoint_;
    std::vector<std::unique_ptr<Subscriber>> subscribers_;
    std::unique_ptr<Publisher> publisher_;
    Report report_;
    uint64_t start_ns_ = 0;
    uint64_t last_progress_print_ = 0;
};

} // namespace loadgen

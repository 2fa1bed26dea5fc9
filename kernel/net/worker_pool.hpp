// One io_context per worker thread; every connection is pinned to one worker for its
// whole life, so its state needs no lock.
#pragma once

#include "net/connection_gate.hpp"
#include "net/worker.hpp"

#include <memory>
#include <thread>
#include <vector>

namespace switchyard {

class WorkerPool {
  public:
    // `count` 0 means one worker per core. At most 256 (connection ids carry the index).
    // `io_timeout`: every worker's deadline for a request or frame to arrive whole.
    // `node_tag`: the high bits of every connection id (node_tag.hpp): 0 for a kernel
    // alone, random_node_tag() for one of several nodes sharing a bus.
    explicit WorkerPool(unsigned count, std::chrono::milliseconds io_timeout = kDefaultIoTimeout,
                        uint32_t node_tag = 0);
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    size_t size() const noexcept { return workers_.size(); }
    Worker& at(size_t index) noexcept { return *workers_[index]; }
    // The worker that owns a connection id.
    Worker& owner_of(sy_conn_id id) noexcept { return *workers_[worker_index_of(id) % size()]; }
    // Round-robin choice for a new connection.
    Worker& next() noexcept;
    // The kernel-wide connection cap: every plugin endpoint's gate hands its connections
    // on to it (the control API's does not: see Server::start).
    const ConnectionGatePtr& kernel_gate() const noexcept { return kernel_gate_; }

    // Starts one thread per worker.
    void start();
    // Lets the io_contexts return once their work is done, then joins the threads.
    void stop_and_join();

  private:
    std::vector<std::unique_ptr<Worker>> workers_;
    std::vector<std::thread> threads_;
    std::atomic<size_t> next_{0};
    ConnectionGatePtr kernel_gate_{new ConnectionGate("the server")};
};

} // namespace switchyard

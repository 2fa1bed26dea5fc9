// One io_context per worker thread; every connection is pinned to one worker for its
// whole life, so its state needs no lock.
#pragma once

#include "net/worker.hpp"

#include <memory>
#include <thread>
#include <vector>

namespace switchyard {

class WorkerPool {
  public:
    // `count` 0 means one worker per core. At most 256 (connection ids carry the index).
    explicit WorkerPool(unsigned count);
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    size_t size() const noexcept { return workers_.size(); }
    Worker& at(size_t index) noexcept { return *workers_[index]; }
    // The worker that owns a connection id.
    Worker& owner_of(sy_conn_id id) noexcept { return *workers_[worker_index_of(id) % size()]; }
    // Round-robin choice for a new connection.
    Worker& next() noexcept;

    // Starts one thread per worker.
    void start();
    // Lets the io_contexts return once their work is done, then joins the threads.
    void stop_and_join();

  private:
    std::vector<std::unique_ptr<Worker>> workers_;
    std::vector<std::thread> threads_;
    std::atomic<size_t> next_{0};
};

} // namespace switchyard

#include "net/worker_pool.hpp"

#include <algorithm>

namespace switchyard {

WorkerPool::WorkerPool(unsigned count, std::chrono::milliseconds io_timeout, uint32_t node_tag) {
    if (count == 0) count = std::max(1u, std::thread::hardware_concurrency());
    count = std::min(count, 256u);
    workers_.reserve(count);
    for (unsigned i = 0; i < count; ++i)
        workers_.push_back(std::make_unique<Worker>(i, io_timeout, node_tag));
}

WorkerPool::~WorkerPool() {
    stop_and_join();
}

Worker& WorkerPool::next() noexcept {
    return *workers_[next_.fetch_add(1, std::memory_order_relaxed) % workers_.size()];
}

void WorkerPool::start() {
    for (auto& worker : workers_) {
        worker->keep_running();
        threads_.emplace_back([w = worker.get()] { w->io().run(); });
    }
}

void WorkerPool::stop_and_join() {
    for (auto& worker : workers_) worker->let_finish();
    for (auto& thread : threads_) {
        if (thread.joinable()) thread.join();
    }
    threads_.clear();
}

} // namespace switchyard

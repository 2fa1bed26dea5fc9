#include "control/reload_queue.hpp"

#include <spdlog/spdlog.h>

namespace switchyard {

ReloadQueue::ReloadQueue() : thread_([this] { run(); }) {}

ReloadQueue::~ReloadQueue() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

bool ReloadQueue::submit(Task task) {
    {
        std::lock_guard lock(mutex_);
        if (tasks_.size() >= kMaxWaiting) return false;
        tasks_.push_back(std::move(task));
    }
    wake_.notify_one();
    return true;
}

void ReloadQueue::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stop_ || !tasks_.empty(); });
        if (tasks_.empty()) return; // stopping, nothing left
        Task task = std::move(tasks_.front());
        tasks_.pop_front();
        lock.unlock();
        try {
            task();
        } catch (const std::exception& e) {
            spdlog::error("reload request failed: {}", e.what());
        }
        lock.lock();
    }
}

} // namespace switchyard

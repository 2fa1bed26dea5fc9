#include "plugin/plugin_dispatcher.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

namespace switchyard {

namespace {
// How many tasks run before the dispatcher yields its worker to connections.
constexpr size_t kBatch = 64;
} // namespace

PluginDispatcher::PluginDispatcher(boost::asio::io_context& home, size_t limit)
    : home_(home), limit_(limit) {}

bool PluginDispatcher::post(Task task) {
    std::lock_guard lock(mutex_);
    if (tasks_.size() >= limit_) return false;
    tasks_.push_back(std::move(task));
    schedule_locked();
    return true;
}

void PluginDispatcher::post_always(Task task) {
    std::lock_guard lock(mutex_);
    tasks_.push_back(std::move(task));
    schedule_locked();
}

size_t PluginDispatcher::pending() const {
    std::lock_guard lock(mutex_);
    return tasks_.size();
}

bool PluginDispatcher::on_home_thread() const {
    return home_.get_executor().running_in_this_thread();
}

void PluginDispatcher::schedule_locked() {
    if (scheduled_ || tasks_.empty()) return;
    scheduled_ = true;
    boost::asio::post(home_, [this] { drain(); });
}

void PluginDispatcher::run(Task& task) noexcept {
    // A task is kernel code around a plugin call; should it throw anyway, the worker
    // thread and every other connection on it must survive.
    try {
        task();
    } catch (const std::exception& e) {
        spdlog::error("plugin task failed: {}", e.what());
    } catch (...) {
        spdlog::error("plugin task failed with an unknown exception");
    }
}

void PluginDispatcher::drain() {
    for (size_t done = 0; done < kBatch; ++done) {
        Task task;
        {
            std::lock_guard lock(mutex_);
            if (tasks_.empty()) {
                scheduled_ = false;
                return;
            }
            task = std::move(tasks_.front());
            tasks_.pop_front();
        }
        run(task);
    }
    std::lock_guard lock(mutex_);
    scheduled_ = false;
    schedule_locked();
}

} // namespace switchyard

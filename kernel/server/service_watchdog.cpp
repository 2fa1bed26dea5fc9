#include "server/service_watchdog.hpp"

#include "server/service_notify.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>

namespace switchyard {

struct ServiceWatchdog::Shared {
    std::mutex mutex;
    std::condition_variable changed;
    uint64_t round = 0;  // the current probe; a late answer to an older one is not counted
    size_t answered = 0; // workers that ran the current probe's no-op
    bool stopping = false;
};

std::unique_ptr<ServiceWatchdog> ServiceWatchdog::start_if_enabled(WorkerPool& pool) {
    const auto interval = watchdog_interval();
    if (!interval) return nullptr;
    spdlog::info("service watchdog: {} ms; pinging every {} ms while the {} workers answer",
                 interval->count() / 1000, interval->count() / 2000, pool.size());
    return std::make_unique<ServiceWatchdog>(pool, *interval);
}

ServiceWatchdog::ServiceWatchdog(WorkerPool& pool, std::chrono::microseconds interval)
    : pool_(pool),
      period_(std::max(interval / 2, std::chrono::microseconds(1000))),
      shared_(std::make_shared<Shared>()) {
    thread_ = std::thread([this] { run(); });
}

ServiceWatchdog::~ServiceWatchdog() {
    {
        std::lock_guard lock(shared_->mutex);
        shared_->stopping = true;
    }
    shared_->changed.notify_all();
    if (thread_.joinable()) thread_.join();
}

bool ServiceWatchdog::workers_answer(std::chrono::steady_clock::time_point deadline) {
    uint64_t round = 0;
    {
        std::lock_guard lock(shared_->mutex);
        round = ++shared_->round;
        shared_->answered = 0;
    }
    for (size_t i = 0; i < pool_.size(); ++i) {
        boost::asio::post(pool_.at(i).io(), [shared = shared_, round] {
            {
                std::lock_guard lock(shared->mutex);
                if (shared->round != round) return;
                ++shared->answered;
            }
            shared->changed.notify_all();
        });
    }
    std::unique_lock lock(shared_->mutex);
    return shared_->changed.wait_until(lock, deadline, [&] {
        return shared_->stopping || shared_->answered == pool_.size();
    }) && !shared_->stopping;
}

void ServiceWatchdog::run() {
    bool stalled = false;
    auto next = std::chrono::steady_clock::now();
    for (;;) {
        next += period_;
        if (workers_answer(next)) {
            notify_watchdog();
            if (stalled) spdlog::warn("service watchdog: every worker answers again");
            stalled = false;
        } else {
            {
                std::lock_guard lock(shared_->mutex);
                if (shared_->stopping) return;
            }
            if (!stalled) {
                spdlog::error(
                    "service watchdog: a worker did not run a no-op within {} ms; "
                    "no ping until every worker answers (systemd restarts the "
                    "service when the watchdog interval passes without one)",
                    period_.count() / 1000);
            }
            stalled = true;
        }
        std::unique_lock lock(shared_->mutex);
        if (shared_->changed.wait_until(lock, next, [&] { return shared_->stopping; })) return;
        // A late round (the machine was suspended) starts again from now.
        const auto now = std::chrono::steady_clock::now();
        if (next < now) next = now;
    }
}

} // namespace switchyard

// The service watchdog (systemd's WatchdogSec=): WATCHDOG=1 is sent only while every
// network worker is alive. Every half interval a thread posts a no-op to each worker's
// event loop and pings when all of them ran it within that half interval; a worker stuck
// (a plugin hook that never returns, a deadlock) stops the pings, and systemd restarts
// the service (Restart=on-failure) once the whole interval has passed without one.
#pragma once

#include "net/worker_pool.hpp"

#include <chrono>
#include <memory>
#include <thread>

namespace switchyard {

class ServiceWatchdog {
  public:
    // Starts the pings when the service manager asked for a watchdog (WATCHDOG_USEC);
    // nullptr otherwise. `pool` must outlive the watchdog.
    static std::unique_ptr<ServiceWatchdog> start_if_enabled(WorkerPool& pool);

    // Pings every `interval` / 2 while the workers answer.
    ServiceWatchdog(WorkerPool& pool, std::chrono::microseconds interval);
    // Stops the pings (before the workers stop) and joins the thread.
    ~ServiceWatchdog();
    ServiceWatchdog(const ServiceWatchdog&) = delete;
    ServiceWatchdog& operator=(const ServiceWatchdog&) = delete;

  private:
    struct Shared;
    void run();
    // True when every worker ran a no-op before `deadline`.
    bool workers_answer(std::chrono::steady_clock::time_point deadline);

    WorkerPool& pool_;
    const std::chrono::microseconds period_;
    std::shared_ptr<Shared> shared_; // also held by the no-ops still queued on workers
    std::thread thread_;
};

} // namespace switchyard

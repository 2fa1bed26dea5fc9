#include "plugin/hook_scope.hpp"

#include "log/rate_limited_log.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <vector>

namespace switchyard {

namespace {

using Clock = std::chrono::steady_clock;

// A plain pointer: no destructor, so nothing of it outlives a thread badly.
thread_local const HookWatch* t_current = nullptr;

std::atomic<int64_t> g_bound_ms{100};

// Every live HookWatch, for the watchdog.
std::mutex g_watches_mutex;
std::vector<HookWatch*> g_watches;

RateLimitedLog g_slow_log("slow plugin hooks", 5);

int64_t now_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
        .count();
}

} // namespace

void set_slow_hook_bound(std::chrono::milliseconds bound) noexcept {
    g_bound_ms.store(bound.count(), std::memory_order_relaxed);
}

std::chrono::milliseconds slow_hook_bound() noexcept {
    return std::chrono::milliseconds(g_bound_ms.load(std::memory_order_relaxed));
}

HookWatch::HookWatch(std::string plugin) : plugin_(std::move(plugin)) {
    std::lock_guard lock(g_watches_mutex);
    g_watches.push_back(this);
}

HookWatch::~HookWatch() {
    std::lock_guard lock(g_watches_mutex);
    g_watches.erase(std::remove(g_watches.begin(), g_watches.end(), this), g_watches.end());
}

HookScope::HookScope(HookWatch& watch, const char* hook) noexcept
    : watch_(watch),
      previous_(t_current),
      previous_hook_(watch.hook_.load(std::memory_order_relaxed)),
      previous_started_ns_(watch.started_ns_.load(std::memory_order_relaxed)),
      started_ns_(now_ns()) {
    t_current = &watch;
    watch.reported_.store(false, std::memory_order_relaxed);
    watch.started_ns_.store(started_ns_, std::memory_order_relaxed);
    watch.hook_.store(hook, std::memory_order_release);
}

HookScope::~HookScope() {
    const char* hook = watch_.hook_.load(std::memory_order_relaxed);
    const int64_t bound_ms = g_bound_ms.load(std::memory_order_relaxed);
    const int64_t took_ns = now_ns() - started_ns_;
    watch_.hook_.store(previous_hook_, std::memory_order_release);
    watch_.started_ns_.store(previous_started_ns_, std::memory_order_relaxed);
    t_current = previous_;
    if (previous_ != &watch_ && watch_.after_hooks_) {
        try {
            watch_.after_hooks_();
        } catch (const std::exception& e) {
            spdlog::error("plugin {}: tidying up after hook {} failed: {}", watch_.plugin(),
                          hook != nullptr ? hook : "?", e.what());
        }
    }
    if (bound_ms == 0 || took_ns <= bound_ms * 1'000'000) return;
    watch_.slow_hooks_.fetch_add(1, std::memory_order_relaxed);
    if (watch_.reported_.exchange(false, std::memory_order_relaxed)) return;
    g_slow_log.warn(
        "plugin {}: hook {} ran {} ms, longer than slow_hook_ms = {}: it stalled "
        "every connection of its worker meanwhile",
        watch_.plugin(), hook != nullptr ? hook : "?", took_ns / 1'000'000, bound_ms);
}

const HookWatch* HookScope::current() noexcept {
    return t_current;
}

HookWatchdog::HookWatchdog() : thread_([this] { run(); }) {}

HookWatchdog::~HookWatchdog() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void HookWatchdog::run() {
    std::unique_lock lock(mutex_);
    while (!stop_) {
        const int64_t bound_ms = g_bound_ms.load(std::memory_order_relaxed);
        // Look four times per bound, at most every 10 ms and at least every second.
        const auto period = std::chrono::milliseconds(std::clamp<int64_t>(bound_ms / 4, 10, 1000));
        wake_.wait_for(lock, period, [this] { return stop_; });
        if (stop_ || bound_ms == 0) continue;
        const int64_t now = now_ns();
        std::lock_guard watches_lock(g_watches_mutex);
        for (HookWatch* watch : g_watches) {
            const char* hook = watch->hook_.load(std::memory_order_acquire);
            const int64_t started = watch->started_ns_.load(std::memory_order_relaxed);
            if (hook == nullptr || now - started <= bound_ms * 1'000'000) continue;
            if (watch->reported_.exchange(true, std::memory_order_relaxed)) continue;
            g_slow_log.warn(
                "plugin {}: hook {} has been running for {} ms (slow_hook_ms = {}); "
                "every connection of its worker waits",
                watch->plugin(), hook, (now - started) / 1'000'000, bound_ms);
        }
    }
}

} // namespace switchyard

// Every call the kernel makes into a plugin instance runs inside a HookScope, which does
// two jobs:
//  - It marks the calling thread as inside that plugin's hook. The host functions plugin.h
//    marks [hooks] check it, so a thread the plugin started, or a static destructor,
//    calling them gets SY_ERR_WRONG_THREAD instead of racing the dispatcher.
//  - It times the hook. Hooks run on a network worker's event loop, so a hook that reads
//    a file or spins stalls every connection of that worker: one that runs longer than
//    the bound ([kernel] slow_hook_ms) is counted and logged, naming plugin and hook. The
//    HookWatchdog also reports a hook still running past the bound (a hook that never
//    returns is never counted by its scope).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace switchyard {

// One plugin's hook clock: which hook runs now and since when, and how many ran slow.
// Registered with the watchdog for its whole life.
class HookWatch {
  public:
    explicit HookWatch(std::string plugin);
    ~HookWatch();
    HookWatch(const HookWatch&) = delete;
    HookWatch& operator=(const HookWatch&) = delete;

    const std::string& plugin() const noexcept { return plugin_; }
    // Hooks that ran longer than the bound, since start.
    uint64_t slow_hooks() const noexcept { return slow_hooks_.load(std::memory_order_relaxed); }
    // Calls `fn` each time the outermost of this plugin's hook scopes on a thread ends:
    // what the kernel tidies once a hook has returned (the transient groups it left
    // empty). Set before the first hook runs.
    void after_hooks(std::function<void()> fn) { after_hooks_ = std::move(fn); }

  private:
    friend class HookScope;
    friend class HookWatchdog;

    std::string plugin_;
    // The hook running now (nullptr: none) and when it started (steady clock, ns).
    std::atomic<const char*> hook_{nullptr};
    std::atomic<int64_t> started_ns_{0};
    // Set by the watchdog once it has reported the running call, so the call is logged
    // once (it is still counted when it ends).
    std::atomic<bool> reported_{false};
    std::atomic<uint64_t> slow_hooks_{0};
    std::function<void()> after_hooks_;
};

// Marks the current thread as inside `watch`'s plugin hook `hook` until destroyed.
// Scopes nest (a reload's snapshot and create run within one task).
class HookScope {
  public:
    HookScope(HookWatch& watch, const char* hook) noexcept;
    ~HookScope();
    HookScope(const HookScope&) = delete;
    HookScope& operator=(const HookScope&) = delete;

    // The watch of the plugin whose hook this thread is inside, or nullptr.
    static const HookWatch* current() noexcept;

  private:
    HookWatch& watch_;
    const HookWatch* previous_;
    const char* previous_hook_;
    int64_t previous_started_ns_;
    int64_t started_ns_;
};

// Calls `hook_call` (a call into the plugin) inside a HookScope named `hook`, and returns
// what it returns.
template <class HookCall>
auto call_hook(HookWatch& watch, const char* hook, HookCall&& hook_call) {
    HookScope scope(watch, hook);
    return hook_call();
}

// The bound past which a hook is slow (default 100 ms); 0 turns the check off.
void set_slow_hook_bound(std::chrono::milliseconds bound) noexcept;
std::chrono::milliseconds slow_hook_bound() noexcept;

// A thread that looks at every HookWatch a few times per bound and logs a hook still
// running past it. One per kernel; stops when destroyed.
class HookWatchdog {
  public:
    HookWatchdog();
    ~HookWatchdog();
    HookWatchdog(const HookWatchdog&) = delete;
    HookWatchdog& operator=(const HookWatchdog&) = delete;

  private:
    void run();

    std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    std::thread thread_;
};

} // namespace switchyard

#include "wait_until.hpp"

#include <thread>

namespace switchyard::test {

bool wait_until(const std::function<bool()>& predicate, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (predicate()) return true;
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) return false;
        // Polling is the only portable way to wait on an arbitrary predicate; the interval
        // bounds the latency, the deadline bounds the wait.
        std::this_thread::sleep_for(
            std::min<std::chrono::steady_clock::duration>(interval, deadline - now));
    }
}

} // namespace switchyard::test

// A counter with one writer thread and readers anywhere (a scrape).
//
// The writer adds with a relaxed load and a relaxed store: no read-modify-write, no lock
// and no cache-line ping-pong on a hot path, because only one thread ever writes it (a
// connection's worker). Readers see some recent value (relaxed), which is all a scrape
// needs; the atomic is what keeps the cross-thread read defined.
#pragma once

#include <atomic>
#include <cstdint>

namespace switchyard {

class OwnedCounter {
  public:
    // Adds `n`. Only ever from the one owning thread.
    void add(uint64_t n = 1) noexcept {
        value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    // The value now, from any thread.
    uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<uint64_t> value_{0};
};

} // namespace switchyard

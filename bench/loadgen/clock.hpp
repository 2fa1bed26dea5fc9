// Monotonic time in nanoseconds: the clock the payload's "t" is stamped with, so a
// subscriber on the same machine can compute publish-to-receive latency directly.
#pragma once

#include <cstdint>
#include <ctime>

namespace loadgen {

inline uint64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

// CPU time this process has used (user + system), in seconds.
inline double own_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

} // namespace loadgen

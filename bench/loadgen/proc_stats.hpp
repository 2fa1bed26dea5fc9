// The server's memory and CPU as Linux accounts them in /proc/PID.
#pragma once

#include <cstdint>
#include <optional>

namespace loadgen {

// VmRSS from /proc/PID/status, in KiB.
std::optional<uint64_t> read_rss_kib(int pid);

// utime + stime from /proc/PID/stat, in seconds (all threads).
std::optional<double> read_cpu_seconds(int pid);

} // namespace loadgen

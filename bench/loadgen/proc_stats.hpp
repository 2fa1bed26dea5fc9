// The server's memory and CPU as Linux accounts them in /proc/PID.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace loadgen {

// VmRSS from /proc/PID/status, in KiB.
std::optional<uint64_t> read_rss_kib(int pid);

// VmHWM (peak RSS) from /proc/PID/status, in KiB.
std::optional<uint64_t> read_peak_rss_kib(int pid);

// Resets the process's VmHWM to its current RSS (writes 5 to /proc/PID/clear_refs; the
// same user may). False when the kernel or permissions refuse.
bool reset_peak_rss(int pid);

// utime + stime from /proc/PID/stat, in seconds (all threads).
std::optional<double> read_cpu_seconds(int pid);

// The same summed over several processes (the nodes of one bus); nullopt when any of them
// cannot be read, so that a sum never silently leaves a node out.
std::optional<uint64_t> read_rss_kib(const std::vector<int>& pids);
std::optional<uint64_t> read_peak_rss_kib(const std::vector<int>& pids);
std::optional<double> read_cpu_seconds(const std::vector<int>& pids);
// Resets every process's peak; false when any refused.
bool reset_peak_rss(const std::vector<int>& pids);

} // namespace loadgen

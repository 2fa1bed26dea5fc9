#include "proc_stats.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace loadgen {

namespace {

// Reads a small /proc file whole; these are generated on read, so one read() suffices.
std::optional<std::string> read_small_file(const std::string& path) {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    char buf[8192];
    const ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return std::nullopt;
    return std::string(buf, size_t(n));
}

// A "Name:   123 kB" line of /proc/PID/status, in KiB.
std::optional<uint64_t> read_status_kib(int pid, const std::string& name) {
    const auto text = read_small_file("/proc/" + std::to_string(pid) + "/status");
    if (!text) return std::nullopt;
    const std::string key = "\n" + name + ":";
    const size_t at = text->find(key);
    if (at == std::string::npos) return std::nullopt;
    return std::strtoull(text->c_str() + at + key.size(), nullptr, 10);
}

} // namespace

std::optional<uint64_t> read_rss_kib(int pid) {
    return read_status_kib(pid, "VmRSS");
}

std::optional<uint64_t> read_peak_rss_kib(int pid) {
    return read_status_kib(pid, "VmHWM");
}

bool reset_peak_rss(int pid) {
    const int fd =
        open(("/proc/" + std::to_string(pid) + "/clear_refs").c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = write(fd, "5", 1) == 1;
    close(fd);
    return ok;
}

std::optional<double> read_cpu_seconds(int pid) {
    const auto text = read_small_file("/proc/" + std::to_string(pid) + "/stat");
    if (!text) return std::nullopt;
    // Field 2 (comm) is in parentheses and may hold spaces; count fields after the last ')'.
    const size_t close_paren = text->rfind(')');
    if (close_paren == std::string::npos) return std::nullopt;
    const char* p = text->c_str() + close_paren + 1;
    // After ')' come field 3 (state) ... field 14 (utime), field 15 (stime).
    for (int field = 3; field < 14; ++field) {
        p = std::strchr(p + 1, ' ');
        if (p == nullptr) return std::nullopt;
    }
    char* end = nullptr;
    const unsigned long long utime = std::strtoull(p, &end, 10);
    const unsigned long long stime = std::strtoull(end, nullptr, 10);
    const long ticks = sysconf(_SC_CLK_TCK);
    return double(utime + stime) / double(ticks > 0 ? ticks : 100);
}

namespace {

template <class T>
std::optional<T> sum_over(const std::vector<int>& pids, std::optional<T> (*read)(int)) {
    T sum{};
    for (const int pid : pids) {
        const std::optional<T> value = read(pid);
        if (!value) return std::nullopt;
        sum += *value;
    }
    return sum;
}

} // namespace

std::optional<uint64_t> read_rss_kib(const std::vector<int>& pids) {
    return sum_over<uint64_t>(pids, &read_rss_kib);
}

std::optional<uint64_t> read_peak_rss_kib(const std::vector<int>& pids) {
    return sum_over<uint64_t>(pids, &read_peak_rss_kib);
}

std::optional<double> read_cpu_seconds(const std::vector<int>& pids) {
    return sum_over<double>(pids, &read_cpu_seconds);
}

bool reset_peak_rss(const std::vector<int>& pids) {
    bool all = true;
    for (const int pid : pids) all = reset_peak_rss(pid) && all;
    return all;
}

} // namespace loadgen

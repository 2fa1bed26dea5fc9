#include "server/service_notify.hpp"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <time.h>

#include <atomic>
#include <cstring>
#include <string>

namespace switchyard {

namespace {

// Sends `state`; a failure is logged once (a manager that cannot be told is worth a line,
// but not one per watchdog ping).
void send(const std::string& state) {
    const int result = sd_notify(0, state.c_str());
    static std::atomic<bool> reported{false};
    if (result < 0 && !reported.exchange(true)) {
        spdlog::warn("sd_notify: cannot tell the service manager ({}): {}", state.substr(0, 12),
                     std::strerror(-result));
    }
}

} // namespace

void notify_ready(std::string_view status) {
    // A newline would start another assignment of the protocol.
    std::string line(status);
    for (char& c : line) {
        if (c == '\n') c = ' ';
    }
    send("READY=1\nSTATUS=" + line);
}

void notify_reloading() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    const uint64_t usec = uint64_t(now.tv_sec) * 1'000'000u + uint64_t(now.tv_nsec) / 1000u;
    send("RELOADING=1\nSTATUS=reloading the config\nMONOTONIC_USEC=" + std::to_string(usec));
}

void notify_stopping() {
    send("STOPPING=1\nSTATUS=shutting down");
}

void notify_watchdog() {
    send("WATCHDOG=1");
}

std::optional<std::chrono::microseconds> watchdog_interval() {
    uint64_t usec = 0;
    // 0: keep WATCHDOG_USEC and WATCHDOG_PID in the environment; nothing here forks.
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
    return std::chrono::microseconds(usec);
}

} // namespace switchyard

// Telling the service manager how the kernel is doing, through libsystemd's sd_notify
// (packaging/switchyard.service is Type=notify): READY=1 once every listener is bound and
// the control API answers, RELOADING=1 and READY=1 around a SIGHUP, STOPPING=1 when the
// shutdown begins, WATCHDOG=1 from the service watchdog (service_watchdog.hpp).
//
// Outside systemd (no NOTIFY_SOCKET in the environment) every call does nothing.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace switchyard {

// READY=1 with STATUS=<status>: start-up (or a reload) is done.
void notify_ready(std::string_view status);

// RELOADING=1 with MONOTONIC_USEC=<now>: a SIGHUP's re-read of the config begins (systemd
// 253's Type=notify-reload wants the timestamp; older ones ignore it). notify_ready()
// ends it.
void notify_reloading();

// STOPPING=1: the graceful shutdown begins.
void notify_stopping();

// WATCHDOG=1: the kernel is alive.
void notify_watchdog();

// The watchdog interval the service manager asked for (WatchdogSec=, handed down as
// WATCHDOG_USEC, for this process when WATCHDOG_PID is set), or nothing when no
// watchdog is wanted.
std::optional<std::chrono::microseconds> watchdog_interval();

} // namespace switchyard

// The kernel binary run as a test fixture: a config written into a fresh temp dir, the
// process started, its "switchyard ready" line awaited, and the ports it bound learned
// from the control API. Destroying it kills the process and removes the dir.
#pragma once

#include "child_process.hpp"
#include "http_client.hpp"

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::test {

// What a test says about the kernel it wants; everything else takes test defaults:
// [kernel] plugin_dir = SWITCHYARD_PLUGIN_DIR, workers = 2, log_level = "debug";
// [control] listen = "127.0.0.1:0".
struct KernelOptions {
    std::string control_token; // [control] token; "" = none (loopback peers only)
    std::string kernel_toml;   // more lines inside [kernel], e.g. "hot_reload = true\n"
    std::string control_toml;  // more lines inside [control], e.g. "max_body_bytes = 1024\n"
    std::string extra_toml;    // tables after [kernel] and [control]: [bus], [plugins.x]
    std::string full_toml;     // when not empty: the whole config, the fields above unused
    // Environment variables ("NAME=value") the kernel gets besides the test's own, e.g.
    // NOTIFY_SOCKET for the sd_notify tests.
    std::vector<std::string> environment;
    // The kernel binary to run; "" = SWITCHYARD_BINARY (the build tree's). The package
    // test runs the one it unpacked from the .deb.
    std::string binary;
    std::chrono::milliseconds ready_timeout = std::chrono::seconds(20);
};

// The TOML text `options` stand for.
std::string kernel_config_text(const KernelOptions& options);

class KernelProcess {
  public:
    // Writes the config, starts SWITCHYARD_BINARY --config <file>, waits for the ready
    // line and reads GET /api/v1/plugins. Throws std::runtime_error, with the kernel's
    // log, when the kernel exits, stays silent past ready_timeout, or the API fails.
    static KernelProcess start(const KernelOptions& options);
    // start() with only extra_toml, e.g. a [plugins.groove] table.
    static KernelProcess start(std::string extra_toml);

    KernelProcess(KernelProcess&&) noexcept;
    KernelProcess& operator=(KernelProcess&&) noexcept;
    // SIGKILL if still running, keeps the log for a failure report (kernel_logs.hpp),
    // removes the temp dir.
    ~KernelProcess();

    // The control API's bound port (from the ready line).
    uint16_t control_port() const;
    // The port plugin `plugin`'s endpoint `endpoint` is bound to. Throws
    // std::runtime_error naming what is there when no such endpoint was reported.
    uint16_t plugin_port(std::string_view plugin, std::string_view endpoint = "default") const;
    // A client of the control API that sends the control token, if one is set.
    HttpClient control() const;
    // The headers that authorize a control request ({} without a token).
    HttpHeaders control_auth() const;
    // The raw GET /api/v1/plugins body read at start.
    const std::string& plugins_json() const;

    // The process id.
    pid_t pid() const;
    // Sends `signal` (SIGTERM, SIGHUP...) to the kernel.
    void send_signal(int signal);
    // Waits for the kernel to exit: its exit code (128 + signal when killed), or nothing
    // when it still runs after `timeout`.
    std::optional<int> wait_exit(std::chrono::milliseconds timeout);
    // The kernel's stderr (its log) and stdout so far, labelled, for failure messages.
    std::string log() const;
    // The config file and the temp dir it lives in (a test may put more files there).
    const std::filesystem::path& config_path() const;
    const std::filesystem::path& dir() const;

  private:
    struct Impl;
    explicit KernelProcess(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Runs SWITCHYARD_BINARY with `args` to completion (killed after `timeout`), for
// --version, --check-config and refused configs.
RunResult run_switchyard(const std::vector<std::string>& args,
                         std::chrono::milliseconds timeout = std::chrono::seconds(20));

} // namespace switchyard::test

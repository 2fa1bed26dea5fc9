// nginx as a TLS-terminating reverse proxy in front of a kernel endpoint, as an operator
// would put one (seed 000: "If you serve the dashboard over HTTPS behind a proxy, the
// browser will use wss://.../ws"). The test starts Debian's nginx itself, in a fresh temp
// dir, with a self-signed certificate made by openssl for 127.0.0.1 and localhost.
#pragma once

#include "child_process.hpp"
#include "temp_dir.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

namespace switchyard::test {

class TlsProxy {
  public:
    // Starts /usr/sbin/nginx on 127.0.0.1:<free port> with HTTPS, proxying /ws (with its
    // Upgrade and Connection headers) and every other path to
    // http://127.0.0.1:<upstream_port>, passing the browser's Host on and saying
    // X-Forwarded-Proto: https. Waits until it accepts connections. Throws std::runtime_error,
    // with nginx's log, when openssl or nginx fail.
    static TlsProxy start(uint16_t upstream_port,
                          std::chrono::milliseconds timeout = std::chrono::seconds(20));

    TlsProxy(TlsProxy&&) noexcept = default;
    TlsProxy& operator=(TlsProxy&&) noexcept = default;
    // Kills nginx (one process: master_process off) and removes its dir.
    ~TlsProxy() = default;

    // The HTTPS port on 127.0.0.1.
    uint16_t port() const { return port_; }
    // The proxy's self-signed certificate (PEM, for 127.0.0.1 and localhost): what a
    // client trusts to verify it.
    std::filesystem::path certificate() const;
    // nginx's error log so far, for failure messages.
    std::string log() const;

  private:
    TlsProxy(TempDir dir, ChildProcess process, uint16_t port)
        : dir_(std::move(dir)), process_(std::move(process)), port_(port) {}

    TempDir dir_; // destroyed after the process: nginx is gone before its files are
    ChildProcess process_;
    uint16_t port_;
};

} // namespace switchyard::test

// One loopback TCP connection kept open, for a client that misbehaves over time: one that
// sends half a request or half a frame and stops, never answers a ping, or connects from
// another loopback address. It writes exactly what a test gives it and collects what the
// server sends back; every wait has a timeout and leaves the client usable.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace switchyard::test {

class RawTcpClient {
  public:
    // Connects to 127.0.0.1:<port>, from `source` (another loopback address such as
    // "127.0.0.2") when given. Throws std::runtime_error when it cannot.
    static RawTcpClient connect(uint16_t port, std::string_view source = {},
                                std::chrono::milliseconds timeout = std::chrono::seconds(10));

    RawTcpClient(RawTcpClient&&) noexcept;
    RawTcpClient& operator=(RawTcpClient&&) noexcept;
    // Drops the connection.
    ~RawTcpClient();

    // Writes all of `bytes`; false when the connection failed.
    bool write(std::string_view bytes);
    // Reads until `enough(received())` holds, the server closes, or `timeout` passes;
    // returns enough(received()).
    bool read_until(const std::function<bool(const std::string&)>& enough,
                    std::chrono::milliseconds timeout);
    // Reads until the server closes (end of stream or reset); false on the timeout.
    bool wait_closed(std::chrono::milliseconds timeout);

    // Everything the server sent so far, in order.
    const std::string& received() const;
    // True once the server closed the connection.
    bool closed() const;
    // The client's own port (to find its connection in /proc/net/tcp).
    uint16_t local_port() const;

  private:
    struct Impl;
    explicit RawTcpClient(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace switchyard::test

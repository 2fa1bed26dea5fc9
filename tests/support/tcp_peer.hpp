// A TCP connection to any address the host has (not only 127.0.0.1), for what the other
// clients cannot do: connect to a non-loopback address of this machine (the server then
// sees a non-loopback peer), keep a small receive buffer and stop reading (a slow
// listener), or vanish with a reset instead of a FIN. It writes exactly what a test gives
// it and collects what the server sends; every wait has a timeout and leaves it usable.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard::test {

struct TcpPeerOptions {
    std::string host = "127.0.0.1"; // the server's address
    int receive_buffer = 0;         // SO_RCVBUF set before connecting; 0: the system's
};

class TcpPeer {
  public:
    // Connects to host:port. Throws std::runtime_error when it cannot.
    static TcpPeer connect(uint16_t port, const TcpPeerOptions& options = {},
                           std::chrono::milliseconds timeout = std::chrono::seconds(10));

    // Takes over a connected socket (an accepted one: tcp_acceptor.hpp).
    static TcpPeer adopt(int fd);

    TcpPeer(TcpPeer&&) noexcept;
    TcpPeer& operator=(TcpPeer&&) noexcept;
    // Closes the connection (a FIN) if still open.
    ~TcpPeer();

    // Writes all of `bytes`; false when the connection failed.
    bool write(std::string_view bytes);
    // Reads until `enough(received())` holds, the server closes, or `timeout` passes;
    // returns enough(received()).
    bool read_until(const std::function<bool(const std::string&)>& enough,
                    std::chrono::milliseconds timeout);
    // Reads until the server closes (end of stream or reset); false on the timeout.
    bool wait_closed(std::chrono::milliseconds timeout);
    // Vanishes: SO_LINGER {on, 0} then close, so the kernel sends a reset, not a FIN.
    void reset();

    // Everything the server sent so far, in order.
    const std::string& received() const;
    // True once the server closed the connection.
    bool closed() const;

  private:
    struct Impl;
    explicit TcpPeer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// An IPv4 address of this machine outside 127.0.0.0/8 (from getifaddrs), for a peer the
// server must not take for loopback; nothing when the machine has none.
std::optional<std::string> non_loopback_ipv4();

} // namespace switchyard::test

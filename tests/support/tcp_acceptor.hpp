// A listening socket on 127.0.0.1 whose connections a test accepts and drives by hand,
// byte by byte (tcp_peer.hpp): a backend that answers half a response and waits, stalls,
// or streams a body at its own pace, for the tests of the kernel's outbound HTTP client.
#pragma once

#include "tcp_peer.hpp"

#include <chrono>
#include <cstdint>
#include <optional>

namespace switchyard::test {

class TcpAcceptor {
  public:
    // Listens on 127.0.0.1:<ephemeral>. Throws std::runtime_error when it cannot.
    TcpAcceptor();
    TcpAcceptor(const TcpAcceptor&) = delete;
    TcpAcceptor& operator=(const TcpAcceptor&) = delete;
    ~TcpAcceptor();

    uint16_t port() const noexcept { return port_; }
    // The next connection, or nothing when none comes within `timeout`.
    std::optional<TcpPeer> accept(std::chrono::milliseconds timeout);

  private:
    int fd_ = -1;
    uint16_t port_ = 0;
};

} // namespace switchyard::test

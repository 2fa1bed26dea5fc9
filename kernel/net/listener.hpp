// A listening socket for one endpoint. Accepts on its own worker and spreads the
// accepted sockets over all workers, round robin. Every accepted socket asks the
// endpoint's gate in first: past a cap it is answered 503 at once and never served.
// Accepted sockets have SO_KEEPALIVE set, so a peer that vanished without a FIN is
// found out by TCP even on a connection the kernel never writes to.
#pragma once

#include "net/connection_gate.hpp"
#include "net/http_exchange.hpp"
#include "net/worker_pool.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <string>

namespace switchyard {

class TlsIdentity;

class Listener : public std::enable_shared_from_this<Listener> {
  public:
    // Binds at once (so a taken port fails the start with a clear error); throws
    // std::runtime_error naming the address and the reason. `gate` admits its connections
    // (a listener that replaces another for the same endpoint shares its gate). With
    // `tls`, every connection is TLS with that identity (tls_terminator.hpp).
    Listener(WorkerPool& pool, const std::string& host, uint16_t port, std::string endpoint,
             std::shared_ptr<HttpService> service, ConnectionGatePtr gate,
             std::shared_ptr<TlsIdentity> tls = nullptr);

    // The port really bound (the ephemeral one when 0 was asked for).
    uint16_t port() const noexcept { return port_; }
    const std::string& address() const noexcept { return address_; }
    // Starts accepting.
    void start();
    // Stops accepting; open connections are not touched. Thread-safe.
    void stop();

  private:
    void accept();
    // Admits `socket` or refuses it; either way on `target`, its worker.
    void admit(Worker& target, boost::asio::ip::tcp::socket socket);

    WorkerPool& pool_;
    Worker& home_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer retry_; // pause after a failed accept
    std::string endpoint_;
    std::string address_;
    uint16_t port_ = 0;
    std::shared_ptr<HttpService> service_;
    ConnectionGatePtr gate_;
    std::shared_ptr<TlsIdentity> tls_; // null: plain TCP
};

} // namespace switchyard

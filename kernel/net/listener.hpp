// A listening socket for one endpoint. Accepts on its own worker and spreads the
// accepted sockets over all workers, round robin.
#pragma once

#include "net/http_exchange.hpp"
#include "net/worker_pool.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <string>

namespace switchyard {

class Listener : public std::enable_shared_from_this<Listener> {
  public:
    // Binds at once (so a taken port fails the start with a clear error); throws
    // std::runtime_error naming the address and the reason.
    Listener(WorkerPool& pool, const std::string& host, uint16_t port, std::string endpoint,
             std::shared_ptr<HttpService> service);

    // The port really bound (the ephemeral one when 0 was asked for).
    uint16_t port() const noexcept { return port_; }
    const std::string& address() const noexcept { return address_; }
    // Starts accepting.
    void start();
    // Stops accepting; open connections are not touched. Thread-safe.
    void stop();

  private:
    void accept();

    WorkerPool& pool_;
    Worker& home_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer retry_; // pause after a failed accept
    std::string endpoint_;
    std::string address_;
    uint16_t port_ = 0;
    std::shared_ptr<HttpService> service_;
};

} // namespace switchyard

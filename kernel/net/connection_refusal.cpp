#include "net/connection_refusal.hpp"

#include "net/http_exchange.hpp"
#include "net/worker.hpp"

#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <memory>

namespace switchyard {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// How long a refused client may keep sending before the socket is closed anyway.
constexpr auto kLinger = std::chrono::milliseconds(2000);
// Refused connections lingering at once (each holds a descriptor): past this, a refusal
// closes at once, which under such a flood is the lesser evil.
constexpr int kMaxLingering = 1024;
std::atomic<int> lingering{0};

// A refused connection after its answer: discards input until the client closes or the
// deadline passes.
class Lingering : public std::enable_shared_from_this<Lingering> {
  public:
    Lingering(tcp::socket socket, std::chrono::milliseconds linger)
        : socket_(std::move(socket)), deadline_(socket_.get_executor()) {
        deadline_.expires_after(linger);
    }
    ~Lingering() { lingering.fetch_sub(1, std::memory_order_relaxed); }

    void start() {
        deadline_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
            if (!ec) self->close();
        });
        read();
    }

  private:
    void read() {
        socket_.async_read_some(
            asio::buffer(discard_),
            [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                if (ec) {
                    self->close();
                    return;
                }
                self->read();
            });
    }
    void close() {
        boost::system::error_code ignored;
        deadline_.cancel();
        socket_.close(ignored);
    }

    tcp::socket socket_;
    asio::steady_timer deadline_;
    std::array<char, 512> discard_{};
};

} // namespace

std::string refusal_response(std::string_view message) {
    const std::string body = error_json("TOO_MANY_CONNECTIONS", message);
    return "HTTP/1.1 503 Service Unavailable\r\n"
           "Server: switchyard\r\n"
           "Content-Type: application/json\r\n"
           "Content-Length: " +
           std::to_string(body.size()) +
           "\r\n"
           "Retry-After: 1\r\n"
           "Connection: close\r\n"
           "\r\n" +
           body;
}

std::string refusal_message(const ConnectionGate& gate,
                            const ConnectionGate::Admission& admission) {
    const std::string cap = std::to_string(admission.cap);
    switch (admission.refused_by) {
        case GateCap::kernel: return "the server has its " + cap + " connections";
        case GateCap::address:
            return gate.name() + " has " + cap + " connections from this address";
        default: return gate.name() + " has its " + cap + " connections";
    }
}

void refuse_connection(Worker& worker, tcp::socket socket, std::string_view message) {
    const std::string response = refusal_response(message);
    boost::system::error_code ec;
    socket.non_blocking(true, ec);
    // A fresh socket's send buffer takes a few hundred bytes at once; whatever it does
    // not take is lost, which only a client that never reads can cause.
    if (!ec) socket.write_some(asio::buffer(response), ec);
    socket.shutdown(tcp::socket::shutdown_send, ec);
    if (lingering.fetch_add(1, std::memory_order_relaxed) >= kMaxLingering) {
        lingering.fetch_sub(1, std::memory_order_relaxed);
        socket.close(ec);
        return;
    }
    const auto linger = std::min<std::chrono::milliseconds>(kLinger, worker.io_timeout());
    std::make_shared<Lingering>(std::move(socket), linger)->start();
}

} // namespace switchyard

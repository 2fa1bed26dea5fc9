#include "net/listener.hpp"

#include "log/rate_limited_log.hpp"
#include "net/connection_refusal.hpp"
#include "net/http_session.hpp"
#include "net/tls_identity.hpp"
#include "net/tls_terminator.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <stdexcept>

namespace switchyard {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);

RateLimitedLog refusals_log("connections refused by a cap");

asio::ip::address resolve_host(const std::string& host) {
    if (host.empty() || host == "*") return asio::ip::address_v4::any();
    if (host == "localhost") return asio::ip::address_v4::loopback();
    boost::system::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (ec) throw std::runtime_error("bad listen address '" + host + "': " + ec.message());
    return address;
}
} // namespace

Listener::Listener(WorkerPool& pool, const std::string& host, uint16_t port, std::string endpoint,
                   std::shared_ptr<HttpService> service, ConnectionGatePtr gate,
                   std::shared_ptr<TlsIdentity> tls)
    : pool_(pool),
      home_(pool.next()),
      acceptor_(home_.io()),
      retry_(home_.io()),
      endpoint_(std::move(endpoint)),
      service_(std::move(service)),
      gate_(std::move(gate)),
      tls_(std::move(tls)) {
    const tcp::endpoint where(resolve_host(host), port);
    const std::string text = (where.address().is_v6() ? "[" + where.address().to_string() + "]"
                                                      : where.address().to_string()) +
                             ":" + std::to_string(port);
    boost::system::error_code ec;
    acceptor_.open(where.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(where, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) throw std::runtime_error("cannot listen on " + text + ": " + ec.message());
    port_ = acceptor_.local_endpoint().port();
    address_ = where.address().to_string();
}

void Listener::start() {
    asio::post(home_.io(), [self = shared_from_this()] { self->accept(); });
}

void Listener::stop() {
    asio::post(home_.io(), [self = shared_from_this()] {
        boost::system::error_code ec;
        self->acceptor_.close(ec);
        self->retry_.cancel();
    });
}

void Listener::accept() {
    Worker& target = pool_.next();
    acceptor_.async_accept(target.io(), [self = shared_from_this(), &target](
                                            const boost::system::error_code& ec,
                                            tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !self->acceptor_.is_open()) return;
        if (ec) {
            // Out of file descriptors and the like: log, and retry after a pause
            // rather than spinning on an error that has not gone away.
            spdlog::error("{}: accept failed: {}; retrying in {} ms", self->endpoint_, ec.message(),
                          kAcceptRetry.count());
            self->retry_.expires_after(kAcceptRetry);
            self->retry_.async_wait([self](const boost::system::error_code& wait_ec) {
                if (!wait_ec && self->acceptor_.is_open()) self->accept();
            });
            return;
        }
        self->admit(target, std::move(socket));
        self->accept();
    });
}

void Listener::admit(Worker& target, tcp::socket socket) {
    boost::system::error_code ec;
    socket.set_option(asio::socket_base::keep_alive(true), ec);
    const auto peer = socket.remote_endpoint(ec);
    if (ec) return; // gone already: the socket closes here
    auto admission = gate_->admit(peer.address());
    if (!admission.slot) {
        std::string why = refusal_message(*gate_, admission);
        refusals_log.warn("{}: refusing {}:{} {}: {}", endpoint_, peer.address().to_string(),
                          peer.port(), tls_ ? "by closing it (TLS)" : "with 503", why);
        // A TLS client could not read a plain 503: it is closed (here, with the socket).
        if (tls_) return;
        asio::post(target.io(),
                   [&target, socket = std::move(socket), why = std::move(why)]() mutable {
                       refuse_connection(target, std::move(socket), why);
                   });
        return;
    }
    if (tls_) {
        // The identity of the moment: a reload after this leaves the connection its own.
        asio::post(
            target.io(),
            [&target, socket = std::move(socket), context = tls_->current(), service = service_,
             endpoint = endpoint_, slot = std::move(admission.slot),
             client = SessionPeer{peer.address().to_string(), peer.port(), port_, true}]() mutable {
                serve_tls(target, std::move(socket), std::move(context), std::move(service),
                          std::move(endpoint), std::move(slot), std::move(client));
            });
        return;
    }
    asio::post(target.io(), [&target, socket = std::move(socket), service = service_,
                             endpoint = endpoint_, slot = std::move(admission.slot)]() mutable {
        std::make_shared<HttpSession>(target, std::move(socket), std::move(service),
                                      std::move(endpoint), std::move(slot))
            ->run();
    });
}

} // namespace switchyard

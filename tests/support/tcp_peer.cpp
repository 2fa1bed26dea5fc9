#include "tcp_peer.hpp"

#include "io_deadline.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/write.hpp>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <array>
#include <stdexcept>

namespace switchyard::test {

namespace asio = boost::asio;
using asio::ip::tcp;

struct TcpPeer::Impl {
    asio::io_context io;
    tcp::socket socket{io};
    std::string received;
    bool closed = false;
    bool reading = false;
    std::array<char, 64 * 1024> buffer{};

    void close_socket() {
        boost::system::error_code ignored;
        socket.close(ignored);
    }

    void start_read() {
        if (reading || closed) return;
        reading = true;
        socket.async_read_some(asio::buffer(buffer),
                               [this](const boost::system::error_code& ec, size_t n) {
                                   reading = false;
                                   received.append(buffer.data(), n);
                                   if (ec == asio::error::operation_aborted) return;
                                   if (ec) closed = true;
                               });
    }

    // Reads until `done()` or the deadline; a read still pending then is cancelled (the
    // connection stays open).
    bool read_while(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
        const auto deadline = detail::Clock::now() + timeout;
        while (!done() && !closed) {
            if (!socket.is_open()) break;
            start_read();
            const bool got = detail::run_or_cancel(
                io, [&] { return !reading; }, deadline,
                [&] {
                    boost::system::error_code ignored;
                    socket.cancel(ignored);
                });
            if (!got) break;
        }
        return done();
    }
};

TcpPeer::TcpPeer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TcpPeer::TcpPeer(TcpPeer&&) noexcept = default;
TcpPeer& TcpPeer::operator=(TcpPeer&&) noexcept = default;
TcpPeer::~TcpPeer() {
    if (!impl_) return;
    impl_->close_socket();
    impl_->io.restart();
    impl_->io.poll(); // let the cancelled read's handler run while Impl exists
}

TcpPeer TcpPeer::connect(uint16_t port, const TcpPeerOptions& options,
                         std::chrono::milliseconds timeout) {
    auto impl = std::make_unique<Impl>();
    const auto address = asio::ip::make_address(options.host);
    impl->socket.open(address.is_v4() ? tcp::v4() : tcp::v6());
    // Before connecting, so the window the server sees is small from the start.
    if (options.receive_buffer > 0)
        impl->socket.set_option(asio::socket_base::receive_buffer_size(options.receive_buffer));
    detail::connect_or_throw(
        impl->io, impl->socket, options.host, port, detail::Clock::now() + timeout,
        [&] { impl->close_socket(); }, "TCP peer of " + options.host);
    return TcpPeer(std::move(impl));
}

TcpPeer TcpPeer::adopt(int fd) {
    auto impl = std::make_unique<Impl>();
    impl->socket.assign(tcp::v4(), fd);
    return TcpPeer(std::move(impl));
}

bool TcpPeer::write(std::string_view bytes) {
    boost::system::error_code ec;
    asio::write(impl_->socket, asio::buffer(bytes.data(), bytes.size()), ec);
    return !ec;
}

bool TcpPeer::read_until(const std::function<bool(const std::string&)>& enough,
                         std::chrono::milliseconds timeout) {
    return impl_->read_while([&] { return enough(impl_->received); }, timeout);
}

bool TcpPeer::wait_closed(std::chrono::milliseconds timeout) {
    return impl_->read_while([&] { return impl_->closed; }, timeout);
}

void TcpPeer::reset() {
    boost::system::error_code ignored;
    impl_->socket.set_option(asio::socket_base::linger(true, 0), ignored);
    impl_->close_socket();
    impl_->closed = true;
    impl_->io.restart();
    impl_->io.poll();
}

const std::string& TcpPeer::received() const {
    return impl_->received;
}

bool TcpPeer::closed() const {
    return impl_->closed;
}

std::optional<std::string> non_loopback_ipv4() {
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return std::nullopt;
    std::optional<std::string> found;
    for (const ifaddrs* entry = list; entry != nullptr && !found; entry = entry->ifa_next) {
        if (entry->ifa_addr == nullptr || entry->ifa_addr->sa_family != AF_INET) continue;
        const auto* in = reinterpret_cast<const sockaddr_in*>(entry->ifa_addr);
        const uint32_t host_order = ntohl(in->sin_addr.s_addr);
        if ((host_order >> 24) == 127) continue;
        char text[INET_ADDRSTRLEN] = {};
        if (inet_ntop(AF_INET, &in->sin_addr, text, sizeof text) != nullptr) found = text;
    }
    freeifaddrs(list);
    return found;
}

} // namespace switchyard::test

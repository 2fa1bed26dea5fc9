#include "raw_tcp_client.hpp"

#include "io_deadline.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <stdexcept>

namespace switchyard::test {

namespace asio = boost::asio;
using asio::ip::tcp;

struct RawTcpClient::Impl {
    asio::io_context io;
    tcp::socket socket{io};
    std::string received;
    bool closed = false;
    bool reading = false;
    std::array<char, 16 * 1024> buffer{};

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

RawTcpClient::RawTcpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RawTcpClient::RawTcpClient(RawTcpClient&&) noexcept = default;
RawTcpClient& RawTcpClient::operator=(RawTcpClient&&) noexcept = default;
RawTcpClient::~RawTcpClient() {
    if (!impl_) return;
    boost::system::error_code ignored;
    impl_->socket.close(ignored);
    impl_->io.restart();
    impl_->io.poll(); // let the cancelled read's handler run while Impl exists
}

RawTcpClient RawTcpClient::connect(uint16_t port, std::string_view source,
                                   std::chrono::milliseconds timeout) {
    auto impl = std::make_unique<Impl>();
    if (!source.empty()) {
        impl->socket.open(tcp::v4());
        impl->socket.bind(tcp::endpoint(asio::ip::make_address(std::string(source)), 0));
    }
    detail::connect_or_throw(
        impl->io, impl->socket, "127.0.0.1", port, detail::Clock::now() + timeout,
        [&] {
            boost::system::error_code ignored;
            impl->socket.close(ignored);
        },
        "raw TCP client");
    return RawTcpClient(std::move(impl));
}

bool RawTcpClient::write(std::string_view bytes) {
    boost::system::error_code ec;
    asio::write(impl_->socket, asio::buffer(bytes.data(), bytes.size()), ec);
    return !ec;
}

bool RawTcpClient::read_until(const std::function<bool(const std::string&)>& enough,
                              std::chrono::milliseconds timeout) {
    return impl_->read_while([&] { return enough(impl_->received); }, timeout);
}

bool RawTcpClient::wait_closed(std::chrono::milliseconds timeout) {
    return impl_->read_while([&] { return impl_->closed; }, timeout);
}

const std::string& RawTcpClient::received() const {
    return impl_->received;
}

bool RawTcpClient::closed() const {
    return impl_->closed;
}

uint16_t RawTcpClient::local_port() const {
    boost::system::error_code ec;
    const auto local = impl_->socket.local_endpoint(ec);
    return ec ? 0 : local.port();
}

} // namespace switchyard::test

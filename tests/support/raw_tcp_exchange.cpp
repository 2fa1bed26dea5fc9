#include "raw_tcp_exchange.hpp"

#include "io_deadline.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <stdexcept>

namespace switchyard::test {

namespace asio = boost::asio;
using asio::ip::tcp;

RawExchange raw_tcp_exchange(uint16_t port, std::string_view bytes,
                             const std::function<bool(const std::string&)>& enough,
                             std::chrono::milliseconds timeout) {
    asio::io_context io;
    tcp::socket socket(io);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    asio::write(socket, asio::buffer(bytes.data(), bytes.size()));

    RawExchange out;
    std::array<char, 16 * 1024> buffer{};
    bool reading = false;
    std::function<void()> read_more = [&] {
        reading = true;
        socket.async_read_some(asio::buffer(buffer),
                               [&](const boost::system::error_code& ec, size_t n) {
                                   reading = false;
                                   out.received.append(buffer.data(), n);
                                   if (ec) {
                                       out.closed = true;
                                       return;
                                   }
                                   if (!enough(out.received)) read_more();
                               });
    };
    read_more();
    detail::run_or_cancel(
        io, [&] { return !reading; }, detail::Clock::now() + timeout,
        [&] {
            boost::system::error_code ignored;
            socket.close(ignored);
        });
    return out;
}

size_t count_of(std::string_view text, std::string_view needle) {
    size_t count = 0;
    for (size_t at = text.find(needle); at != std::string_view::npos;
         at = text.find(needle, at + needle.size())) {
        ++count;
    }
    return count;
}

} // namespace switchyard::test

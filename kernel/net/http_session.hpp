// An HTTP/1.1 connection before (or instead of) an upgrade: reads requests with Beast,
// hands each to the endpoint's service, writes the answer, keeps the connection alive,
// and hands the socket over when the service accepts a WebSocket or SSE stream.
#pragma once

#include "net/http_exchange.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>

#include <optional>

namespace switchyard {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
  public:
    HttpSession(Worker& worker, boost::asio::ip::tcp::socket socket,
                std::shared_ptr<HttpService> service, std::string endpoint);

    // Reads the first request.
    void run();

  private:
    friend class HttpExchange;

    void read_request();
    void on_read(const boost::system::error_code& ec);
    void write_response(
        std::shared_ptr<boost::beast::http::response<boost::beast::http::string_body>> response);
    using ConnectionFactory =
        std::function<std::shared_ptr<Connection>(boost::asio::ip::tcp::socket)>;
    // Hands the socket to a connection made by `make`, which writes `head` first.
    void upgrade(std::string head, const ConnectionFactory& make,
                 const std::function<void(Connection&)>& opened);
    // Runs `fn` on this session's worker thread.
    void on_worker(std::function<void()> fn);

    Worker& worker_;
    boost::beast::tcp_stream stream_;
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
    std::shared_ptr<HttpService> service_;
    std::string endpoint_;
    std::string peer_address_;
    uint16_t peer_port_ = 0;
    uint16_t local_port_ = 0;
    bool keep_alive_ = false;
};

} // namespace switchyard

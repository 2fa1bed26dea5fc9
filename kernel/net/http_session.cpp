#include "net/http_session.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

namespace switchyard {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {
constexpr auto kRequestTimeout = std::chrono::seconds(30);
constexpr uint32_t kHeaderLimit = 16 * 1024;
} // namespace

HttpSession::HttpSession(Worker& worker, asio::ip::tcp::socket socket,
                         std::shared_ptr<HttpService> service, std::string endpoint)
    : worker_(worker),
      stream_(std::move(socket)),
      service_(std::move(service)),
      endpoint_(std::move(endpoint)) {
    boost::system::error_code ec;
    auto peer = stream_.socket().remote_endpoint(ec);
    if (!ec) {
        peer_address_ = peer.address().to_string();
        peer_port_ = peer.port();
    }
    auto local = stream_.socket().local_endpoint(ec);
    if (!ec) local_port_ = local.port();
}

void HttpSession::run() {
    read_request();
}

void HttpSession::read_request() {
    parser_.emplace();
    parser_->body_limit(service_->max_body_bytes());
    parser_->header_limit(kHeaderLimit);
    stream_.expires_after(kRequestTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                         self->on_read(ec);
                     });
}

void HttpSession::on_read(const boost::system::error_code& ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::eof) {
        boost::system::error_code ignored;
        stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
        return;
    }
    if (ec) {
        // The request cannot be trusted past this point: answer and close.
        keep_alive_ = false;
        unsigned status = 400;
        std::string_view code = "BAD_REQUEST";
        if (ec == http::error::body_limit) {
            status = 413;
            code = "TOO_LARGE";
        } else if (ec == http::error::header_limit) {
            status = 431;
            code = "HEADERS_TOO_LARGE";
        }
        spdlog::debug("{} {}:{}: bad request: {}", endpoint_, peer_address_, peer_port_,
                      ec.message());
        HttpRequest head;
        head.base() = parser_->get().base();
        HttpExchange exchange(shared_from_this(), std::move(head), peer_address_, peer_port_,
                              local_port_, endpoint_);
        service_->reject(exchange, status, code, ec.message());
        return;
    }
    stream_.expires_never();
    HttpRequest request = parser_->release();
    keep_alive_ = request.keep_alive();
    auto exchange = std::make_shared<HttpExchange>(
        shared_from_this(), std::move(request), peer_address_, peer_port_, local_port_, endpoint_);
    service_->handle(exchange);
}

void HttpSession::write_response(std::shared_ptr<http::response<http::string_body>> response) {
    response->keep_alive(keep_alive_);
    stream_.expires_after(kRequestTimeout);
    http::async_write(
        stream_, *response,
        [self = shared_from_this(), response](const boost::system::error_code& ec, size_t) {
            if (ec || !self->keep_alive_) {
                boost::system::error_code ignored;
                self->stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
                self->stream_.close();
                return;
            }
            self->read_request();
        });
}

void HttpSession::upgrade(std::string head, const ConnectionFactory& make,
                          const std::function<void(Connection&)>& opened) {
    stream_.expires_never();
    auto conn = make(stream_.release_socket());
    worker_.add(conn);
    conn->send_raw(std::move(head));
    if (opened) opened(*conn);
    // Bytes the client sent right behind its request belong to the new connection.
    const auto leftover = buffer_.data();
    conn->start(std::string_view(static_cast<const char*>(leftover.data()), leftover.size()));
    buffer_.consume(buffer_.size());
}

void HttpSession::on_worker(std::function<void()> fn) {
    if (worker_.io().get_executor().running_in_this_thread()) {
        fn();
    } else {
        asio::post(worker_.io(), std::move(fn));
    }
}

} // namespace switchyard

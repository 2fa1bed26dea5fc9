#include "http_connection.hpp"

#include "http_exchange.hpp"
#include "io_deadline.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <optional>
#include <stdexcept>

namespace switchyard::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
using detail::Clock;
using error_code = boost::system::error_code;

struct HttpConnection::Impl {
    uint16_t port;
    HttpHeaders default_headers;
    std::chrono::milliseconds timeout;
    asio::io_context io;
    std::optional<beast::tcp_stream> stream;
    beast::flat_buffer buffer;
    size_t opened = 0;

    ~Impl() {
        drop();
        // Let cancelled handlers run while this object still exists.
        io.restart();
        io.poll();
    }

    void drop() {
        if (!stream) return;
        error_code ignored;
        stream->socket().close(ignored);
    }

    void connect(Clock::time_point deadline, const std::string& what) {
        stream.emplace(io);
        buffer.clear();
        stream->expires_at(deadline);
        try {
            detail::connect_or_throw(
                io, *stream, "127.0.0.1", port, deadline, [this] { drop(); }, what);
        } catch (...) {
            stream.reset();
            throw;
        }
        ++opened;
    }

    // HTTP/1.1 keeps the connection alive unless a header says otherwise, so a test's own
    // Connection header decides.
    detail::StringRequest make_request(std::string_view method, std::string_view target,
                                       std::string_view body, const HttpHeaders& headers) const {
        auto request = detail::start_request(method, target, "127.0.0.1:" + std::to_string(port),
                                             default_headers, headers);
        detail::set_json_body(request, body, default_headers, headers);
        // For every request, as this client always did: without a body it only drops a
        // final "chunked" from a Transfer-Encoding header a test gave.
        request.prepare_payload();
        return request;
    }

    // A failed write throws at once, where HttpClient still reads for an early answer:
    // HttpConnection never retries, and request() drops the connection on any failure.
    HttpResponse exchange(detail::StringRequest& request, Clock::time_point deadline,
                          const std::string& what) {
        stream->expires_at(deadline);
        const auto cancel = [this] { drop(); };
        const detail::Outcome written =
            detail::write_request(io, *stream, request, deadline, cancel);
        if (!written.ok())
            throw std::runtime_error(what +
                                     ": writing the request failed: " + written.error.message());
        detail::StringResponse response;
        const detail::Outcome read =
            detail::read_response(io, *stream, buffer, response, deadline, cancel);
        if (!read.ok()) throw std::runtime_error(what + ": no response: " + read.error.message());
        stream->expires_never();

        const bool keep_alive = response.keep_alive();
        HttpResponse out = detail::convert(std::move(response));
        if (!keep_alive) {
            drop();
            stream.reset();
        }
        return out;
    }
};

HttpConnection::HttpConnection(uint16_t port, HttpHeaders default_headers,
                               std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
    impl_->port = port;
    impl_->default_headers = std::move(default_headers);
    impl_->timeout = timeout;
}

HttpConnection::HttpConnection(HttpConnection&&) noexcept = default;
HttpConnection& HttpConnection::operator=(HttpConnection&&) noexcept = default;
HttpConnection::~HttpConnection() = default;

HttpResponse HttpConnection::request(std::string_view method, std::string_view target,
                                     std::string_view body, const HttpHeaders& headers) {
    Impl& impl = *impl_;
    const std::string what = std::string(method) + " " + std::string(target) +
                             " on 127.0.0.1:" + std::to_string(impl.port);
    const auto deadline = Clock::now() + impl.timeout;
    if (!impl.stream) impl.connect(deadline, what);
    auto request = impl.make_request(method, target, body, headers);
    try {
        return impl.exchange(request, deadline, what);
    } catch (...) {
        impl.drop();
        impl.stream.reset();
        throw;
    }
}

HttpResponse HttpConnection::post(std::string_view target, std::string_view body,
                                  const HttpHeaders& headers) {
    return request("POST", target, body, headers);
}

HttpResponse HttpConnection::get(std::string_view target, const HttpHeaders& headers) {
    return request("GET", target, {}, headers);
}

size_t HttpConnection::connections_opened() const {
    return impl_->opened;
}

} // namespace switchyard::test

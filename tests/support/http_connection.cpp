#include "http_connection.hpp"

#include "ascii_lower.hpp"
#include "io_deadline.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <limits>
#include <optional>
#include <stdexcept>

namespace switchyard::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using detail::Clock;
using error_code = boost::system::error_code;

namespace {

bool names_header(const HttpHeaders& headers, std::string_view name) {
    return std::any_of(headers.begin(), headers.end(), [&](const auto& header) {
        return detail::ascii_lower(header.first) == detail::ascii_lower(name);
    });
}

} // namespace

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

    // Runs until `done` or the deadline; on the deadline drops the connection.
    template <class Done>
    bool run(Done&& done, Clock::time_point deadline) {
        return detail::run_or_cancel(io, done, deadline, [&] { drop(); });
    }

    void connect(Clock::time_point deadline, const std::string& what) {
        stream.emplace(io);
        buffer.clear();
        stream->expires_at(deadline);
        bool connected = false;
        error_code ec;
        stream->async_connect({asio::ip::make_address("127.0.0.1"), port}, [&](error_code e) {
            ec = e;
            connected = true;
        });
        if (!run([&] { return connected; }, deadline) || ec) {
            stream.reset();
            throw std::runtime_error(what + ": cannot connect: " + ec.message());
        }
        ++opened;
    }

    http::request<http::string_body> make_request(std::string_view method, std::string_view target,
                                                  std::string_view body,
                                                  const HttpHeaders& headers) const {
        http::request<http::string_body> request;
        const auto verb = http::string_to_verb(method);
        if (verb == http::verb::unknown) {
            request.method_string(method);
        } else {
            request.method(verb);
        }
        request.target(target);
        request.version(11);
        request.keep_alive(true);
        request.set(http::field::host, "127.0.0.1:" + std::to_string(port));
        for (const auto& [name, value] : default_headers) request.insert(name, value);
        for (const auto& [name, value] : headers) request.insert(name, value);
        if (!body.empty() || verb == http::verb::post || verb == http::verb::put) {
            if (!names_header(headers, "content-type") &&
                !names_header(default_headers, "content-type"))
                request.set(http::field::content_type, "application/json");
            request.body() = std::string(body);
        }
        request.prepare_payload();
        return request;
    }

    HttpResponse exchange(http::request<http::string_body>& request, Clock::time_point deadline,
                          const std::string& what) {
        stream->expires_at(deadline);
        bool written = false;
        error_code write_error;
        http::async_write(*stream, request, [&](error_code ec, size_t) {
            write_error = ec;
            written = true;
        });
        if (!run([&] { return written; }, deadline) || write_error)
            throw std::runtime_error(what +
                                     ": writing the request failed: " + write_error.message());

        http::response_parser<http::string_body> parser;
        parser.body_limit(std::numeric_limits<std::uint64_t>::max());
        bool read = false;
        error_code read_error;
        http::async_read(*stream, buffer, parser, [&](error_code ec, size_t) {
            read_error = ec;
            read = true;
        });
        if (!run([&] { return read; }, deadline) || read_error)
            throw std::runtime_error(what + ": no response: " + read_error.message());
        stream->expires_never();

        auto response = parser.release();
        HttpResponse out;
        out.status = response.result_int();
        for (const auto& field : response.base()) {
            auto& value = out.headers[detail::ascii_lower(field.name_string())];
            if (!value.empty()) value += ", ";
            value += field.value();
        }
        out.body = std::move(response.body());
        if (!response.keep_alive()) {
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

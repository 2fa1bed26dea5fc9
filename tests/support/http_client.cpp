#include "http_client.hpp"

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
#include <cctype>
#include <limits>
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

HttpResponse convert(http::response<http::string_body>&& response) {
    HttpResponse out;
    out.status = response.result_int();
    for (const auto& field : response.base()) {
        auto& value = out.headers[detail::ascii_lower(field.name_string())];
        if (!value.empty()) value += ", ";
        value += field.value();
    }
    out.body = std::move(response.body());
    return out;
}

} // namespace

std::string HttpResponse::header(std::string_view name) const {
    auto it = headers.find(detail::ascii_lower(name));
    return it == headers.end() ? std::string() : it->second;
}

HttpClient::HttpClient(uint16_t port, HttpHeaders default_headers, std::string host,
                       std::chrono::milliseconds timeout)
    : port_(port),
      default_headers_(std::move(default_headers)),
      host_(std::move(host)),
      timeout_(timeout) {}

HttpResponse HttpClient::request(std::string_view method, std::string_view target,
                                 std::string_view body, const HttpHeaders& headers) const {
    const std::string what = std::string(method) + " " + std::string(target) + " on " + host_ +
                             ":" + std::to_string(port_);
    asio::io_context io;
    beast::tcp_stream stream(io);
    const auto deadline = Clock::now() + timeout_;
    stream.expires_at(deadline);
    auto cancel = [&] {
        error_code ignored;
        stream.socket().close(ignored);
    };

    bool connected = false;
    error_code connect_error;
    stream.async_connect({asio::ip::make_address(host_), port_}, [&](error_code ec) {
        connect_error = ec;
        connected = true;
    });
    if (!detail::run_or_cancel(
            io, [&] { return connected; }, deadline, cancel) ||
        connect_error)
        throw std::runtime_error(what + ": cannot connect: " + connect_error.message());

    http::request<http::string_body> request;
    const auto verb = http::string_to_verb(method);
    if (verb == http::verb::unknown) {
        request.method_string(method);
    } else {
        request.method(verb);
    }
    request.target(target);
    request.version(11);
    request.set(http::field::host, host_ + ":" + std::to_string(port_));
    for (const auto& [name, value] : default_headers_) request.insert(name, value);
    for (const auto& [name, value] : headers) request.insert(name, value);
    if (!body.empty() || verb == http::verb::post || verb == http::verb::put) {
        if (!names_header(headers, "content-type") &&
            !names_header(default_headers_, "content-type"))
            request.set(http::field::content_type, "application/json");
        request.body() = std::string(body);
        request.prepare_payload();
    }

    // A server may answer (413, 401) and close before reading a large body: the write
    // then fails, but the response is still there to read.
    bool written = false;
    error_code write_error;
    http::async_write(stream, request, [&](error_code ec, size_t) {
        write_error = ec;
        written = true;
    });
    detail::run_or_cancel(
        io, [&] { return written; }, deadline, cancel);

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    bool read = false;
    error_code read_error;
    http::async_read(stream, buffer, parser, [&](error_code ec, size_t) {
        read_error = ec;
        read = true;
    });
    if (!detail::run_or_cancel(
            io, [&] { return read; }, deadline, cancel) ||
        read_error) {
        std::string message = what + ": no response: " + read_error.message();
        if (write_error) message += " (writing the request failed: " + write_error.message() + ")";
        throw std::runtime_error(message);
    }
    return convert(parser.release());
}

HttpResponse HttpClient::get(std::string_view target, const HttpHeaders& headers) const {
    return request("GET", target, {}, headers);
}

HttpResponse HttpClient::post(std::string_view target, std::string_view body,
                              const HttpHeaders& headers) const {
    return request("POST", target, body, headers);
}

} // namespace switchyard::test

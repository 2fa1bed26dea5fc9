#include "http_client.hpp"

#include "ascii_lower.hpp"
#include "http_exchange.hpp"
#include "io_deadline.hpp"

#include <boost/beast/core/tcp_stream.hpp>

namespace switchyard::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
using detail::Clock;
using error_code = boost::system::error_code;

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

    detail::connect_or_throw(io, stream, host_, port_, deadline, cancel, what);
    auto request = detail::start_request(method, target, host_ + ":" + std::to_string(port_),
                                         default_headers_, headers);
    detail::set_json_body(request, body, default_headers_, headers);
    return detail::exchange_once(io, stream, request, deadline, cancel, what);
}

HttpResponse HttpClient::get(std::string_view target, const HttpHeaders& headers) const {
    return request("GET", target, {}, headers);
}

HttpResponse HttpClient::post(std::string_view target, std::string_view body,
                              const HttpHeaders& headers) const {
    return request("POST", target, body, headers);
}

} // namespace switchyard::test

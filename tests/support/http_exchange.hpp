// Private to the support library: the HTTP/1.1 requests and responses of HttpClient,
// HttpConnection and https_request, built and exchanged the same way whichever stream
// carries them (a beast::tcp_stream or a beast::ssl_stream of one).
#pragma once

#include "ascii_lower.hpp"
#include "http_client.hpp"
#include "http_headers.hpp"
#include "io_deadline.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>

namespace switchyard::test::detail {

using StringRequest = boost::beast::http::request<boost::beast::http::string_body>;
using StringResponse = boost::beast::http::response<boost::beast::http::string_body>;

// True when `headers` has one named `name` (in any case).
inline bool names_header(const HttpHeaders& headers, std::string_view name) {
    return std::any_of(headers.begin(), headers.end(), [&](const auto& header) {
        return ascii_lower(header.first) == ascii_lower(name);
    });
}

// An HTTP/1.1 request without a body: the request line (a method Beast does not know is
// sent as written), Host: `host` unless it is empty or `headers` name a Host of their own
// (a request addressed by another name), then `defaults` and `headers` as given, so that
// a test can send a header twice.
inline StringRequest start_request(std::string_view method, std::string_view target,
                                   const std::string& host, const HttpHeaders& defaults,
                                   const HttpHeaders& headers) {
    namespace http = boost::beast::http;
    StringRequest request;
    const auto verb = http::string_to_verb(method);
    if (verb == http::verb::unknown) {
        request.method_string(method);
    } else {
        request.method(verb);
    }
    request.target(target);
    request.version(11);
    if (!host.empty() && !names_header(headers, "Host")) request.set(http::field::host, host);
    for (const auto& [name, value] : defaults) request.insert(name, value);
    for (const auto& [name, value] : headers) request.insert(name, value);
    return request;
}

// Gives `request` the body `body` with its Content-Length.
inline void set_body(StringRequest& request, std::string_view body) {
    request.body() = std::string(body);
    request.prepare_payload();
}

// The body HttpClient and HttpConnection send: one that is not empty, and an empty one
// for POST and PUT (as Content-Length: 0), typed application/json unless `defaults` or
// `headers` name a Content-Type.
inline void set_json_body(StringRequest& request, std::string_view body,
                          const HttpHeaders& defaults, const HttpHeaders& headers) {
    namespace http = boost::beast::http;
    const auto verb = request.method();
    if (body.empty() && verb != http::verb::post && verb != http::verb::put) return;
    if (!names_header(headers, "content-type") && !names_header(defaults, "content-type"))
        request.set(http::field::content_type, "application/json");
    set_body(request, body);
}

// The response as tests read it: header names in lower case, repeats joined by ", ".
inline HttpResponse convert(StringResponse&& response) {
    HttpResponse out;
    out.status = response.result_int();
    for (const auto& field : response.base()) {
        auto& value = out.headers[ascii_lower(field.name_string())];
        if (!value.empty()) value += ", ";
        value += field.value();
    }
    out.body = std::move(response.body());
    return out;
}

// Writes `request` to `stream` by `deadline`.
template <class Stream, class Cancel>
Outcome write_request(boost::asio::io_context& io, Stream& stream, StringRequest& request,
                      Clock::time_point deadline, Cancel&& cancel) {
    return run_operation(
        io,
        [&](auto handler) { boost::beast::http::async_write(stream, request, std::move(handler)); },
        deadline, cancel);
}

// Reads one whole response from `stream` into `response` by `deadline`; the body may be
// of any size (tests read what a server sends, however large).
template <class Stream, class Cancel>
Outcome read_response(boost::asio::io_context& io, Stream& stream,
                      boost::beast::flat_buffer& buffer, StringResponse& response,
                      Clock::time_point deadline, Cancel&& cancel) {
    namespace http = boost::beast::http;
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    const Outcome read = run_operation(
        io, [&](auto handler) { http::async_read(stream, buffer, parser, std::move(handler)); },
        deadline, cancel);
    if (read.ok()) response = parser.release();
    return read;
}

// Writes `request` and reads the response on a connection used for this request only.
// A server may answer (413, 401) and close before reading a large body: the write then
// fails, but the response is still there to read, so only a missing response throws
// std::runtime_error ("<what>: no response: ...", naming a failed write too).
template <class Stream, class Cancel>
HttpResponse exchange_once(boost::asio::io_context& io, Stream& stream, StringRequest& request,
                           Clock::time_point deadline, Cancel&& cancel, const std::string& what) {
    const Outcome written = write_request(io, stream, request, deadline, cancel);
    boost::beast::flat_buffer buffer;
    StringResponse response;
    const Outcome read = read_response(io, stream, buffer, response, deadline, cancel);
    if (!read.ok()) {
        std::string message = what + ": no response: " + read.error.message();
        if (written.error)
            message += " (writing the request failed: " + written.error.message() + ")";
        throw std::runtime_error(message);
    }
    return convert(std::move(response));
}

} // namespace switchyard::test::detail

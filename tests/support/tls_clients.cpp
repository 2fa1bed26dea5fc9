#include "tls_clients.hpp"

#include "ascii_lower.hpp"
#include "io_deadline.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <algorithm>
#include <deque>
#include <limits>
#include <stdexcept>

namespace switchyard::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace websocket = beast::websocket;
using detail::Clock;
using error_code = boost::system::error_code;

namespace {

constexpr std::size_t kMaxMessage = 256 * 1024 * 1024;

// A client context that trusts exactly `certificate` and checks the peer against it.
ssl::context client_context(const std::filesystem::path& certificate) {
    ssl::context context(ssl::context::tls_client);
    error_code ec;
    context.load_verify_file(certificate.string(), ec);
    if (ec)
        throw std::runtime_error("cannot load the trusted certificate " + certificate.string() +
                                 ": " + ec.message());
    context.set_verify_mode(ssl::verify_peer);
    return context;
}

std::string url(const TlsServer& server, std::string_view scheme, std::string_view target) {
    return std::string(scheme) + "://" + server.host + ":" + std::to_string(server.port) +
           std::string(target);
}

bool names_header(const HttpHeaders& headers, std::string_view name) {
    return std::any_of(headers.begin(), headers.end(), [&](const auto& header) {
        return detail::ascii_lower(header.first) == detail::ascii_lower(name);
    });
}

// Opens TCP and runs the TLS handshake on `stream` (an ssl_stream over a tcp_stream),
// verifying the certificate and the host name. Throws, saying which step failed.
template <class SslStream>
void open_tls(asio::io_context& io, SslStream& stream, const TlsServer& server,
              Clock::time_point deadline, const std::string& what) {
    auto& tcp = beast::get_lowest_layer(stream);
    tcp.expires_at(deadline);
    auto cancel = [&] {
        error_code ignored;
        tcp.socket().close(ignored);
    };
    bool connected = false;
    error_code connect_error;
    tcp.async_connect({asio::ip::make_address(server.host), server.port}, [&](error_code ec) {
        connect_error = ec;
        connected = true;
    });
    if (!detail::run_or_cancel(
            io, [&] { return connected; }, deadline, cancel) ||
        connect_error)
        throw std::runtime_error(what + ": cannot connect: " + connect_error.message());

    stream.set_verify_callback(ssl::host_name_verification(server.host));
    bool shaken = false;
    error_code handshake_error;
    stream.async_handshake(ssl::stream_base::client, [&](error_code ec) {
        handshake_error = ec;
        shaken = true;
    });
    if (!detail::run_or_cancel(
            io, [&] { return shaken; }, deadline, cancel) ||
        handshake_error)
        throw std::runtime_error(what + ": TLS handshake failed: " + handshake_error.message());
}

} // namespace

HttpResponse https_request(const TlsServer& server, std::string_view method,
                           std::string_view target, const HttpHeaders& headers,
                           std::string_view body, std::chrono::milliseconds timeout) {
    const std::string what = std::string(method) + " " + url(server, "https", target);
    asio::io_context io;
    ssl::context context = client_context(server.trusted_certificate);
    beast::ssl_stream<beast::tcp_stream> stream(io, context);
    const auto deadline = Clock::now() + timeout;
    open_tls(io, stream, server, deadline, what);
    auto cancel = [&] {
        error_code ignored;
        beast::get_lowest_layer(stream).socket().close(ignored);
    };

    http::request<http::string_body> request;
    const auto verb = http::string_to_verb(method);
    if (verb == http::verb::unknown) {
        request.method_string(method);
    } else {
        request.method(verb);
    }
    request.target(target);
    request.version(11);
    if (!names_header(headers, "host"))
        request.set(http::field::host, server.host + ":" + std::to_string(server.port));
    for (const auto& [name, value] : headers) request.insert(name, value);
    if (!body.empty()) {
        request.body() = std::string(body);
        request.prepare_payload();
    }
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
    auto response = parser.release();
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

struct WssClient::Impl {
    asio::io_context io;
    ssl::context context;
    websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws;
    beast::flat_buffer buffer;
    std::deque<WsMessage> inbox;
    bool reading = false;
    bool closed = false;
    error_code end;

    explicit Impl(const std::filesystem::path& certificate)
        : context(client_context(certificate)), ws(io, context) {}

    ~Impl() {
        drop();
        // Let cancelled handlers run while this object still exists.
        io.restart();
        io.poll();
    }

    void drop() {
        error_code ignored;
        beast::get_lowest_layer(ws).socket().close(ignored);
    }

    // One read pending whenever the io_context runs, as in WsClient.
    void start_read() {
        if (reading || closed) return;
        reading = true;
        ws.async_read(buffer, [this](error_code ec, std::size_t) {
            reading = false;
            if (ec) {
                closed = true;
                end = ec;
                return;
            }
            inbox.push_back({ws.got_binary(), beast::buffers_to_string(buffer.data())});
            buffer.consume(buffer.size());
            start_read();
        });
    }
};

WssClient::WssClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WssClient::WssClient(WssClient&&) noexcept = default;
WssClient& WssClient::operator=(WssClient&&) noexcept = default;
WssClient::~WssClient() = default;

WssAttempt WssClient::try_connect(const TlsServer& server, std::string_view path,
                                  const HttpHeaders& headers, std::chrono::milliseconds timeout) {
    const std::string what = url(server, "wss", path);
    auto impl = std::make_unique<Impl>(server.trusted_certificate);
    const auto deadline = Clock::now() + timeout;
    open_tls(impl->io, impl->ws.next_layer(), server, deadline, what);

    impl->ws.set_option(
        websocket::stream_base::decorator([headers](websocket::request_type& request) {
            for (const auto& [name, value] : headers) request.set(name, value);
        }));
    websocket::response_type response;
    bool shaken = false;
    error_code handshake_error;
    impl->ws.async_handshake(response, server.host + ":" + std::to_string(server.port), path,
                             [&](error_code ec) {
                                 handshake_error = ec;
                                 shaken = true;
                             });
    detail::run_or_cancel(
        impl->io, [&] { return shaken; }, deadline, [&] { impl->drop(); });
    if (response.result_int() == 0) {
        throw std::runtime_error(what + ": no handshake response: " +
                                 (shaken ? handshake_error.message() : "timed out"));
    }
    WssAttempt attempt;
    attempt.status = response.result_int();
    for (const auto& field : response.base())
        attempt.headers[detail::ascii_lower(field.name_string())] = field.value();
    attempt.body = response.body();
    if (!handshake_error) {
        beast::get_lowest_layer(impl->ws).expires_never();
        impl->ws.auto_fragment(false);
        impl->ws.read_message_max(kMaxMessage);
        attempt.client.emplace(WssClient(std::move(impl)));
    }
    return attempt;
}

WssClient WssClient::connect(const TlsServer& server, std::string_view path,
                             const HttpHeaders& headers, std::chrono::milliseconds timeout) {
    WssAttempt attempt = try_connect(server, path, headers, timeout);
    if (!attempt.client) {
        throw std::runtime_error(url(server, "wss", path) + ": upgrade refused with HTTP " +
                                 std::to_string(attempt.status) + ": " + attempt.body);
    }
    return std::move(*attempt.client);
}

bool WssClient::send_text(std::string_view payload, std::chrono::milliseconds timeout) {
    Impl& impl = *impl_;
    if (impl.closed) return false;
    impl.start_read();
    impl.ws.text(true);
    bool written = false;
    error_code write_error;
    impl.ws.async_write(asio::buffer(payload.data(), payload.size()),
                        [&](error_code ec, std::size_t) {
                            write_error = ec;
                            written = true;
                        });
    const bool in_time = detail::run_or_cancel(
        impl.io, [&] { return written; }, Clock::now() + timeout, [&] { impl.drop(); });
    return in_time && !write_error;
}

std::optional<WsMessage> WssClient::read(std::chrono::milliseconds timeout) {
    Impl& impl = *impl_;
    if (impl.inbox.empty() && !impl.closed) {
        impl.start_read();
        detail::run_until(
            impl.io, [&] { return !impl.inbox.empty() || impl.closed; }, Clock::now() + timeout);
    }
    if (impl.inbox.empty()) return std::nullopt;
    WsMessage message = std::move(impl.inbox.front());
    impl.inbox.pop_front();
    return message;
}

bool WssClient::closed() const {
    return impl_->closed;
}

std::string WssClient::end_reason() const {
    return impl_->closed ? impl_->end.message() : std::string();
}

std::string next_text_or_why(WssClient& client, std::chrono::milliseconds timeout) {
    const auto message = client.read(timeout);
    if (!message) {
        return client.closed() ? "<connection ended: " + client.end_reason() + ">"
                               : "<no message within the timeout>";
    }
    if (message->binary) return "<binary message: " + message->payload + ">";
    return message->payload;
}

} // namespace switchyard::test

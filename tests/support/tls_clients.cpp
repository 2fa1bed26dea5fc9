#include "tls_clients.hpp"

#include "http_exchange.hpp"
#include "io_deadline.hpp"
#include "ws_session.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <openssl/bn.h>
#include <openssl/x509.h>

#include <memory>
#include <stdexcept>

namespace switchyard::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using detail::Clock;
using error_code = boost::system::error_code;

namespace {

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

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

// What makes an operation on `stream` give up: its TCP socket closed.
auto closer(TlsStream& stream) {
    return [&stream] {
        error_code ignored;
        beast::get_lowest_layer(stream).socket().close(ignored);
    };
}

// Opens TCP and runs the TLS handshake on `stream` (an ssl_stream over a tcp_stream),
// verifying the certificate and the host name. Throws, saying which step failed.
void open_tls(asio::io_context& io, TlsStream& stream, const TlsServer& server,
              Clock::time_point deadline, const std::string& what) {
    auto& tcp = beast::get_lowest_layer(stream);
    tcp.expires_at(deadline);
    const auto cancel = closer(stream);
    detail::connect_or_throw(io, tcp, server.host, server.port, deadline, cancel, what);

    stream.set_verify_callback(ssl::host_name_verification(server.host));
    const detail::Outcome shaken = detail::run_operation(
        io,
        [&](auto handler) { stream.async_handshake(ssl::stream_base::client, std::move(handler)); },
        deadline, cancel);
    if (!shaken.ok())
        throw std::runtime_error(what + ": TLS handshake failed: " + shaken.error.message());
}

} // namespace

HttpResponse https_request(const TlsServer& server, std::string_view method,
                           std::string_view target, const HttpHeaders& headers,
                           std::string_view body, std::chrono::milliseconds timeout) {
    const std::string what = std::string(method) + " " + url(server, "https", target);
    asio::io_context io;
    ssl::context context = client_context(server.trusted_certificate);
    TlsStream stream(io, context);
    const auto deadline = Clock::now() + timeout;
    open_tls(io, stream, server, deadline, what);

    // A test may name its own Host, as a browser behind the proxy would send it.
    const std::string host = detail::names_header(headers, "host")
                                 ? std::string()
                                 : server.host + ":" + std::to_string(server.port);
    auto request = detail::start_request(method, target, host, {}, headers);
    if (!body.empty()) detail::set_body(request, body);
    return detail::exchange_once(io, stream, request, deadline, closer(stream), what);
}

PeerCertificate tls_peer_certificate(const TlsServer& server, std::chrono::milliseconds timeout) {
    const std::string what = url(server, "https", "/");
    asio::io_context io;
    ssl::context context = client_context(server.trusted_certificate);
    TlsStream stream(io, context);
    open_tls(io, stream, server, Clock::now() + timeout, what);
    std::unique_ptr<X509, decltype(&X509_free)> certificate(
        SSL_get_peer_certificate(stream.native_handle()), &X509_free);
    if (!certificate) throw std::runtime_error(what + ": no peer certificate");
    PeerCertificate peer;
    char subject[512];
    X509_NAME_oneline(X509_get_subject_name(certificate.get()), subject, sizeof subject);
    peer.subject = subject;
    BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get_serialNumber(certificate.get()), nullptr);
    if (serial != nullptr) {
        char* hex = BN_bn2hex(serial);
        peer.serial = hex;
        OPENSSL_free(hex);
        BN_free(serial);
    }
    error_code ignored;
    beast::get_lowest_layer(stream).socket().close(ignored);
    return peer;
}

struct WssClient::Impl {
    // First, as the session's stream is made from it and uses it until the end.
    ssl::context context;
    detail::WsSession<TlsStream> session;

    explicit Impl(const std::filesystem::path& certificate)
        : context(client_context(certificate)), session(context) {}
};

WssClient::WssClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WssClient::WssClient(WssClient&&) noexcept = default;
WssClient& WssClient::operator=(WssClient&&) noexcept = default;
WssClient::~WssClient() = default;

WssAttempt WssClient::try_connect(const TlsServer& server, std::string_view path,
                                  const HttpHeaders& headers, std::chrono::milliseconds timeout) {
    const std::string what = url(server, "wss", path);
    auto impl = std::make_unique<Impl>(server.trusted_certificate);
    auto& session = impl->session;
    const auto deadline = Clock::now() + timeout;
    open_tls(session.io, session.ws.next_layer(), server, deadline, what);

    WssAttempt attempt;
    if (session.handshake(attempt, server.host + ":" + std::to_string(server.port), path, headers,
                          deadline, what))
        attempt.client.emplace(WssClient(std::move(impl)));
    return attempt;
}

WssClient WssClient::connect(const TlsServer& server, std::string_view path,
                             const HttpHeaders& headers, std::chrono::milliseconds timeout) {
    WssAttempt attempt = try_connect(server, path, headers, timeout);
    return detail::upgraded_or_throw(attempt, url(server, "wss", path));
}

bool WssClient::send_text(std::string_view payload, std::chrono::milliseconds timeout) {
    return impl_->session.send(false, payload, timeout);
}

std::optional<WsMessage> WssClient::read(std::chrono::milliseconds timeout) {
    return impl_->session.read(timeout);
}

bool WssClient::closed() const {
    return impl_->session.closed;
}

std::string WssClient::end_reason() const {
    return impl_->session.closed ? impl_->session.end.message() : std::string();
}

std::string next_text_or_why(WssClient& client, std::chrono::milliseconds timeout) {
    return detail::next_text_or_why_of(client, timeout);
}

} // namespace switchyard::test

// HTTPS and WSS clients, for tests of what a browser sees behind a TLS-terminating proxy
// (tls_proxy.hpp). They verify the server's certificate against the file the test trusts
// (the proxy's self-signed one) and the host name, as a browser would, so a test cannot
// pass against a server that is not the one it started. Every wait has a timeout.
#pragma once

#include "http_client.hpp"
#include "http_headers.hpp"
#include "ws_client.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard::test {

// Where a TLS server listens and what vouches for it.
struct TlsServer {
    uint16_t port = 0;
    std::filesystem::path trusted_certificate; // PEM: the CA (or self-signed certificate)
    std::string host = "127.0.0.1";            // connected to and checked in the certificate
};

// One HTTPS request on its own connection; the whole response is read. The Host header is
// "<host>:<port>" unless `headers` name one. Throws std::runtime_error when the
// connection, the TLS handshake (a certificate that does not verify included) or the
// exchange fails or times out.
HttpResponse https_request(const TlsServer& server, std::string_view method,
                           std::string_view target, const HttpHeaders& headers = {},
                           std::string_view body = {},
                           std::chrono::milliseconds timeout = std::chrono::seconds(10));

// What identifies the certificate a TLS server presented.
struct PeerCertificate {
    std::string subject; // one line, e.g. "/CN=switchyard test server 2"
    std::string serial;  // hexadecimal
};

// Connects and runs a verified handshake only (as https_request does): the certificate the
// server presented. Throws std::runtime_error when the connection or the handshake fails.
PeerCertificate tls_peer_certificate(const TlsServer& server,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(10));

class WssClient;

// The outcome of WssClient::try_connect.
using WssAttempt = UpgradeAttempt<WssClient>;

// A WebSocket client over TLS (wss://), the counterpart of WsClient for what it needs.
class WssClient {
  public:
    // Like WsClient::try_connect, over TLS: a refused upgrade is an answer (status, headers,
    // body), 101 carries the open client. Throws std::runtime_error when no HTTP response
    // arrives (TCP, TLS or certificate failure, timeout).
    static WssAttempt try_connect(const TlsServer& server, std::string_view path = "/ws",
                                  const HttpHeaders& headers = {},
                                  std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // try_connect that throws, naming the status, unless the upgrade succeeded.
    static WssClient connect(const TlsServer& server, std::string_view path = "/ws",
                             const HttpHeaders& headers = {},
                             std::chrono::milliseconds timeout = std::chrono::seconds(10));

    WssClient(WssClient&&) noexcept;
    WssClient& operator=(WssClient&&) noexcept;
    ~WssClient();

    // Sends one text message. False when the connection failed or closed first.
    bool send_text(std::string_view payload,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // The next message, or nothing when none arrived within `timeout` or it closed.
    std::optional<WsMessage> read(std::chrono::milliseconds timeout);
    // True once the connection ended.
    bool closed() const;
    // Why it ended ("" while open).
    std::string end_reason() const;

  private:
    struct Impl;
    explicit WssClient(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// next_text_or_why for a WssClient.
std::string next_text_or_why(WssClient& client,
                             std::chrono::milliseconds timeout = std::chrono::seconds(10));

} // namespace switchyard::test

// A synchronous WebSocket client over loopback. Every wait has a timeout; a read that
// times out leaves the client usable. The client reads continuously while it waits (also
// while it sends), so a close frame the server sends is seen even if a write fails.
#pragma once

#include "http_headers.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard::test {

// One message received.
struct WsMessage {
    bool binary = false;
    std::string payload;
};

class WsClient;

// The outcome of a client's try_connect: the answer to the upgrade request and, when it
// was 101, the open client. One template for WsClient and WssClient, which answer alike.
template <class Client>
struct UpgradeAttempt {
    unsigned status = 0;                        // 101 when upgraded
    std::map<std::string, std::string> headers; // response headers, names in lower case
    std::string body;                           // a refusal's body
    std::optional<Client> client;               // the open client, when upgraded
};

// The outcome of WsClient::try_connect.
using WsAttempt = UpgradeAttempt<WsClient>;

class WsClient {
  public:
    // Opens ws://127.0.0.1:<port><path> with `headers` added to the handshake request
    // (Origin, Cookie, Authorization...). Throws std::runtime_error when the connection
    // or the upgrade fails, naming the HTTP status of a refusal.
    static WsClient connect(uint16_t port, std::string_view path = "/ws",
                            const HttpHeaders& headers = {},
                            std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // Like connect, but a refused upgrade is an answer, not an error: the attempt carries
    // the HTTP status (101 when upgraded, then also the client). Throws std::runtime_error
    // only when no HTTP response arrives.
    static WsAttempt try_connect(uint16_t port, std::string_view path = "/ws",
                                 const HttpHeaders& headers = {},
                                 std::chrono::milliseconds timeout = std::chrono::seconds(10));

    WsClient(WsClient&&) noexcept;
    WsClient& operator=(WsClient&&) noexcept;
    // Drops the TCP connection (no close handshake: use close() for one).
    ~WsClient();

    // Sends one text message (one frame, however large). False when the connection
    // failed or closed before the whole message was written.
    bool send_text(std::string_view payload,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // Sends one binary message (one frame). False as for send_text.
    bool send_binary(std::string_view payload,
                     std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // The next message, or nothing when none arrived within `timeout` or the connection
    // closed (see closed()).
    std::optional<WsMessage> read(std::chrono::milliseconds timeout);
    // Reads, discarding messages, until the connection is closed. False on the timeout.
    bool wait_closed(std::chrono::milliseconds timeout);
    // Starts the close handshake with `code` and waits for it to finish.
    void close(uint16_t code = 1000, std::chrono::milliseconds timeout = std::chrono::seconds(5));

    // True once the connection ended (close frame, TCP end or error).
    bool closed() const;
    // The code of the close frame the server sent, once one arrived.
    std::optional<uint16_t> close_code() const;
    // The reason text of that close frame.
    std::string close_reason() const;
    // Why the connection ended, as text ("" while open).
    std::string end_reason() const;

  private:
    struct Impl;
    explicit WsClient(std::unique_ptr<Impl> impl);
    bool send(bool binary, std::string_view payload, std::chrono::milliseconds timeout);

    std::unique_ptr<Impl> impl_;
};

// The text of the next message within `timeout`, or a description of what came instead
// ("<connection ended: ...>", "<no message within the timeout>", "<binary message: ...>"),
// so that a CHECK comparing it fails with that description.
std::string next_text_or_why(WsClient& client,
                             std::chrono::milliseconds timeout = std::chrono::seconds(10));

} // namespace switchyard::test

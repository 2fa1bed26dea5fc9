// Private to the support library: the WebSocket client behind WsClient (over a
// beast::tcp_stream) and WssClient (over a beast::ssl_stream of one). Templated on the
// stream so that only tls_clients.cpp, which includes websocket/ssl.hpp for it, compiles
// TLS.
#pragma once

#include "ascii_lower.hpp"
#include "http_headers.hpp"
#include "io_deadline.hpp"
#include "ws_client.hpp"

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace switchyard::test::detail {

template <class NextLayer>
struct WsSession {
    // As large as a test sends (the server's own limits are what tests probe).
    static constexpr std::size_t kMaxMessage = 256 * 1024 * 1024;

    boost::asio::io_context io;
    boost::beast::websocket::stream<NextLayer> ws;
    boost::beast::flat_buffer buffer;
    std::deque<WsMessage> inbox;
    bool reading = false;
    bool closed = false;
    boost::system::error_code end;
    std::optional<uint16_t> close_code;
    std::string close_reason;

    WsSession() : ws(io) {}
    // For a stream made with a context (an ssl::context for TLS).
    template <class Context>
    explicit WsSession(Context& context) : ws(io, context) {}

    WsSession(const WsSession&) = delete;
    WsSession& operator=(const WsSession&) = delete;

    ~WsSession() {
        drop();
        // Let cancelled handlers run while this object still exists.
        io.restart();
        io.poll();
    }

    void drop() {
        boost::system::error_code ignored;
        boost::beast::get_lowest_layer(ws).socket().close(ignored);
    }

    void note_close_frame() {
        const auto& reason = ws.reason();
        if (reason.code == boost::beast::websocket::close_code::none) return;
        close_code = uint16_t(reason.code);
        close_reason = std::string(reason.reason.data(), reason.reason.size());
    }

    // Keeps one read pending whenever the io_context runs, so messages queue up in the
    // inbox and a close frame is processed even while a write is stuck.
    void start_read() {
        if (reading || closed) return;
        reading = true;
        ws.async_read(buffer, [this](boost::system::error_code ec, std::size_t) {
            reading = false;
            if (ec) {
                note_close_frame();
                closed = true;
                end = ec;
                return;
            }
            inbox.push_back({ws.got_binary(), boost::beast::buffers_to_string(buffer.data())});
            buffer.consume(buffer.size());
            start_read();
        });
    }

    // Sends the upgrade request on the open connection (Host: `host`, with `headers`) and
    // fills `attempt` (an UpgradeAttempt) with the answer. True when upgraded, the stream
    // then set up for messages of any size, each sent as one frame. Throws
    // std::runtime_error "<what>: no handshake response: ..." when no answer came.
    template <class Attempt>
    bool handshake(Attempt& attempt, const std::string& host, std::string_view path,
                   const HttpHeaders& headers, Clock::time_point deadline,
                   const std::string& what) {
        namespace websocket = boost::beast::websocket;
        ws.set_option(
            websocket::stream_base::decorator([headers](websocket::request_type& request) {
                for (const auto& [name, value] : headers) request.set(name, value);
            }));
        websocket::response_type response;
        const Outcome shaken = run_operation(
            io, [&](auto handler) { ws.async_handshake(response, host, path, std::move(handler)); },
            deadline, [this] { drop(); });
        if (response.result_int() == 0) {
            throw std::runtime_error(what + ": no handshake response: " +
                                     (shaken.completed ? shaken.error.message() : "timed out"));
        }
        attempt.status = response.result_int();
        for (const auto& field : response.base())
            attempt.headers[ascii_lower(field.name_string())] = field.value();
        attempt.body = response.body();
        if (shaken.error) return false;
        boost::beast::get_lowest_layer(ws).expires_never();
        ws.auto_fragment(false);
        ws.read_message_max(kMaxMessage);
        return true;
    }

    // Sends one message as one frame, reading meanwhile. False when the connection failed
    // or closed before it was written.
    bool send(bool binary, std::string_view payload, std::chrono::milliseconds timeout) {
        if (closed) return false;
        start_read();
        ws.binary(binary);
        const Outcome written = run_operation(
            io,
            [&](auto handler) {
                ws.async_write(boost::asio::buffer(payload.data(), payload.size()),
                               std::move(handler));
            },
            Clock::now() + timeout, [this] { drop(); });
        return written.ok();
    }

    // The next message within `timeout`, or nothing (none came, or the connection ended).
    std::optional<WsMessage> read(std::chrono::milliseconds timeout) {
        return take_next(
            io, inbox, closed, [this] { start_read(); }, timeout);
    }
};

// The client of an upgraded `attempt`, or std::runtime_error naming the refusal's status.
template <class Client>
Client upgraded_or_throw(UpgradeAttempt<Client>& attempt, const std::string& where) {
    if (!attempt.client) {
        throw std::runtime_error(where + ": upgrade refused with HTTP " +
                                 std::to_string(attempt.status) + ": " + attempt.body);
    }
    return std::move(*attempt.client);
}

// next_text_or_why for WsClient and WssClient alike.
template <class Client>
std::string next_text_or_why_of(Client& client, std::chrono::milliseconds timeout) {
    const auto message = client.read(timeout);
    if (!message) {
        return client.closed() ? "<connection ended: " + client.end_reason() + ">"
                               : "<no message within the timeout>";
    }
    if (message->binary) return "<binary message: " + message->payload + ">";
    return message->payload;
}

} // namespace switchyard::test::detail

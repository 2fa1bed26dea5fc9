#include "ws_client.hpp"

#include "ascii_lower.hpp"
#include "io_deadline.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <algorithm>
#include <cctype>
#include <deque>
#include <stdexcept>

namespace switchyard::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using detail::Clock;
using error_code = boost::system::error_code;

namespace {

constexpr std::size_t kMaxMessage = 256 * 1024 * 1024;

} // namespace

struct WsClient::Impl {
    asio::io_context io;
    websocket::stream<beast::tcp_stream> ws{io};
    beast::flat_buffer buffer;
    std::deque<WsMessage> inbox;
    bool reading = false;
    bool closed = false;
    error_code end;
    std::optional<uint16_t> close_code;
    std::string close_reason;

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

    void note_close_frame() {
        const auto& reason = ws.reason();
        if (reason.code == websocket::close_code::none) return;
        close_code = uint16_t(reason.code);
        close_reason = std::string(reason.reason.data(), reason.reason.size());
    }

    // Keeps one read pending whenever the io_context runs, so messages queue up in the
    // inbox and a close frame is processed even while a write is stuck.
    void start_read() {
        if (reading || closed) return;
        reading = true;
        ws.async_read(buffer, [this](error_code ec, std::size_t) {
            reading = false;
            if (ec) {
                note_close_frame();
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

WsClient::WsClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WsClient::WsClient(WsClient&&) noexcept = default;
WsClient& WsClient::operator=(WsClient&&) noexcept = default;
WsClient::~WsClient() = default;

WsAttempt WsClient::try_connect(uint16_t port, std::string_view path, const HttpHeaders& headers,
                                std::chrono::milliseconds timeout) {
    const std::string where = "ws://127.0.0.1:" + std::to_string(port) + std::string(path);
    auto impl = std::make_unique<Impl>();
    auto& tcp = beast::get_lowest_layer(impl->ws);
    const auto deadline = Clock::now() + timeout;
    tcp.expires_at(deadline);
    auto cancel = [&] { impl->drop(); };

    bool connected = false;
    error_code connect_error;
    tcp.async_connect({asio::ip::make_address("127.0.0.1"), port}, [&](error_code ec) {
        connect_error = ec;
        connected = true;
    });
    if (!detail::run_or_cancel(
            impl->io, [&] { return connected; }, deadline, cancel) ||
        connect_error)
        throw std::runtime_error(where + ": cannot connect: " + connect_error.message());

    impl->ws.set_option(
        websocket::stream_base::decorator([headers](websocket::request_type& request) {
            for (const auto& [name, value] : headers) request.set(name, value);
        }));
    websocket::response_type response;
    bool shaken = false;
    error_code handshake_error;
    impl->ws.async_handshake(response, "127.0.0.1:" + std::to_string(port), path,
                             [&](error_code ec) {
                                 handshake_error = ec;
                                 shaken = true;
                             });
    detail::run_or_cancel(
        impl->io, [&] { return shaken; }, deadline, cancel);
    if (response.result_int() == 0) {
        throw std::runtime_error(where + ": no handshake response: " +
                                 (shaken ? handshake_error.message() : "timed out"));
    }

    WsAttempt attempt;
    attempt.status = response.result_int();
    for (const auto& field : response.base())
        attempt.headers[detail::ascii_lower(field.name_string())] = field.value();
    attempt.body = response.body();
    if (!handshake_error) {
        tcp.expires_never();
        impl->ws.auto_fragment(false);
        impl->ws.read_message_max(kMaxMessage);
        attempt.client.emplace(WsClient(std::move(impl)));
    }
    return attempt;
}

WsClient WsClient::connect(uint16_t port, std::string_view path, const HttpHeaders& headers,
                           std::chrono::milliseconds timeout) {
    WsAttempt attempt = try_connect(port, path, headers, timeout);
    if (!attempt.client) {
        throw std::runtime_error("ws://127.0.0.1:" + std::to_string(port) + std::string(path) +
                                 ": upgrade refused with HTTP " + std::to_string(attempt.status) +
                                 ": " + attempt.body);
    }
    return std::move(*attempt.client);
}

bool WsClient::send(bool binary, std::string_view payload, std::chrono::milliseconds timeout) {
    Impl& impl = *impl_;
    if (impl.closed) return false;
    impl.start_read();
    impl.ws.binary(binary);
    // The handler may outlive a timed-out call only until run_or_cancel drains it; the
    // flags live on this stack frame meanwhile.
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

bool WsClient::send_text(std::string_view payload, std::chrono::milliseconds timeout) {
    return send(false, payload, timeout);
}

bool WsClient::send_binary(std::string_view payload, std::chrono::milliseconds timeout) {
    return send(true, payload, timeout);
}

std::optional<WsMessage> WsClient::read(std::chrono::milliseconds timeout) {
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

bool WsClient::wait_closed(std::chrono::milliseconds timeout) {
    Impl& impl = *impl_;
    const auto deadline = Clock::now() + timeout;
    while (!impl.closed) {
        impl.start_read();
        if (!detail::run_until(
                impl.io, [&] { return !impl.inbox.empty() || impl.closed; }, deadline))
            break;
        impl.inbox.clear();
    }
    return impl.closed;
}

void WsClient::close(uint16_t code, std::chrono::milliseconds timeout) {
    Impl& impl = *impl_;
    if (impl.closed) return;
    impl.start_read();
    bool done = false;
    impl.ws.async_close(websocket::close_reason(code), [&](error_code) { done = true; });
    const auto deadline = Clock::now() + timeout;
    detail::run_or_cancel(
        impl.io, [&] { return done; }, deadline, [&] { impl.drop(); });
    // The pending read ends with the close; wait for it so the state is final.
    if (!detail::run_until(
            impl.io, [&] { return impl.closed; }, deadline))
        impl.drop();
}

bool WsClient::closed() const {
    return impl_->closed;
}

std::optional<uint16_t> WsClient::close_code() const {
    return impl_->close_code;
}

std::string WsClient::close_reason() const {
    return impl_->close_reason;
}

std::string WsClient::end_reason() const {
    if (!impl_->closed) return {};
    std::string text = impl_->end.message();
    if (impl_->close_code) text += " (close code " + std::to_string(*impl_->close_code) + ")";
    return text;
}

std::string next_text_or_why(WsClient& client, std::chrono::milliseconds timeout) {
    const auto message = client.read(timeout);
    if (!message) {
        return client.closed() ? "<connection ended: " + client.end_reason() + ">"
                               : "<no message within the timeout>";
    }
    if (message->binary) return "<binary message: " + message->payload + ">";
    return message->payload;
}

} // namespace switchyard::test

#include "ws_client.hpp"

#include "io_deadline.hpp"
#include "ws_session.hpp"

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

namespace switchyard::test {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using detail::Clock;

namespace {

std::string ws_url(uint16_t port, std::string_view path) {
    return "ws://127.0.0.1:" + std::to_string(port) + std::string(path);
}

} // namespace

struct WsClient::Impl : detail::WsSession<beast::tcp_stream> {};

WsClient::WsClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WsClient::WsClient(WsClient&&) noexcept = default;
WsClient& WsClient::operator=(WsClient&&) noexcept = default;
WsClient::~WsClient() = default;

WsAttempt WsClient::try_connect(uint16_t port, std::string_view path, const HttpHeaders& headers,
                                std::chrono::milliseconds timeout) {
    const std::string where = ws_url(port, path);
    auto impl = std::make_unique<Impl>();
    auto& tcp = beast::get_lowest_layer(impl->ws);
    const auto deadline = Clock::now() + timeout;
    tcp.expires_at(deadline);
    detail::connect_or_throw(
        impl->io, tcp, "127.0.0.1", port, deadline, [&] { impl->drop(); }, where);

    WsAttempt attempt;
    if (impl->handshake(attempt, "127.0.0.1:" + std::to_string(port), path, headers, deadline,
                        where))
        attempt.client.emplace(WsClient(std::move(impl)));
    return attempt;
}

WsClient WsClient::connect(uint16_t port, std::string_view path, const HttpHeaders& headers,
                           std::chrono::milliseconds timeout) {
    WsAttempt attempt = try_connect(port, path, headers, timeout);
    return detail::upgraded_or_throw(attempt, ws_url(port, path));
}

bool WsClient::send(bool binary, std::string_view payload, std::chrono::milliseconds timeout) {
    return impl_->send(binary, payload, timeout);
}

bool WsClient::send_text(std::string_view payload, std::chrono::milliseconds timeout) {
    return send(false, payload, timeout);
}

bool WsClient::send_binary(std::string_view payload, std::chrono::milliseconds timeout) {
    return send(true, payload, timeout);
}

std::optional<WsMessage> WsClient::read(std::chrono::milliseconds timeout) {
    return impl_->read(timeout);
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
    const auto deadline = Clock::now() + timeout;
    detail::run_operation(
        impl.io,
        [&](auto handler) {
            impl.ws.async_close(websocket::close_reason(code), std::move(handler));
        },
        deadline, [&] { impl.drop(); });
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
    return detail::next_text_or_why_of(client, timeout);
}

} // namespace switchyard::test

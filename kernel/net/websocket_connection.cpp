#include "net/websocket_connection.hpp"

#include <spdlog/spdlog.h>

namespace switchyard {

WebSocketConnection::WebSocketConnection(Worker& worker, Socket socket,
                                         ConnectionObserver& observer,
                                         const ConnectionLimits& limits)
    : Connection(worker, std::move(socket), observer, limits), reader_(limits.max_message_bytes) {}

std::string_view WebSocketConnection::wire_bytes(const WireFrame& frame) const {
    return ws_bytes(frame);
}

void WebSocketConnection::on_bytes(char* data, size_t size) {
    // After our close frame only the client's close frame still matters; the reader
    // goes on parsing and on_ws_message discards data.
    if (peer_closed_) return;
    reader_.feed(data, size, *this);
}

void WebSocketConnection::on_read_end() {
    // The client went away: a clean end after the close handshake, 1006 otherwise.
    if (closing() || peer_closed_) {
        finish(close_code_, close_reason_);
    } else {
        finish(close_code::abnormal, "connection lost");
    }
}

void WebSocketConnection::on_ws_message(bool binary, std::string_view payload) {
    if (closing()) return; // data after our close frame is discarded (RFC 6455 5.5.1)
    observer().on_message(*this, binary ? SY_FRAME_BINARY : SY_FRAME_TEXT, payload);
}

void WebSocketConnection::on_ws_ping(std::string_view payload) {
    if (closing()) return;
    if (queued_frames() >= limits().max_queued_frames) {
        // A client that pings but does not read would grow the pong queue forever.
        close(close_code::policy_violation, "too many unanswered pings");
        return;
    }
    send_control(FrameRef::adopt(make_control_frame(WsOpcode::Pong, payload)));
}

void WebSocketConnection::on_ws_pong() {
    awaiting_pong_ = false;
}

void WebSocketConnection::on_ws_close(uint16_t code, std::string_view reason) {
    peer_closed_ = true;
    if (closing()) {
        // The answer to our close frame: the handshake is complete.
        finish(close_code_, close_reason_);
        return;
    }
    // Echo the client's code, then close the TCP connection (the server closes first).
    const uint16_t echo = code == close_code::no_status ? close_code::normal : code;
    begin_closing(code, reason);
    send_control(FrameRef::adopt(make_close_frame(echo, {})));
}

void WebSocketConnection::on_ws_error(uint16_t code, std::string_view why) {
    spdlog::debug("connection {}: protocol error: {} (closing with {})", id(), why, code);
    close(code, why);
}

void WebSocketConnection::close(uint16_t code, std::string_view reason) {
    if (closing()) return;
    begin_closing(code, reason);
    send_control(FrameRef::adopt(make_close_frame(code, reason)));
}

void WebSocketConnection::on_drained_while_closing() {
    if (peer_closed_) {
        finish(close_code_, close_reason_);
    } else {
        // Wait for the client's close frame (bounded by the close deadline), but tell
        // the client no more data comes.
        shutdown_send();
    }
}

void WebSocketConnection::set_keepalive(uint32_t interval_ms, uint32_t timeout_ms) {
    ping_interval_ms_ = interval_ms;
    pong_timeout_ms_ = timeout_ms;
    awaiting_pong_ = false;
    if (closing()) return;
    timer().cancel();
    if (interval_ms != 0) schedule_ping();
}

void WebSocketConnection::schedule_ping() {
    // Two phases: wait the interval and ping; then wait the pong timeout and terminate
    // when no pong came.
    const bool pong_phase = awaiting_pong_;
    timer().expires_after(
        std::chrono::milliseconds(pong_phase ? pong_timeout_ms_ : ping_interval_ms_));
    timer().async_wait(
        [self = shared_from_this(), this, pong_phase](const boost::system::error_code& ec) {
            if (ec || closing()) return;
            if (pong_phase) {
                if (awaiting_pong_) {
                    spdlog::debug("connection {}: no pong within {} ms; terminating", id(),
                                  pong_timeout_ms_);
                    finish(close_code::abnormal, "pong timeout");
                    return;
                }
                const uint32_t rest =
                    ping_interval_ms_ > pong_timeout_ms_ ? ping_interval_ms_ - pong_timeout_ms_ : 0;
                timer().expires_after(std::chrono::milliseconds(rest));
                timer().async_wait([self, this](const boost::system::error_code& ec2) {
                    if (ec2 || closing()) return;
                    ping_now();
                });
                return;
            }
            ping_now();
        });
}

void WebSocketConnection::ping_now() {
    send_control(FrameRef::adopt(make_control_frame(WsOpcode::Ping, {})));
    awaiting_pong_ = pong_timeout_ms_ != 0;
    schedule_ping();
}

} // namespace switchyard

#include "net/websocket_connection.hpp"

#include "log/rate_limited_log.hpp"

#include <algorithm>

namespace switchyard {

namespace {
RateLimitedLog protocol_errors_log("websocket protocol errors");
RateLimitedLog time_outs_log("websocket time-outs");
} // namespace

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
    if (reader_.holds_partial_frame() && !closing()) {
        // The sweep watches a frame that stops arriving; each read of it only notes the
        // time, on the worker's coarse clock.
        worker().need_sweep(worker().io_timeout());
        last_input_ms_ = worker().coarse_now_ms();
    }
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
    protocol_errors_log.debug("connection {}: protocol error: {} (closing with {})", id(), why,
                              code);
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
    last_ping_ms_ = worker().now_ms();
    if (interval_ms == 0 || closing()) return;
    const uint32_t finest = timeout_ms != 0 ? std::min(interval_ms, timeout_ms) : interval_ms;
    worker().need_sweep(std::chrono::milliseconds(finest));
}

void WebSocketConnection::on_sweep(uint32_t now_ms) {
    if (closing()) return;
    const auto io_timeout = static_cast<uint32_t>(worker().io_timeout().count());
    if (reader_.holds_partial_frame()) {
        if (read_paused()) {
            // The rest of the frame waits in the socket because the kernel stopped
            // reading (its plugin is behind): that time is not the client's.
            last_input_ms_ = now_ms;
        } else if (Worker::ms_since(last_input_ms_, now_ms) >= io_timeout) {
            time_outs_log.debug("connection {}: a frame stopped arriving for {} ms; closing", id(),
                                io_timeout);
            close(close_code::policy_violation, "incomplete frame timed out");
            return;
        }
    }
    // One ping at a time: the next goes out once the last was answered and the interval
    // has passed since it (so pings are at least the pong timeout apart).
    if (awaiting_pong_) {
        if (Worker::ms_since(last_ping_ms_, now_ms) >= pong_timeout_ms_) {
            time_outs_log.debug("connection {}: no pong within {} ms; terminating", id(),
                                pong_timeout_ms_);
            finish(close_code::abnormal, "pong timeout");
        }
        return;
    }
    if (ping_interval_ms_ != 0 && Worker::ms_since(last_ping_ms_, now_ms) >= ping_interval_ms_)
        ping_now(now_ms);
}

void WebSocketConnection::ping_now(uint32_t now_ms) {
    send_control(FrameRef::adopt(make_control_frame(WsOpcode::Ping, {})));
    last_ping_ms_ = now_ms;
    awaiting_pong_ = pong_timeout_ms_ != 0;
}

} // namespace switchyard

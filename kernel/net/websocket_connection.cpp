#include "net/websocket_connection.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace switchyard {

WebSocketConnection::WebSocketConnection(Worker& worker, Socket socket,
                                         ConnectionObserver& observer,
                                         const ConnectionLimits& limits)
    : Connection(worker, std::move(socket), observer, limits), reader_(limits.max_message_bytes) {}

std::string_view WebSocketConnection::wire_bytes(const WireFrame& frame) const {
    return ws_bytes(frame);
}

class WebSocketConnection::ReaderEvents final : public WebSocketEvents {
  public:
    explicit ReaderEvents(WebSocketConnection& conn) : conn_(conn) {}
    void on_ws_message(bool binary, std::string_view payload) override {
        conn_.on_ws_message(binary, payload);
    }
    void on_ws_ping(std::string_view payload) override { conn_.on_ws_ping(payload); }
    void on_ws_pong() override { conn_.on_ws_pong(); }
    void on_ws_close(uint16_t code, std::string_view reason) override {
        conn_.on_ws_close(code, reason);
    }
    void on_ws_error(uint16_t code, std::string_view why) override { conn_.on_ws_error(code, why); }

  private:
    WebSocketConnection& conn_;
};

void WebSocketConnection::on_bytes(char* data, size_t size) {
    // After our close frame only the client's close frame still matters; the reader
    // goes on parsing and on_ws_message discards data.
    if (peer_closed_) return;
    ReaderEvents events(*this);
    reader_.feed(data, size, events);
}

void WebSocketConnection::on_read_end() {
    // The client went away: a clean end after the close handshake, 1006 otherwise.
    if (closing() || peer_closed_) {
        finish(close_code(), close_reason());
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
    if (queued_frames() >= max_queued_frames()) {
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
        finish(close_code(), close_reason());
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
        finish(close_code(), close_reason());
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
    pong_phase_ = false;
    if (interval_ms == 0 || closing()) {
        leave_keepalive_sweep();
        return;
    }
    keepalive_due_ms_ = Worker::now_ms() + interval_ms;
    join_keepalive_sweep(timeout_ms != 0 ? std::min(interval_ms, timeout_ms) : interval_ms);
}

bool WebSocketConnection::keepalive_due(uint64_t now_ms) const noexcept {
    return ping_interval_ms_ != 0 && !closing() && now_ms >= keepalive_due_ms_;
}

void WebSocketConnection::run_keepalive(uint64_t now_ms) {
    if (!keepalive_due(now_ms)) return;
    if (pong_phase_) {
        if (awaiting_pong_) {
            spdlog::debug("connection {}: no pong within {} ms; terminating", id(),
                          pong_timeout_ms_);
            finish(close_code::abnormal, "pong timeout");
            return;
        }
        // Answered in time: the next ping is one interval after the last.
        pong_phase_ = false;
        keepalive_due_ms_ +=
            ping_interval_ms_ > pong_timeout_ms_ ? ping_interval_ms_ - pong_timeout_ms_ : 0;
        if (now_ms < keepalive_due_ms_) return;
    }
    ping(now_ms);
}

void WebSocketConnection::ping(uint64_t now_ms) {
    send_control(FrameRef::adopt(make_control_frame(WsOpcode::Ping, {})));
    awaiting_pong_ = pong_timeout_ms_ != 0;
    pong_phase_ = awaiting_pong_;
    keepalive_due_ms_ = now_ms + (pong_phase_ ? pong_timeout_ms_ : ping_interval_ms_);
}

} // namespace switchyard

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
    if (reader_.holds_partial_frame() && !closing()) {
        // The sweep watches a frame that stops arriving; each read of it only notes the
        // time.
        last_input_ms_ = worker().now_ms();
    }
    update_sweep();
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
    last_ping_ms_ = worker().now_ms();
    update_sweep();
}

void WebSocketConnection::update_sweep() {
    if (closing()) return; // the close deadline bounds it now; finish() leaves the sweep
    const bool keepalive = ping_interval_ms_ != 0;
    const bool partial_frame = reader_.holds_partial_frame();
    if (!keepalive && !partial_frame) {
        leave_sweep();
        return;
    }
    // Checked often enough for the finest deadline it has.
    uint32_t resolution = UINT32_MAX;
    if (keepalive)
        resolution = pong_timeout_ms_ != 0 ? std::min(ping_interval_ms_, pong_timeout_ms_)
                                           : ping_interval_ms_;
    if (partial_frame) resolution = std::min(resolution, worker().io_timeout_ms());
    join_sweep(resolution);
}

bool WebSocketConnection::frame_overdue(uint32_t now_ms) const noexcept {
    // While reading is paused the rest of the frame waits in the socket because the
    // kernel stopped reading (its plugin is behind): that time is not the client's, and
    // run_sweep restarts the clock.
    return reader_.holds_partial_frame() &&
           (read_paused() || Worker::ms_since(last_input_ms_, now_ms) >= io_timeout_ms());
}

bool WebSocketConnection::keepalive_due(uint32_t now_ms) const noexcept {
    if (awaiting_pong_) return Worker::ms_since(last_ping_ms_, now_ms) >= pong_timeout_ms_;
    // One ping at a time: the next goes out once the last was answered and the interval
    // has passed since it.
    return ping_interval_ms_ != 0 && Worker::ms_since(last_ping_ms_, now_ms) >= ping_interval_ms_;
}

bool WebSocketConnection::sweep_due(uint32_t now_ms) const noexcept {
    return !closing() && (frame_overdue(now_ms) || keepalive_due(now_ms));
}

void WebSocketConnection::run_sweep(uint32_t now_ms) {
    if (!sweep_due(now_ms)) return;
    if (frame_overdue(now_ms)) {
        if (read_paused()) {
            last_input_ms_ = now_ms;
        } else {
            time_outs_log.debug("connection {}: a frame stopped arriving for {} ms; closing", id(),
                                io_timeout_ms());
            close(close_code::policy_violation, "incomplete frame timed out");
            return;
        }
    }
    if (!keepalive_due(now_ms)) return;
    if (awaiting_pong_) {
        time_outs_log.debug("connection {}: no pong within {} ms; terminating", id(),
                            pong_timeout_ms_);
        finish(close_code::abnormal, "pong timeout");
        return;
    }
    ping(now_ms);
}

void WebSocketConnection::ping(uint32_t now_ms) {
    send_control(FrameRef::adopt(make_control_frame(WsOpcode::Ping, {})));
    last_ping_ms_ = now_ms;
    awaiting_pong_ = pong_timeout_ms_ != 0;
}

} // namespace switchyard

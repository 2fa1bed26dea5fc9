// A WebSocket connection after the handshake: the kernel's own framing on the raw
// socket (RFC 6455), so that a broadcast frame encoded once is written as is, many
// queued frames go out in one gather write, and pongs and close frames share the same
// ordered queue as data.
//
// Time-outs, checked by the worker's sweep (no timer per connection): keepalive pings
// and the pong deadline, and a frame the client started but stopped sending (closed
// with 1008 once no byte of it came for the worker's io_timeout). A connection idle
// between whole frames is left to keepalive.
#pragma once

#include "net/connection.hpp"
#include "net/websocket_reader.hpp"

namespace switchyard {

class WebSocketConnection final : public Connection {
  public:
    WebSocketConnection(Worker& worker, Socket socket, ConnectionObserver& observer,
                        const ConnectionLimits& limits);

    // Sends a close frame with `code` and `reason`, after what is queued.
    void close(uint16_t code, std::string_view reason) override;
    void set_keepalive(uint32_t interval_ms, uint32_t timeout_ms) override;

  private:
    std::string_view wire_bytes(const WireFrame& frame) const override;
    void on_bytes(char* data, size_t size) override;
    void on_read_end() override;
    void on_drained_while_closing() override;

    // What the reader reports, through a forwarder made on the stack for each read (so
    // the connection carries no second vtable pointer).
    class ReaderEvents;
    void on_ws_message(bool binary, std::string_view payload);
    void on_ws_ping(std::string_view payload);
    void on_ws_pong();
    void on_ws_close(uint16_t code, std::string_view reason);
    void on_ws_error(uint16_t code, std::string_view why);

    bool sweep_due(uint32_t now_ms) const noexcept override;
    void run_sweep(uint32_t now_ms) override;
    bool frame_overdue(uint32_t now_ms) const noexcept;
    bool keepalive_due(uint32_t now_ms) const noexcept;
    void ping(uint32_t now_ms);
    // In the worker's sweep while keepalive is on or a frame is half-received.
    void update_sweep();

    // The flags first: they fit in the tail padding of Connection.
    bool awaiting_pong_ = false; // a ping went out and its pong has not come
    bool peer_closed_ = false;   // the client sent its close frame
    WebSocketReader reader_;
    // Keepalive: ping every interval, one ping at a time; a ping unanswered after the
    // timeout ends the connection. Times are on the worker's clock (Worker::now_ms).
    uint32_t ping_interval_ms_ = 0;
    uint32_t pong_timeout_ms_ = 0;
    uint32_t last_ping_ms_ = 0;  // when the last ping left (or keepalive was set)
    uint32_t last_input_ms_ = 0; // when bytes last came while a frame was incomplete
};

} // namespace switchyard

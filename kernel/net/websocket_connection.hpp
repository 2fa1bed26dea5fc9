// A WebSocket connection after the handshake: the kernel's own framing on the raw
// socket (RFC 6455), so that a broadcast frame encoded once is written as is, many
// queued frames go out in one gather write, and pongs and close frames share the same
// ordered queue as data.
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

    bool keepalive_due(uint64_t now_ms) const noexcept override;
    void run_keepalive(uint64_t now_ms) override;
    void ping(uint64_t now_ms);

    // The flags first: they fit in the tail padding of Connection.
    bool awaiting_pong_ = false; // a ping went out and its pong has not come
    bool pong_phase_ = false;    // keepalive_due_ms_ is a pong deadline
    bool peer_closed_ = false;   // the client sent its close frame
    WebSocketReader reader_;
    // Keepalive: ping every interval; a ping unanswered after the timeout ends the
    // connection. `keepalive_due_ms_` is the next ping, or while a pong is awaited, its
    // deadline (the worker's clock).
    uint64_t keepalive_due_ms_ = 0;
    uint32_t ping_interval_ms_ = 0;
    uint32_t pong_timeout_ms_ = 0;
};

} // namespace switchyard

// Decodes the client-to-server side of a WebSocket (RFC 6455): frame headers, masking,
// fragmentation, control frames, size limits and UTF-8 checks. No sockets here: a
// connection feeds it the bytes it read, which makes every rule unit-testable.
#pragma once

#include "net/close_code.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace switchyard {

// What the reader reports, in the order the bytes carried it.
class WebSocketEvents {
  public:
    virtual ~WebSocketEvents() = default;
    // A complete data message. `payload` is valid for the call only.
    virtual void on_ws_message(bool binary, std::string_view payload) = 0;
    // A ping; the connection answers with a pong carrying the same payload.
    virtual void on_ws_ping(std::string_view payload) = 0;
    // A pong (keepalive answer).
    virtual void on_ws_pong() = 0;
    // The client's close frame (code 1005 when it carried none).
    virtual void on_ws_close(uint16_t code, std::string_view reason) = 0;
    // The client broke the protocol or a limit; close with `code`.
    virtual void on_ws_error(uint16_t code, std::string_view why) = 0;
};

class WebSocketReader {
  public:
    // `max_message_bytes` bounds one message, fragments included.
    explicit WebSocketReader(uint64_t max_message_bytes) : max_message_bytes_(max_message_bytes) {}

    // Consumes `size` bytes (unmasked in place). Returns false once a close or an error
    // was reported: the connection reads no further.
    bool feed(char* data, size_t size, WebSocketEvents& events);

    // True while a partial frame or a fragmented message is held.
    bool holds_data() const noexcept { return holds_partial_frame() || in_message_; }
    // True while the start of a frame is held and the rest has not arrived.
    bool holds_partial_frame() const noexcept { return held_ && !held_->pending.empty(); }
    // Bytes held for partial frames and fragmented messages (0 once none is: the
    // buffers are allocated only while needed).
    size_t buffered_bytes() const noexcept {
        return held_ ? sizeof(Held) + held_->pending.capacity() + held_->message.capacity() : 0;
    }

  private:
    enum class Step { Consumed, NeedMore, Stop };
    Step parse_one(char* data, size_t size, size_t& used, WebSocketEvents& events);
    bool handle_data(int opcode, bool fin, std::string_view payload, WebSocketEvents& events);
    bool handle_control(int opcode, std::string_view payload, WebSocketEvents& events);
    bool fail(WebSocketEvents& events, uint16_t code, std::string_view why);

    // What a connection between frames holds; allocated when a frame arrives in
    // pieces or a message in fragments, freed once both are done with.
    struct Held {
        std::string pending; // bytes of a frame not complete yet
        std::string message; // fragments of a message not complete yet
    };
    Held& held();
    // Frees the buffers once nothing is held any more.
    void release_if_idle() noexcept;

    uint64_t max_message_bytes_;
    std::unique_ptr<Held> held_;
    bool in_message_ = false;
    bool message_binary_ = false;
    bool stopped_ = false;
};

} // namespace switchyard

// WebSocket publisher: masked text frames whose text is exactly the envelope the
// subscribers should receive, {"event":<type>,"data":<data>}; for a broadcast server
// that relays what one client sends to every other client. Nothing is answered, so a
// message's window slot is held by the subscribers' deliveries only.
#pragma once

#include "publisher.hpp"
#include "ws_frame.hpp"

namespace loadgen {

class WsPublisher final : public Publisher {
  public:
    WsPublisher(RunState& run, const Url& url);
    void pump() override;

    // FrameReader's handler interface: whatever the server sends is ignored but pings.
    void on_message(const char*, size_t) {}
    void on_ping(const char* p, size_t n);
    void on_close(const char* p, size_t n);
    void on_protocol_error(const char* why) { fail(why); }

  private:
    std::string handshake_request() override;
    size_t consume(const char* p, size_t n) override;

    const Url& url_;
    std::string key_;
    std::string envelope_prefix_; // {"event":<type>,"data":
    std::string text_;            // the message being framed, reused
    ws::FrameReader reader_;
};

} // namespace loadgen

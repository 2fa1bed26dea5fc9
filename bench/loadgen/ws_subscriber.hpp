// A WebSocket subscriber (RFC 6455 client): upgrade, check the 101 and the accept key,
// send --first-message if given and, with --await-reply, wait for its answer (an
// application-level login such as JetStart's client:connect); then read server frames.
// Pings are answered, a close frame ends it.
#pragma once

#include "subscriber.hpp"
#include "ws_frame.hpp"

#include <string>

namespace loadgen {

class WsSubscriber final : public Subscriber {
  public:
    WsSubscriber(RunState& run, const Url& url, uint32_t group = 0)
        : Subscriber(run, group), url_(url) {}

    // FrameReader's handler interface.
    void on_message(const char* p, size_t n);
    void on_ping(const char* p, size_t n);
    void on_close(const char* p, size_t n);
    void on_protocol_error(const char* why) { protocol_error(why); }

  private:
    std::string handshake_request() override;
    size_t consume(const char* p, size_t n) override;
    size_t partial_message_size() const override { return reader_.partial_frame_size(); }

    const Url& url_;
    std::string key_;
    bool awaiting_reply_ = false; // upgraded, first message sent, its answer not yet in
    ws::FrameReader reader_;
};

} // namespace loadgen

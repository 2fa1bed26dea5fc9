// A Server-Sent Events subscriber: GET with Accept: text/event-stream, check the 200 and
// the content type, de-chunk the body when the server chunks it, split it into lines
// and events (a blank line ends one), and record each event's data.
#pragma once

#include "chunked_decoder.hpp"
#include "subscriber.hpp"

#include <string>

namespace loadgen {

class SseSubscriber final : public Subscriber {
  public:
    SseSubscriber(RunState& run, const Url& url, uint32_t group = 0)
        : Subscriber(run, group), url_(url) {}

  private:
    std::string handshake_request() override;
    size_t consume(const char* p, size_t n) override;
    // Whether the response head is an event stream; sets chunked_.
    bool accept_head(const char* p, size_t n);
    // Body bytes (de-chunked): complete lines are handled, a partial one is kept.
    void body(const char* p, size_t n);
    void line(const char* p, size_t n);

    static constexpr size_t kMaxLine = 64u << 20;

    const Url& url_;
    bool chunked_ = false;
    ChunkedDecoder decoder_;
    std::string partial_line_;
    std::string data_; // the data: lines of the event being read, joined by '\n'
    bool has_data_ = false;
};

} // namespace loadgen

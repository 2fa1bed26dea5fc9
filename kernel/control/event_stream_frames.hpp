// The frames of the control API's event stream (GET /api/v1/events): one bus event as
// `id: <seq>` + `data: <event JSON>`, encoded once however many followers its stream has.
#pragma once

#include "bus/event.hpp"
#include "net/wire_frame.hpp"

#include <mutex>
#include <string>
#include <string_view>

namespace switchyard {

// The SSE text of `event`: "id: <seq>\ndata: <event JSON>\n\n".
std::string sse_event_text(const Event& event);

// The SSE text that tells a follower events of `stream` after seq `after` are lost to it:
// "event: gap\ndata: {"stream","after","last_seq"}\n\n". Sent before a replay that could
// not start at its cursor, and before a live event whose seq skips past the last one.
std::string sse_gap_text(std::string_view stream, uint64_t after, uint64_t last_seq);

// Every follower's bus sink asks for the same event's frame in turn (a stream's sinks run
// one after another per event), so remembering the last event encoded turns one encoding
// per follower into one per event. A miss (publishers of two streams interleaving) only
// costs an encoding. Thread-safe.
class EventStreamFrames {
  public:
    // The shared frame of `event`.
    FrameRef frame_of(const EventPtr& event);

  private:
    std::mutex mutex_;
    EventPtr last_event_; // held, so its address cannot be reused by another event
    FrameRef last_frame_;
};

} // namespace switchyard

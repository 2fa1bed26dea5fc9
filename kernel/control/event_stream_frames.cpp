#include "control/event_stream_frames.hpp"

#include "control/event_json.hpp"

namespace switchyard {

std::string sse_event_text(const Event& event) {
    std::string out = "id: " + std::to_string(event.seq) + "\ndata: ";
    out += event_to_json(event);
    out += "\n\n";
    return out;
}

FrameRef EventStreamFrames::frame_of(const EventPtr& event) {
    std::lock_guard lock(mutex_);
    if (last_event_ != event) {
        last_frame_ = FrameRef::adopt(make_wire_frame(SY_FRAME_RAW, sse_event_text(*event)));
        last_event_ = event;
    }
    return last_frame_;
}

} // namespace switchyard

#include "control/event_stream_frames.hpp"

#include "control/event_json.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

namespace switchyard {

namespace json = boost::json;

std::string sse_event_text(const Event& event) {
    std::string out = "id: " + std::to_string(event.seq) + "\ndata: ";
    out += event_to_json(event);
    out += "\n\n";
    return out;
}

std::string sse_gap_text(std::string_view stream, uint64_t after, uint64_t last_seq) {
    return "event: gap\ndata: {\"stream\":" + json::serialize(json::string(stream)) +
           ",\"after\":" + std::to_string(after) + ",\"last_seq\":" + std::to_string(last_seq) +
           "}\n\n";
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

#include "net/wire_frame.hpp"

#include <algorithm>

namespace switchyard {
namespace {

// Appends the header of an unmasked, final server-to-client frame.
void append_ws_header(std::string& out, WsOpcode opcode, size_t length) {
    out.push_back(static_cast<char>(0x80 | static_cast<uint8_t>(opcode)));
    if (length < 126) {
        out.push_back(static_cast<char>(length));
    } else if (length <= 0xFFFF) {
        out.push_back(static_cast<char>(126));
        out.push_back(static_cast<char>((length >> 8) & 0xFF));
        out.push_back(static_cast<char>(length & 0xFF));
    } else {
        out.push_back(static_cast<char>(127));
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.push_back(static_cast<char>((static_cast<uint64_t>(length) >> shift) & 0xFF));
        }
    }
}

// The longest prefix of `text` of at most `max` bytes that does not cut a UTF-8
// character in two (a close reason must stay valid UTF-8).
std::string_view utf8_prefix(std::string_view text, size_t max) {
    if (text.size() <= max) return text;
    size_t end = max;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    return text.substr(0, end);
}

WireFrame* make_ws_frame(sy_frame_kind kind, WsOpcode opcode, std::string_view payload) {
    auto* frame = new WireFrame;
    frame->kind = kind;
    frame->encoded.reserve(payload.size() + 10);
    append_ws_header(frame->encoded, opcode, payload.size());
    frame->payload_offset = frame->encoded.size();
    frame->encoded.append(payload);
    return frame;
}

} // namespace

WireFrame* make_wire_frame(sy_frame_kind kind, std::string_view payload) {
    switch (kind) {
        case SY_FRAME_TEXT: return make_ws_frame(kind, WsOpcode::Text, payload);
        case SY_FRAME_BINARY: return make_ws_frame(kind, WsOpcode::Binary, payload);
        case SY_FRAME_RAW: {
            auto* frame = new WireFrame;
            frame->kind = SY_FRAME_RAW;
            frame->encoded.assign(payload);
            return frame;
        }
    }
    return nullptr;
}

WireFrame* make_control_frame(WsOpcode opcode, std::string_view payload) {
    // Control frames carry at most 125 bytes (RFC 6455 section 5.5).
    return make_ws_frame(SY_FRAME_BINARY, opcode, payload.substr(0, 125));
}

WireFrame* make_close_frame(uint16_t code, std::string_view reason) {
    std::string payload;
    payload.push_back(static_cast<char>(code >> 8));
    payload.push_back(static_cast<char>(code & 0xFF));
    payload.append(utf8_prefix(reason, 123));
    return make_control_frame(WsOpcode::Close, payload);
}

void release(WireFrame* frame) noexcept {
    if (frame->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete frame;
}

} // namespace switchyard

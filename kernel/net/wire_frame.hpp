// A frame encoded once for the wire and shared by every connection it is sent to.
//
// This is the kernel's definition of the ABI's opaque `sy_frame`. A WebSocket message is
// stored with its server-to-client header in front of the payload (unmasked, FIN set), so
// a WebSocket connection writes `bytes()` as is and an SSE connection writes `payload()`.
// The reference count is intrusive and atomic: a broadcast hands the same frame to many
// connections on many workers without copying it.
#pragma once

#include <switchyard/plugin.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

struct sy_frame {
    std::atomic<uint32_t> refs{1};
    sy_frame_kind kind = SY_FRAME_RAW;
    std::string encoded;       // header + payload for WebSocket kinds, payload for RAW
    size_t payload_offset = 0; // where the payload starts in `encoded`
};

namespace switchyard {

using WireFrame = sy_frame;

// WebSocket opcodes (RFC 6455 section 5.2).
enum class WsOpcode : uint8_t {
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
};

// Creates a frame holding `payload`, encoded for `kind`. The caller owns one reference.
WireFrame* make_wire_frame(sy_frame_kind kind, std::string_view payload);
// Creates a WebSocket control frame (ping, pong, close) with that payload.
WireFrame* make_control_frame(WsOpcode opcode, std::string_view payload);
// Creates a close frame carrying `code` and `reason` (the reason is cut to fit 125 bytes).
WireFrame* make_close_frame(uint16_t code, std::string_view reason);

// Adds one reference.
inline void retain(WireFrame* frame) noexcept {
    frame->refs.fetch_add(1, std::memory_order_relaxed);
}
// Drops one reference; deletes the frame with the last one.
void release(WireFrame* frame) noexcept;

// The bytes a WebSocket connection writes.
inline std::string_view ws_bytes(const WireFrame& frame) noexcept {
    return frame.encoded;
}
// The bytes an SSE connection writes (the payload alone).
inline std::string_view sse_bytes(const WireFrame& frame) noexcept {
    return std::string_view(frame.encoded).substr(frame.payload_offset);
}

// An owning smart pointer to a shared frame.
class FrameRef {
  public:
    FrameRef() = default;
    // Adopts one reference the caller owns.
    static FrameRef adopt(WireFrame* frame) noexcept { return FrameRef(frame); }
    // Takes a new reference on `frame`.
    static FrameRef share(WireFrame* frame) noexcept {
        if (frame != nullptr) retain(frame);
        return FrameRef(frame);
    }
    FrameRef(const FrameRef& other) noexcept : frame_(other.frame_) {
        if (frame_ != nullptr) retain(frame_);
    }
    FrameRef(FrameRef&& other) noexcept : frame_(std::exchange(other.frame_, nullptr)) {}
    FrameRef& operator=(FrameRef other) noexcept {
        std::swap(frame_, other.frame_);
        return *this;
    }
    ~FrameRef() {
        if (frame_ != nullptr) release(frame_);
    }
    WireFrame* get() const noexcept { return frame_; }
    const WireFrame& operator*() const noexcept { return *frame_; }
    const WireFrame* operator->() const noexcept { return frame_; }
    explicit operator bool() const noexcept { return frame_ != nullptr; }

  private:
    explicit FrameRef(WireFrame* frame) noexcept : frame_(frame) {}
    WireFrame* frame_ = nullptr;
};

} // namespace switchyard

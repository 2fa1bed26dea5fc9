// RFC 6455 framing from the client's side: masked frames out, unmasked frames in.
#pragma once

#include "socket.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace loadgen::ws {

enum Opcode : uint8_t {
    kContinuation = 0x0,
    kText = 0x1,
    kBinary = 0x2,
    kClose = 0x8,
    kPing = 0x9,
    kPong = 0xA,
};

// Appends one complete (FIN) client frame: header, mask key, masked payload.
void append_masked_frame(std::string& out, uint8_t opcode, const char* payload, size_t n,
                         uint32_t mask);

// Turns a stream of server frames into messages. It keeps only a fragmented message's
// parts between calls; a partial frame is left unconsumed for the caller to keep.
//
// The handler gets: on_message(const char*, size_t) for each complete text or binary
// message, on_ping(const char*, size_t), on_close(const char*, size_t) (then parsing
// stops), on_protocol_error(const char* why) (then parsing stops).
class FrameReader {
  public:
    // Returns bytes consumed, or kStop after on_close / on_protocol_error.
    template <class Handler>
    size_t parse(const char* data, size_t n, Handler& handler);

    // Bytes of the whole frame the last parse() stopped in the middle of (header
    // included), 0 when it stopped between frames or before a frame's length was known.
    size_t partial_frame_size() const { return partial_frame_size_; }

  private:
    size_t partial_frame_size_ = 0;
    static constexpr uint64_t kMaxMessage = 256u << 20;
    std::string fragments_;
    bool fragmented_ = false;
};

template <class Handler>
size_t FrameReader::parse(const char* data, size_t n, Handler& handler) {
    auto stop = [&handler](const char* why) {
        handler.on_protocol_error(why);
        return kStop;
    };
    size_t pos = 0;
    partial_frame_size_ = 0;
    for (;;) {
        const size_t avail = n - pos;
        if (avail < 2) return pos;
        const auto* p = reinterpret_cast<const uint8_t*>(data + pos);
        const bool fin = (p[0] & 0x80) != 0;
        const uint8_t opcode = p[0] & 0x0f;
        uint64_t len = p[1] & 0x7f;
        size_t header = 2;
        if ((p[0] & 0x70) != 0) return stop("reserved bits set");
        if ((p[1] & 0x80) != 0) return stop("masked server frame");
        if (len == 126) {
            if (avail < 4) return pos;
            len = uint64_t(p[2]) << 8 | p[3];
            header = 4;
        } else if (len == 127) {
            if (avail < 10) return pos;
            len = 0;
            for (int k = 2; k < 10; ++k) len = len << 8 | p[k];
            header = 10;
        }
        if (len > kMaxMessage) return stop("frame too large");
        if (avail - header < len) { // partial frame: the caller keeps it
            partial_frame_size_ = header + size_t(len);
            return pos;
        }
        const char* payload = data + pos + header;
        pos += header + size_t(len);
        switch (opcode) {
            case kText:
            case kBinary:
                if (fragmented_) return stop("new message inside a fragmented one");
                if (fin) {
                    handler.on_message(payload, size_t(len));
                } else {
                    fragments_.assign(payload, size_t(len));
                    fragmented_ = true;
                }
                break;
            case kContinuation:
                if (!fragmented_) return stop("continuation without a start");
                if (fragments_.size() + len > kMaxMessage) return stop("message too large");
                fragments_.append(payload, size_t(len));
                if (fin) {
                    handler.on_message(fragments_.data(), fragments_.size());
                    fragments_.clear();
                    fragments_.shrink_to_fit();
                    fragmented_ = false;
                }
                break;
            case kPing:
            case kPong:
            case kClose:
                if (!fin || len > 125) return stop("bad control frame");
                if (opcode == kPing) handler.on_ping(payload, size_t(len));
                if (opcode == kClose) {
                    handler.on_close(payload, size_t(len));
                    return kStop;
                }
                break;
            default: return stop("unknown opcode");
        }
    }
}

} // namespace loadgen::ws

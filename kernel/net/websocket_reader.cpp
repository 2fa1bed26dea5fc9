#include "net/websocket_reader.hpp"

#include "net/utf8.hpp"

#include <cstring>

namespace switchyard {
namespace {

constexpr int kContinuation = 0x0;
constexpr int kText = 0x1;
constexpr int kBinary = 0x2;
constexpr int kClose = 0x8;
constexpr int kPing = 0x9;
constexpr int kPong = 0xA;

void unmask(char* data, size_t size, const uint8_t mask[4]) {
    for (size_t i = 0; i < size; ++i) data[i] = static_cast<char>(data[i] ^ mask[i & 3]);
}

// Close codes a peer may send (RFC 6455 section 7.4).
bool is_sendable_close_code(uint16_t code) {
    if (code >= 3000 && code <= 4999) return true;
    // 1012-1014 were registered after RFC 6455; we send 1013 ourselves, so a client
    // echoing it must be understood.
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014);
}

} // namespace

WebSocketReader::Held& WebSocketReader::held() {
    if (!held_) held_ = std::make_unique<Held>();
    return *held_;
}

void WebSocketReader::release_if_idle() noexcept {
    if (held_ && held_->pending.empty() && !in_message_) held_.reset();
}

bool WebSocketReader::feed(char* data, size_t size, WebSocketEvents& events) {
    if (stopped_) return false;
    if (held_ && !held_->pending.empty()) {
        // Finish the frame we already hold part of; parse out of the pending buffer.
        std::string& pending = held_->pending;
        pending.append(data, size);
        size_t offset = 0;
        while (offset < pending.size()) {
            size_t used = 0;
            auto step = parse_one(pending.data() + offset, pending.size() - offset, used, events);
            if (step == Step::Stop) return false;
            if (step == Step::NeedMore) break;
            offset += used;
        }
        pending.erase(0, offset);
        if (pending.empty()) std::string().swap(pending);
        release_if_idle(); // idle connections keep no buffer
        return true;
    }
    size_t offset = 0;
    while (offset < size) {
        size_t used = 0;
        auto step = parse_one(data + offset, size - offset, used, events);
        if (step == Step::Stop) return false;
        if (step == Step::NeedMore) {
            held().pending.assign(data + offset, size - offset);
            return true;
        }
        offset += used;
    }
    release_if_idle(); // a fragmented message completed in this read
    return true;
}

WebSocketReader::Step WebSocketReader::parse_one(char* data, size_t size, size_t& used,
                                                 WebSocketEvents& events) {
    if (size < 2) return Step::NeedMore;
    const auto b0 = static_cast<uint8_t>(data[0]);
    const auto b1 = static_cast<uint8_t>(data[1]);
    const bool fin = (b0 & 0x80) != 0;
    const int opcode = b0 & 0x0F;
    if ((b0 & 0x70) != 0) {
        fail(events, close_code::protocol_error, "reserved bits set"); // no extension is negotiated
        return Step::Stop;
    }
    if ((b1 & 0x80) == 0) {
        fail(events, close_code::protocol_error, "client frame not masked");
        return Step::Stop;
    }
    uint64_t length = b1 & 0x7F;
    size_t header = 2;
    if (length == 126) {
        if (size < 4) return Step::NeedMore;
        length = (static_cast<uint64_t>(static_cast<uint8_t>(data[2])) << 8) |
                 static_cast<uint8_t>(data[3]);
        header = 4;
    } else if (length == 127) {
        if (size < 10) return Step::NeedMore;
        length = 0;
        for (int i = 2; i < 10; ++i) length = (length << 8) | static_cast<uint8_t>(data[i]);
        header = 10;
        if ((length >> 63) != 0) {
            fail(events, close_code::protocol_error, "bad payload length");
            return Step::Stop;
        }
    }
    const bool control = (opcode & 0x8) != 0;
    if (control && (length > 125 || !fin)) {
        fail(events, close_code::protocol_error, "bad control frame");
        return Step::Stop;
    }
    // Refuse an oversized message as soon as its header says so, before buffering it.
    const uint64_t so_far = in_message_ && !control && held_ ? held_->message.size() : 0;
    if (!control && length + so_far > max_message_bytes_) {
        fail(events, close_code::too_big, "message too big");
        return Step::Stop;
    }
    if (size < header + 4 + length) return Step::NeedMore;
    uint8_t mask[4];
    std::memcpy(mask, data + header, 4);
    char* payload = data + header + 4;
    unmask(payload, static_cast<size_t>(length), mask);
    used = header + 4 + static_cast<size_t>(length);
    const std::string_view view(payload, static_cast<size_t>(length));
    const bool ok =
        control ? handle_control(opcode, view, events) : handle_data(opcode, fin, view, events);
    return ok ? Step::Consumed : Step::Stop;
}

bool WebSocketReader::handle_data(int opcode, bool fin, std::string_view payload,
                                  WebSocketEvents& events) {
    if (opcode == kContinuation) {
        if (!in_message_)
            return fail(events, close_code::protocol_error, "unexpected continuation");
        std::string& message = held().message;
        message.append(payload);
        if (!fin) return true;
        in_message_ = false;
        if (!message_binary_ && !is_valid_utf8(message)) {
            return fail(events, close_code::invalid_payload, "text message is not UTF-8");
        }
        events.on_ws_message(message_binary_, message);
        if (held_) std::string().swap(held_->message);
        return !stopped_;
    }
    if (opcode != kText && opcode != kBinary) {
        return fail(events, close_code::protocol_error, "unknown opcode");
    }
    if (in_message_) return fail(events, close_code::protocol_error, "expected a continuation");
    const bool binary = opcode == kBinary;
    if (!fin) {
        in_message_ = true;
        message_binary_ = binary;
        held().message.assign(payload);
        return true;
    }
    if (!binary && !is_valid_utf8(payload)) {
        return fail(events, close_code::invalid_payload, "text message is not UTF-8");
    }
    events.on_ws_message(binary, payload);
    return !stopped_;
}

bool WebSocketReader::handle_control(int opcode, std::string_view payload,
                                     WebSocketEvents& events) {
    switch (opcode) {
        case kPing: events.on_ws_ping(payload); return true;
        case kPong: events.on_ws_pong(); return true;
        case kClose: {
            if (payload.size() == 1)
                return fail(events, close_code::protocol_error, "bad close frame");
            uint16_t code = close_code::no_status;
            std::string_view reason;
            if (payload.size() >= 2) {
                code = static_cast<uint16_t>((static_cast<uint8_t>(payload[0]) << 8) |
                                             static_cast<uint8_t>(payload[1]));
                reason = payload.substr(2);
                if (!is_sendable_close_code(code)) {
                    return fail(events, close_code::protocol_error, "bad close code");
                }
                if (!is_valid_utf8(reason)) {
                    return fail(events, close_code::invalid_payload, "close reason is not UTF-8");
                }
            }
            stopped_ = true;
            events.on_ws_close(code, reason);
            return false;
        }
        default: return fail(events, close_code::protocol_error, "unknown opcode");
    }
}

bool WebSocketReader::fail(WebSocketEvents& events, uint16_t code, std::string_view why) {
    stopped_ = true;
    events.on_ws_error(code, why);
    return false;
}

} // namespace switchyard

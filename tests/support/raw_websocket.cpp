#include "raw_websocket.hpp"

namespace switchyard::test {

std::string websocket_upgrade_request(std::string_view path) {
    return "GET " + std::string(path) +
           " HTTP/1.1\r\n"
           "Host: 127.0.0.1\r\n"
           "Upgrade: websocket\r\n"
           "Connection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           "Sec-WebSocket-Version: 13\r\n"
           "\r\n";
}

std::string masked_client_frame(uint8_t opcode, std::string_view payload) {
    const uint8_t mask[4] = {0x37, 0xFA, 0x21, 0x3D};
    std::string out;
    out.push_back(static_cast<char>(0x80 | opcode));
    if (payload.size() < 126) {
        out.push_back(static_cast<char>(0x80 | payload.size()));
    } else {
        out.push_back(static_cast<char>(0x80 | 126));
        out.push_back(static_cast<char>((payload.size() >> 8) & 0xFF));
        out.push_back(static_cast<char>(payload.size() & 0xFF));
    }
    for (uint8_t byte : mask) out.push_back(static_cast<char>(byte));
    for (size_t i = 0; i < payload.size(); ++i)
        out.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
    return out;
}

std::vector<ServerFrame> server_frames(std::string_view received) {
    std::vector<ServerFrame> frames;
    if (received.rfind("HTTP/1.1 101", 0) != 0) return frames;
    const size_t head_end = received.find("\r\n\r\n");
    if (head_end == std::string_view::npos) return frames;
    std::string_view rest = received.substr(head_end + 4);
    while (rest.size() >= 2) {
        const auto b0 = static_cast<uint8_t>(rest[0]);
        uint64_t length = static_cast<uint8_t>(rest[1]) & 0x7F;
        size_t header = 2;
        if (length == 126) {
            if (rest.size() < 4) break;
            length = (uint64_t(uint8_t(rest[2])) << 8) | uint8_t(rest[3]);
            header = 4;
        } else if (length == 127) {
            if (rest.size() < 10) break;
            length = 0;
            for (int i = 2; i < 10; ++i) length = (length << 8) | uint8_t(rest[i]);
            header = 10;
        }
        if (rest.size() < header + length) break;
        frames.push_back({uint8_t(b0 & 0x0F), std::string(rest.substr(header, length))});
        rest.remove_prefix(header + length);
    }
    return frames;
}

size_t count_frames(std::string_view received, uint8_t opcode) {
    size_t count = 0;
    for (const auto& frame : server_frames(received)) count += frame.opcode == opcode ? 1 : 0;
    return count;
}

std::optional<uint16_t> close_code_in(std::string_view received) {
    for (const auto& frame : server_frames(received)) {
        if (frame.opcode != 0x8) continue;
        if (frame.payload.size() < 2) return uint16_t(1005);
        return uint16_t((uint8_t(frame.payload[0]) << 8) | uint8_t(frame.payload[1]));
    }
    return std::nullopt;
}

} // namespace switchyard::test

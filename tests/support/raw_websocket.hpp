// WebSocket on the wire, for tests that speak it byte by byte over a RawTcpClient: the
// upgrade request, a masked client frame, and the frames the server sent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::test {

// A GET <path> upgrade request for 127.0.0.1 (no Origin: a CLI client).
std::string websocket_upgrade_request(std::string_view path = "/ws");

// A masked client frame (FIN set) with `opcode` and `payload`.
std::string masked_client_frame(uint8_t opcode, std::string_view payload);

// One frame the server sent.
struct ServerFrame {
    uint8_t opcode = 0;
    std::string payload;
};

// The whole frames in `received` after the upgrade response's head (none when the head
// is not complete or was not 101). A partial frame at the end is left out.
std::vector<ServerFrame> server_frames(std::string_view received);

// How many frames with `opcode` are in server_frames(received).
size_t count_frames(std::string_view received, uint8_t opcode);

// The code of the first close frame in server_frames(received), if any.
std::optional<uint16_t> close_code_in(std::string_view received);

} // namespace switchyard::test

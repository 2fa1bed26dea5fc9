// SHA-1 (FIPS 180-4), only for Sec-WebSocket-Accept: a handshake check, not security.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace loadgen {

std::array<uint8_t, 20> sha1(std::string_view data);

} // namespace loadgen

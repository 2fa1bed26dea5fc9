// Base64 (RFC 4648, with padding): Sec-WebSocket-Key and Sec-WebSocket-Accept.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace loadgen {

std::string base64_encode(const uint8_t* data, size_t n);

} // namespace loadgen

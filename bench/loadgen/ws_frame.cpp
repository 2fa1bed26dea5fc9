#include "ws_frame.hpp"

namespace loadgen::ws {

void append_masked_frame(std::string& out, uint8_t opcode, const char* payload, size_t n,
                         uint32_t mask) {
    uint8_t header[14];
    size_t h = 0;
    header[h++] = uint8_t(0x80 | opcode);
    if (n < 126) {
        header[h++] = uint8_t(0x80 | n);
    } else if (n <= 0xffff) {
        header[h++] = 0x80 | 126;
        header[h++] = uint8_t(n >> 8);
        header[h++] = uint8_t(n);
    } else {
        header[h++] = 0x80 | 127;
        for (int k = 7; k >= 0; --k) header[h++] = uint8_t(uint64_t(n) >> (8 * k));
    }
    const uint8_t key[4] = {uint8_t(mask >> 24), uint8_t(mask >> 16), uint8_t(mask >> 8),
                            uint8_t(mask)};
    for (uint8_t b : key) header[h++] = b;
    const size_t start = out.size();
    out.append(reinterpret_cast<const char*>(header), h);
    out.append(payload, n);
    char* masked = out.data() + start + h;
    for (size_t k = 0; k < n; ++k) masked[k] = char(masked[k] ^ key[k & 3]);
}

} // namespace loadgen::ws

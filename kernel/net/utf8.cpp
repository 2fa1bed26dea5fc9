#include "net/utf8.hpp"

#include <cstdint>

namespace switchyard {

bool is_valid_utf8(std::string_view text) noexcept {
    const auto* p = reinterpret_cast<const uint8_t*>(text.data());
    const auto* end = p + text.size();
    while (p < end) {
        // Fast path: eight ASCII bytes at a time.
        while (end - p >= 8) {
            uint64_t word = 0;
            for (int i = 0; i < 8; ++i) word |= static_cast<uint64_t>(p[i]) << (8 * i);
            if ((word & 0x8080808080808080ULL) != 0) break;
            p += 8;
        }
        if (p == end) break;
        const uint8_t c = *p;
        if (c < 0x80) {
            ++p;
            continue;
        }
        int extra = 0;
        uint8_t lo = 0x80;
        uint8_t hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            extra = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2;
            if (c == 0xE0) lo = 0xA0; // no overlong three-byte forms
            if (c == 0xED) hi = 0x9F; // no UTF-16 surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3;
            if (c == 0xF0) lo = 0x90; // no overlong four-byte forms
            if (c == 0xF4) hi = 0x8F; // nothing past U+10FFFF
        } else {
            return false;
        }
        if (end - p <= extra) return false;
        if (p[1] < lo || p[1] > hi) return false;
        for (int i = 2; i <= extra; ++i) {
            if ((p[i] & 0xC0) != 0x80) return false;
        }
        p += extra + 1;
    }
    return true;
}

} // namespace switchyard

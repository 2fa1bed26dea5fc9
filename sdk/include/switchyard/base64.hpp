// switchyard/base64.hpp — standard base64 (RFC 4648, section 4) for plugins.
//
// DESIGN.md carries binary client frames over the bus as `{"binary": "<base64>"}`, and
// plugins include only the SDK, so the SDK brings the codec. The decoder is strict: the
// text must be padded to a multiple of 4, use the standard alphabet only (no whitespace,
// no URL-safe letters) and have zero bits after the last byte, so that one byte string
// has exactly one accepted encoding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard::base64 {

// The length of the encoding of `bytes` bytes (padding included).
constexpr size_t encoded_size(size_t bytes) noexcept {
    return (bytes + 2) / 3 * 4;
}

// Appends the padded base64 encoding of `bytes` to `out`.
inline void append_encoded(std::string& out, std::string_view bytes) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    out.reserve(out.size() + encoded_size(bytes.size()));
    size_t i = 0;
    auto byte = [&](size_t at) {
        return static_cast<uint32_t>(static_cast<unsigned char>(bytes[at]));
    };
    for (; i + 3 <= bytes.size(); i += 3) {
        const uint32_t n = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
        out.push_back(kAlphabet[n >> 18 & 63]);
        out.push_back(kAlphabet[n >> 12 & 63]);
        out.push_back(kAlphabet[n >> 6 & 63]);
        out.push_back(kAlphabet[n & 63]);
    }
    const size_t rest = bytes.size() - i;
    if (rest == 0) return;
    const uint32_t n = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0);
    out.push_back(kAlphabet[n >> 18 & 63]);
    out.push_back(kAlphabet[n >> 12 & 63]);
    out.push_back(rest == 2 ? kAlphabet[n >> 6 & 63] : '=');
    out.push_back('=');
}

// The padded base64 encoding of `bytes`.
inline std::string encode(std::string_view bytes) {
    std::string out;
    append_encoded(out, bytes);
    return out;
}

// The bytes `text` encodes, or nullopt when it is not strict, padded, standard base64.
inline std::optional<std::string> decode(std::string_view text) {
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    if (text.size() % 4 != 0) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (size_t i = 0; i < text.size(); i += 4) {
        const bool last = i + 4 == text.size();
        const size_t padding = !last ? 0 : text[i + 3] != '=' ? 0 : text[i + 2] != '=' ? 1 : 2;
        uint32_t n = 0;
        for (size_t k = 0; k < 4; ++k) {
            if (k >= 4 - padding) {
                n <<= 6;
                continue;
            }
            const int v = value(text[i + k]);
            if (v < 0) return std::nullopt;
            n = n << 6 | static_cast<uint32_t>(v);
        }
        // Bits after the last encoded byte must be zero ("QQ==" is "A", "QR==" is not).
        if ((padding == 1 && (n & 0xFF) != 0) || (padding == 2 && (n & 0xFFFF) != 0))
            return std::nullopt;
        out.push_back(static_cast<char>(n >> 16 & 0xFF));
        if (padding < 2) out.push_back(static_cast<char>(n >> 8 & 0xFF));
        if (padding < 1) out.push_back(static_cast<char>(n & 0xFF));
    }
    return out;
}

} // namespace switchyard::base64

#include "net/header_field.hpp"

#include "auth/http_fields.hpp"

#include <array>

namespace switchyard {

namespace {

// RFC 9110 section 5.6.2: tchar.
bool is_token_char(unsigned char c) noexcept {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
    constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
    return kSymbols.find(static_cast<char>(c)) != std::string_view::npos;
}

} // namespace

bool is_valid_header_field(std::string_view name, std::string_view value) noexcept {
    if (name.empty()) return false;
    for (const char c : name) {
        if (!is_token_char(static_cast<unsigned char>(c))) return false;
    }
    for (const char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && u != '\t') || u == 0x7f) return false;
    }
    return true;
}

bool is_sse_head_header(std::string_view name) noexcept {
    constexpr std::array<std::string_view, 6> kOwn = {"Content-Type",      "Cache-Control",
                                                      "X-Accel-Buffering", "Connection",
                                                      "Content-Length",    "Transfer-Encoding"};
    for (const auto own : kOwn) {
        if (auth::iequals(name, own)) return true;
    }
    return false;
}

} // namespace switchyard

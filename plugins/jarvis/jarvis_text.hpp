// Text helpers the jarvis files share: ASCII case folding and percent-decoding.
//
// HTTP names (headers, schemes, host names, auth schemes) compare ASCII
// case-insensitively; the SDK has no helper for it, so the plugin keeps one copy here
// rather than one per file. Locale-free on purpose: std::tolower would follow the
// process locale, and a wire protocol must not.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace switchyard::jarvis {

// `c` in lower case when it is an ASCII letter; any other byte as it is.
constexpr char ascii_lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Whether `a` and `b` are equal but for the case of ASCII letters.
constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
}

// Whether `text` starts with `prefix`, ignoring the case of ASCII letters.
constexpr bool istarts_with(std::string_view text, std::string_view prefix) noexcept {
    return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

namespace detail {
constexpr int hex_digit_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
} // namespace detail

// One pass of percent-decoding (and '+' as a space when `plus_as_space`, as in a query,
// the way the kernel reads query parameters); nullopt on a '%' not followed by two hex
// digits.
inline std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c != '%') {
            out.push_back(plus_as_space && c == '+' ? ' ' : c);
            continue;
        }
        if (i + 2 >= text.size()) return std::nullopt;
        const int high = detail::hex_digit_value(text[i + 1]);
        const int low = detail::hex_digit_value(text[i + 2]);
        if (high < 0 || low < 0) return std::nullopt;
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
    }
    return out;
}

} // namespace switchyard::jarvis

// switchyard/json_scan.hpp — stepping over JSON text without parsing it.
//
// For code that copies parts of a JSON text as they are written (splice_data in
// json_splice.hpp, the kernel's publish path): where a string, a value or the whitespace
// ends. It checks only what it needs to find those ends; a text that must be valid JSON
// is checked with a parser first.
#pragma once

#include <cstddef>
#include <cstring>
#include <string_view>

namespace switchyard::json {

// The index of the first character at or after `i` that is not JSON whitespace.
inline size_t skip_space(std::string_view text, size_t i) noexcept {
    while (i < text.size() &&
           (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
        ++i;
    return i;
}

// `i` at an opening quote: the index just past the closing one; npos when unterminated.
// memchr finds the next quote; an odd run of backslashes before it escapes it.
inline size_t skip_string(std::string_view text, size_t i) noexcept {
    for (size_t from = i + 1; from < text.size();) {
        const void* hit = std::memchr(text.data() + from, '"', text.size() - from);
        if (hit == nullptr) return std::string_view::npos;
        const size_t quote = static_cast<size_t>(static_cast<const char*>(hit) - text.data());
        size_t backslashes = 0;
        while (quote - backslashes > i + 1 && text[quote - backslashes - 1] == '\\') ++backslashes;
        if (backslashes % 2 == 0) return quote + 1;
        from = quote + 1;
    }
    return std::string_view::npos;
}

// `i` at a value: the index just past it (a number or literal ends at the next delimiter);
// npos when a string or a bracket is left open.
inline size_t skip_value(std::string_view text, size_t i) noexcept {
    if (i >= text.size()) return std::string_view::npos;
    const char first = text[i];
    if (first == '"') return skip_string(text, i);
    if (first == '{' || first == '[') {
        size_t depth = 0;
        while (i < text.size()) {
            const char c = text[i];
            if (c == '"') {
                i = skip_string(text, i);
                if (i == std::string_view::npos) return i;
                continue;
            }
            if (c == '{' || c == '[') ++depth;
            if ((c == '}' || c == ']') && --depth == 0) return i + 1;
            ++i;
        }
        return std::string_view::npos;
    }
    while (i < text.size() && text[i] != ',' && text[i] != '}' && text[i] != ']' &&
           text[i] != ' ' && text[i] != '\t' && text[i] != '\n' && text[i] != '\r')
        ++i;
    return i;
}

} // namespace switchyard::json

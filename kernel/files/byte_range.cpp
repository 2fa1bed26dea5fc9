#include "files/byte_range.hpp"

#include <charconv>

namespace switchyard {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Digits only, no sign, no overflow; false otherwise.
bool parse_number(std::string_view text, uint64_t& out) {
    if (text.empty()) return false;
    for (char c : text) {
        if (c < '0' || c > '9') return false;
    }
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

} // namespace

ByteRange parse_byte_range(std::string_view header, uint64_t size) {
    ByteRange whole;
    header = trim(header);
    constexpr std::string_view kUnit = "bytes=";
    if (header.size() < kUnit.size()) return whole;
    for (size_t i = 0; i < kUnit.size(); ++i) {
        const char c = header[i];
        if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != kUnit[i]) return whole;
    }
    const std::string_view spec = trim(header.substr(kUnit.size()));
    if (spec.find(',') != std::string_view::npos) return whole; // several ranges: all of it
    const size_t dash = spec.find('-');
    if (dash == std::string_view::npos) return whole;
    const std::string_view from = trim(spec.substr(0, dash));
    const std::string_view to = trim(spec.substr(dash + 1));
    ByteRange range;
    range.kind = ByteRange::Kind::Part;
    if (from.empty()) {
        // The last n bytes ("-0" asks for none of them).
        uint64_t n = 0;
        if (!parse_number(to, n)) return whole;
        if (n == 0 || size == 0) return ByteRange{ByteRange::Kind::Unsatisfiable};
        range.first = n >= size ? 0 : size - n;
        range.last = size - 1;
        return range;
    }
    uint64_t first = 0;
    if (!parse_number(from, first)) return whole;
    uint64_t last = size == 0 ? 0 : size - 1;
    if (!to.empty()) {
        if (!parse_number(to, last) || last < first) return whole; // invalid: ignored
        if (size != 0 && last >= size) last = size - 1;
    }
    if (first >= size) return ByteRange{ByteRange::Kind::Unsatisfiable};
    range.first = first;
    range.last = last;
    return range;
}

} // namespace switchyard

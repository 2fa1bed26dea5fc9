#include "http_head.hpp"

#include <charconv>
#include <cstring>

namespace loadgen {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? char(c + 32) : c;
}

} // namespace

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t k = 0; k < a.size(); ++k) {
        if (lower(a[k]) != lower(b[k])) return false;
    }
    return true;
}

const std::string_view* ResponseHead::field(std::string_view name) const {
    for (const auto& [key, value] : fields) {
        if (iequals(key, name)) return &value;
    }
    return nullptr;
}

bool ResponseHead::has_token(std::string_view name, std::string_view token) const {
    for (const auto& [key, value] : fields) {
        if (!iequals(key, name)) continue;
        std::string_view rest = value;
        while (!rest.empty()) {
            const size_t comma = rest.find(',');
            if (iequals(trim(rest.substr(0, comma)), token)) return true;
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
    }
    return false;
}

size_t find_head_end(const char* p, size_t n, size_t from) {
    const size_t start = from > 3 ? from - 3 : 0;
    if (n < start + 4) return std::string_view::npos;
    const void* at = memmem(p + start, n - start, "\r\n\r\n", 4);
    return at == nullptr ? std::string_view::npos : size_t(static_cast<const char*>(at) - p) + 4;
}

bool parse_response_head(std::string_view head, ResponseHead& out, std::string& error) {
    out.status = 0;
    out.fields.clear();
    size_t eol = head.find("\r\n");
    const std::string_view status_line = head.substr(0, eol);
    // "HTTP/1.1 101 Switching Protocols"
    if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12 || status_line[8] != ' ') {
        error = "not an HTTP/1.x response: '" + std::string(status_line.substr(0, 60)) + "'";
        return false;
    }
    auto [end, ec] = std::from_chars(status_line.data() + 9, status_line.data() + 12, out.status);
    if (ec != std::errc() || end != status_line.data() + 12 || out.status < 100) {
        error = "bad HTTP status line: '" + std::string(status_line.substr(0, 60)) + "'";
        return false;
    }
    while (eol != std::string_view::npos) {
        const size_t start = eol + 2;
        eol = head.find("\r\n", start);
        const std::string_view line = head.substr(start, eol - start);
        if (line.empty()) break;
        const size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) {
            error = "bad HTTP header line: '" + std::string(line.substr(0, 60)) + "'";
            return false;
        }
        out.fields.emplace_back(line.substr(0, colon), trim(line.substr(colon + 1)));
    }
    return true;
}

} // namespace loadgen

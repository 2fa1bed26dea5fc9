#include "auth/url_decoding.hpp"

#include <cstddef>

namespace switchyard::auth {

namespace {

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

} // namespace

std::optional<std::string> percent_decode(std::string_view s, bool plus_as_space) {
    std::string decoded;
    decoded.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '%') {
            if (i + 2 >= s.size()) return std::nullopt;
            const int high = hex_value(s[i + 1]);
            const int low = hex_value(s[i + 2]);
            if (high < 0 || low < 0) return std::nullopt;
            decoded.push_back(static_cast<char>(high * 16 + low));
            i += 2;
        } else {
            decoded.push_back(plus_as_space && c == '+' ? ' ' : c);
        }
    }
    return decoded;
}

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
    while (!query.empty()) {
        const size_t end = query.find('&');
        const std::string_view pair = query.substr(0, end);
        query = end == std::string_view::npos ? std::string_view{} : query.substr(end + 1);
        const size_t equals = pair.find('=');
        const std::optional<std::string> key = percent_decode(pair.substr(0, equals), true);
        if (!key || *key != name) continue;
        if (equals == std::string_view::npos) return std::string();
        return percent_decode(pair.substr(equals + 1), true);
    }
    return std::nullopt;
}

} // namespace switchyard::auth

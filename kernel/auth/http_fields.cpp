#include "auth/http_fields.hpp"

#include <cstddef>

namespace switchyard::auth {

namespace {

char ascii_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}

bool is_whitespace(char c) noexcept {
    return c == ' ' || c == '\t';
}

// HTTP's optional whitespace (spaces and tabs) removed from both ends.
std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && is_whitespace(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_whitespace(s.back())) s.remove_suffix(1);
    return s;
}

std::string_view unquote(std::string_view value) noexcept {
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        return value.substr(1, value.size() - 2);
    }
    return value;
}

} // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
}

std::optional<std::string_view> bearer_token(std::string_view authorization_header) noexcept {
    constexpr std::string_view scheme = "Bearer";
    const std::string_view value = trim(authorization_header);
    if (value.size() <= scheme.size() || !iequals(value.substr(0, scheme.size()), scheme) ||
        !is_whitespace(value[scheme.size()])) {
        return std::nullopt;
    }
    const std::string_view token = trim(value.substr(scheme.size()));
    if (token.empty()) return std::nullopt;
    return token;
}

std::optional<std::string_view> cookie_value(std::string_view cookie_header,
                                             std::string_view name) noexcept {
    while (!cookie_header.empty()) {
        const size_t end = cookie_header.find(';');
        const std::string_view pair = trim(cookie_header.substr(0, end));
        cookie_header =
            end == std::string_view::npos ? std::string_view{} : cookie_header.substr(end + 1);
        const size_t equals = pair.find('=');
        if (equals == std::string_view::npos) continue;
        if (trim(pair.substr(0, equals)) == name) return unquote(trim(pair.substr(equals + 1)));
    }
    return std::nullopt;
}

} // namespace switchyard::auth

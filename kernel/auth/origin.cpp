#include "auth/origin.hpp"

#include "auth/http_fields.hpp"

#include <algorithm>
#include <cstddef>

namespace switchyard::auth {

namespace {

constexpr size_t kMaxPortDigits = 5;

bool is_alpha(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}
bool is_hex(char c) noexcept {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    }
    return out;
}

// RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
bool is_valid_scheme(std::string_view s) noexcept {
    if (s.empty() || !is_alpha(s.front())) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.';
    });
}

// A DNS name or IPv4 address (RFC 3986 reg-name without percent escapes).
bool is_valid_host_name(std::string_view s) noexcept {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
    });
}

// The inside of "[...]": an IPv6 address, possibly with an embedded IPv4 tail.
bool is_valid_ipv6(std::string_view s) noexcept {
    return s.find(':') != std::string_view::npos && std::all_of(s.begin(), s.end(), [](char c) {
               return is_hex(c) || c == ':' || c == '.';
           });
}

std::optional<uint16_t> parse_port(std::string_view s) noexcept {
    if (s.empty() || s.size() > kMaxPortDigits) return std::nullopt;
    uint32_t port = 0;
    for (char c : s) {
        if (!is_digit(c)) return std::nullopt;
        port = port * 10 + uint32_t(c - '0');
    }
    if (port > 65535) return std::nullopt;
    return static_cast<uint16_t>(port);
}

uint16_t default_port(std::string_view scheme) noexcept {
    if (scheme == "http" || scheme == "ws") return 80;
    if (scheme == "https" || scheme == "wss") return 443;
    return 0;
}

// Splits "host[:port]" or "[v6]:port" into the host (brackets removed) and the port text
// (nullopt when no ':' follows the host).
bool split_authority(std::string_view authority, std::string_view& host,
                     std::optional<std::string_view>& port) {
    size_t host_end = 0;
    if (!authority.empty() && authority.front() == '[') {
        const size_t close = authority.find(']');
        if (close == std::string_view::npos) return false;
        host = authority.substr(1, close - 1);
        if (!is_valid_ipv6(host)) return false;
        host_end = close + 1;
    } else {
        host_end = std::min(authority.find(':'), authority.size());
        host = authority.substr(0, host_end);
        if (!is_valid_host_name(host)) return false;
    }
    const std::string_view rest = authority.substr(host_end);
    if (rest.empty()) return true;
    if (rest.front() != ':') return false;
    port = rest.substr(1);
    return true;
}

} // namespace

std::optional<OriginParts> parse_origin(std::string_view origin) {
    const size_t separator = origin.find("://");
    if (separator == std::string_view::npos) return std::nullopt;
    const std::string_view scheme = origin.substr(0, separator);
    if (!is_valid_scheme(scheme)) return std::nullopt;

    std::string_view host;
    std::optional<std::string_view> port_text;
    if (!split_authority(origin.substr(separator + 3), host, port_text)) return std::nullopt;

    OriginParts parts{lower(scheme), lower(host), 0};
    if (port_text) {
        const std::optional<uint16_t> port = parse_port(*port_text);
        if (!port) return std::nullopt;
        parts.port = *port;
    } else {
        parts.port = default_port(parts.scheme);
    }
    return parts;
}

bool origin_host_allowed(std::string_view origin_header, bool origin_present,
                         const std::vector<std::string>& hosts) {
    if (!origin_present) return true;
    const std::optional<OriginParts> origin = parse_origin(origin_header);
    if (!origin) return false;
    return std::any_of(hosts.begin(), hosts.end(), [&](std::string_view allowed) {
        if (allowed.size() >= 2 && allowed.front() == '[' && allowed.back() == ']') {
            allowed = allowed.substr(1, allowed.size() - 2);
        }
        return iequals(origin->host, allowed);
    });
}

} // namespace switchyard::auth

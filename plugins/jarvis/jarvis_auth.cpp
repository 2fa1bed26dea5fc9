#include "jarvis_auth.hpp"

#include "jarvis_text.hpp"

namespace switchyard::jarvis {

std::string query_without(std::string_view query, std::string_view name) {
    std::string out;
    while (!query.empty()) {
        const size_t amp = query.find('&');
        const std::string_view part = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (part.empty()) continue;
        // Compared decoded, as the kernel's query_param reads names: "%74oken=..." is
        // the token for it, so it must go too, or the redirect would keep the token in
        // the URL and set the cookie again on every visit (a redirect loop).
        const std::optional<std::string> key = percent_decode(part.substr(0, part.find('=')), true);
        if (key && *key == name) continue;
        if (!out.empty()) out += '&';
        out += part;
    }
    return out;
}

std::string local_redirect_target(std::string_view path, std::string_view query) {
    std::string out = "/";
    while (!path.empty() && path.front() == '/') path.remove_prefix(1);
    for (char c : path) {
        if (c == '\\') {
            out += "%5C";
        } else {
            out += c;
        }
    }
    if (!query.empty()) {
        out += '?';
        out += query;
    }
    return out;
}

bool forwarded_proto_is_https(std::string_view header) {
    header = header.substr(0, header.find(','));
    while (!header.empty() && (header.front() == ' ' || header.front() == '\t'))
        header.remove_prefix(1);
    while (!header.empty() && (header.back() == ' ' || header.back() == '\t'))
        header.remove_suffix(1);
    return iequals(header, "https");
}

std::string token_cookie(std::string_view token, bool secure) {
    std::string cookie = "token=" + std::string(token) + "; Path=/; SameSite=Lax; HttpOnly";
    if (secure) cookie += "; Secure";
    return cookie;
}

std::optional<std::string_view> bearer_credentials(std::string_view authorization) {
    constexpr std::string_view kBearer = "Bearer ";
    if (authorization.size() <= kBearer.size() || !istarts_with(authorization, kBearer))
        return std::nullopt;
    return authorization.substr(kBearer.size());
}

std::string normalize_origin(std::string_view origin) {
    std::string lower;
    for (char c : origin) lower.push_back(ascii_lower(c));
    if (!lower.empty() && lower.back() == '/') lower.pop_back();
    std::string_view rest(lower);
    if (rest.starts_with("http://")) {
        rest.remove_prefix(7);
    } else if (rest.starts_with("https://")) {
        rest.remove_prefix(8);
    } else {
        return {};
    }
    if (rest.empty()) return {};
    for (char c : rest) {
        // An origin is scheme, host and port: no path, query, fragment or credentials.
        const bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                             c == '-' || c == ':' || c == '[' || c == ']' || c == '_';
        if (!allowed) return {};
    }
    return lower;
}

bool origin_allowed(std::optional<std::string_view> origin, std::string_view host_header,
                    std::string_view public_origin) {
    if (!origin) return true;
    const std::string normalized = normalize_origin(*origin);
    if (normalized.empty()) return false; // "null", a path, another scheme
    if (normalized == public_origin) return true;
    const std::string_view authority =
        std::string_view(normalized).substr(normalized.find("://") + 3);
    return !host_header.empty() && iequals(authority, host_header);
}

std::string default_public_origin(uint16_t port) {
    return "http://localhost:" + std::to_string(port);
}

} // namespace switchyard::jarvis

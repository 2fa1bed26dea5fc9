#include "net/follow_url.hpp"

#include "auth/http_fields.hpp"

#include <charconv>

namespace switchyard {

namespace {

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
}

bool is_ipv6_char(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
           c == '.';
}

// Printable ASCII but space: what a request target may hold as it is.
bool is_target_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f;
}

std::optional<FollowUrl> refuse(std::string& why, std::string reason) {
    why = std::move(reason);
    return std::nullopt;
}

} // namespace

std::optional<FollowUrl> parse_follow_url(std::string_view url, std::string& why) {
    constexpr std::string_view kScheme = "http://";
    if (url.size() < kScheme.size() || !auth::iequals(url.substr(0, kScheme.size()), kScheme))
        return refuse(why, "only http:// urls can be followed");
    url.remove_prefix(kScheme.size());
    if (const size_t hash = url.find('#'); hash != std::string_view::npos)
        url = url.substr(0, hash);
    for (const char c : url) {
        if (!is_target_char(c)) return refuse(why, "the url holds a space or a control byte");
    }
    const size_t authority_end = url.find_first_of("/?");
    const std::string_view authority = url.substr(0, authority_end);
    std::string_view target =
        authority_end == std::string_view::npos ? std::string_view() : url.substr(authority_end);
    if (authority.find('@') != std::string_view::npos)
        return refuse(why, "user info in a url is not supported");

    FollowUrl out;
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        const size_t close = authority.find(']');
        if (close == std::string_view::npos) return refuse(why, "an IPv6 host lacks its ']'");
        const std::string_view address = authority.substr(1, close - 1);
        if (address.empty()) return refuse(why, "the url names no host");
        for (const char c : address) {
            if (!is_ipv6_char(c)) return refuse(why, "malformed IPv6 host");
        }
        out.host = address;
        const std::string_view rest = authority.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return refuse(why, "junk after the IPv6 host");
            port = rest.substr(1);
            if (port.empty()) return refuse(why, "an empty port");
        }
    } else {
        const size_t colon = authority.find(':');
        out.host = authority.substr(0, colon);
        if (colon != std::string_view::npos) {
            port = authority.substr(colon + 1);
            if (port.empty()) return refuse(why, "an empty port");
        }
        if (out.host.empty()) return refuse(why, "the url names no host");
        for (const char c : out.host) {
            if (!is_name_char(c)) return refuse(why, "malformed host name");
        }
    }
    if (!port.empty()) {
        unsigned value = 0;
        const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
            return refuse(why, "the port must be a number from 1 to 65535");
        out.port = static_cast<uint16_t>(value);
    }
    out.target =
        target.empty() || target.front() != '/' ? "/" + std::string(target) : std::string(target);
    const bool ipv6 = out.host.find(':') != std::string::npos;
    out.host_header = ipv6 ? "[" + out.host + "]" : out.host;
    if (out.port != 80) out.host_header += ":" + std::to_string(out.port);
    return out;
}

} // namespace switchyard

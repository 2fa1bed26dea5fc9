#include "control/same_origin.hpp"

#include "auth/origin.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <string>

namespace switchyard {

namespace {

struct HostPort {
    std::string host; // lower-cased, without IPv6 brackets
    std::optional<uint16_t> port;
};

std::optional<HostPort> parse_host(std::string_view text) {
    HostPort out;
    std::string_view port_text;
    if (text.starts_with("[")) {
        const auto close = text.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        out.host = std::string(text.substr(1, close - 1));
        const auto rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return std::nullopt;
            port_text = rest.substr(1);
        }
    } else {
        const auto colon = text.find(':');
        out.host = std::string(text.substr(0, colon));
        if (colon != std::string_view::npos) port_text = text.substr(colon + 1);
        if (port_text.find(':') != std::string_view::npos) return std::nullopt;
    }
    if (out.host.empty()) return std::nullopt;
    std::transform(out.host.begin(), out.host.end(), out.host.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!port_text.empty()) {
        uint16_t port = 0;
        const auto [end, ec] =
            std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (ec != std::errc() || end != port_text.data() + port_text.size()) return std::nullopt;
        out.port = port;
    }
    return out;
}

bool is_loopback_address(const std::string& host) {
    in_addr v4{};
    if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
    return false;
}

} // namespace

bool loopback_host(std::string_view host, std::string_view listen_host) {
    const auto target = parse_host(host);
    if (!target) return false;
    const std::string& name = target->host;
    if (name == "localhost" || name.ends_with(".localhost")) return true;
    if (is_loopback_address(name)) return true;
    std::string listen(listen_host); // an IP literal, IPv6 without brackets
    std::transform(listen.begin(), listen.end(), listen.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return !listen.empty() && listen == name;
}

bool same_origin(std::string_view origin, std::string_view host) {
    const auto parts = auth::parse_origin(origin);
    if (!parts || (parts->scheme != "http" && parts->scheme != "https")) return false;
    const auto target = parse_host(host);
    if (!target) return false;
    const uint16_t default_port = parts->scheme == "https" ? 443 : 80;
    return parts->host == target->host && parts->port == target->port.value_or(default_port);
}

} // namespace switchyard

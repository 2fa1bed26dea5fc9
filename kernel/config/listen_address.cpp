#include "config/listen_address.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace switchyard {

namespace {

bool is_ipv4_literal(const std::string& host) {
    in_addr parsed{};
    return inet_pton(AF_INET, host.c_str(), &parsed) == 1;
}

bool is_ipv6_literal(const std::string& host) {
    in6_addr parsed{};
    return inet_pton(AF_INET6, host.c_str(), &parsed) == 1;
}

// Every character a digit, so "+80", " 80" and "80x" are refused rather than half-read.
std::optional<uint16_t> parse_port(std::string_view text, std::string& reason) {
    if (text.empty()) {
        reason = "missing port";
        return std::nullopt;
    }
    for (char c : text) {
        if (c < '0' || c > '9') {
            reason = "port is not a number";
            return std::nullopt;
        }
    }
    uint32_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || value > 65535) {
        reason = "port out of range";
        return std::nullopt;
    }
    return static_cast<uint16_t>(value);
}

struct HostAndPort {
    std::string_view host;
    std::string_view port;
    bool bracketed = false;
};

std::optional<HostAndPort> split_host_and_port(std::string_view text, std::string& reason) {
    if (text.empty()) {
        reason = "empty address, expected host:port";
        return std::nullopt;
    }
    if (text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos) {
            reason = "missing ']' after the IPv6 address";
            return std::nullopt;
        }
        if (close + 1 >= text.size() || text[close + 1] != ':') {
            reason = "missing port, expected [ipv6]:port";
            return std::nullopt;
        }
        return HostAndPort{text.substr(1, close - 1), text.substr(close + 2), true};
    }
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        reason = "missing port, expected host:port";
        return std::nullopt;
    }
    if (text.find(':') != colon) {
        reason = "an IPv6 address must be written in brackets: [ipv6]:port";
        return std::nullopt;
    }
    return HostAndPort{text.substr(0, colon), text.substr(colon + 1), false};
}

// The host as the socket layer takes it, or nullopt with the reason.
std::optional<std::string> normalize_host(const HostAndPort& parts, std::string& reason) {
    std::string host{parts.host};
    if (parts.bracketed) {
        if (is_ipv6_literal(host)) return host;
        reason = "not an IPv6 address inside the brackets";
        return std::nullopt;
    }
    if (host.empty()) {
        reason = "missing host, expected host:port";
        return std::nullopt;
    }
    if (host == "localhost") return std::string{"127.0.0.1"};
    if (host == "*") return std::string{"0.0.0.0"};
    if (is_ipv4_literal(host)) return host;
    reason = "host must be an IP address, localhost or *";
    return std::nullopt;
}

} // namespace

std::string ListenAddress::to_string() const {
    bool ipv6 = host.find(':') != std::string::npos;
    std::string text = ipv6 ? "[" + host + "]" : host;
    return text + ":" + std::to_string(port);
}

std::optional<ListenAddress> parse_listen_address(std::string_view text, std::string* reason) {
    std::string why;
    std::optional<ListenAddress> result;
    if (auto parts = split_host_and_port(text, why)) {
        auto host = normalize_host(*parts, why);
        auto port = host ? parse_port(parts->port, why) : std::nullopt;
        if (host && port) result = ListenAddress{std::move(*host), *port};
    }
    if (!result && reason) *reason = why;
    return result;
}

} // namespace switchyard

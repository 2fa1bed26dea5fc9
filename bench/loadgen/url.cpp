#include "url.hpp"

#include <charconv>

namespace loadgen {

namespace {

bool parse_port(std::string_view text, uint16_t& port) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535)
        return false;
    port = uint16_t(value);
    return true;
}

} // namespace

bool parse_url(std::string_view text, Url& out, std::string& error) {
    out = Url{};
    out.text = std::string(text);
    std::string_view rest;
    if (text.starts_with("ws://")) {
        out.scheme = Url::Scheme::ws;
        rest = text.substr(5);
    } else if (text.starts_with("http://")) {
        out.scheme = Url::Scheme::http;
        rest = text.substr(7);
    } else if (text.starts_with("wss://") || text.starts_with("https://")) {
        error = "'" + out.text + "': TLS is not supported (use ws:// or http://)";
        return false;
    } else {
        error = "'" + out.text + "': the URL must start with ws:// or http://";
        return false;
    }
    if (auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
    const size_t slash = rest.find_first_of("/?");
    const std::string_view authority = rest.substr(0, slash);
    const std::string_view path = slash == std::string_view::npos ? "/" : rest.substr(slash);
    if (path[0] == '?') out.target += '/'; // "host?query" means "/?query"
    out.target.append(path);
    out.authority = std::string(authority);
    if (authority.find('@') != std::string_view::npos) {
        error = "'" + out.text + "': user information in the URL is not supported";
        return false;
    }
    std::string_view host = authority;
    std::string_view port;
    if (authority.starts_with('[')) { // [IPv6]:port
        const size_t close = authority.find(']');
        if (close == std::string_view::npos) {
            error = "'" + out.text + "': unterminated IPv6 address";
            return false;
        }
        host = authority.substr(1, close - 1);
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after[0] != ':') {
                error = "'" + out.text + "': unexpected text after the IPv6 address";
                return false;
            }
            port = after.substr(1);
        }
    } else if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    if (host.empty()) {
        error = "'" + out.text + "': no host";
        return false;
    }
    out.host = std::string(host);
    if (authority.find(':') != std::string_view::npos && !authority.starts_with('[') &&
        port.empty()) {
        error = "'" + out.text + "': empty port";
        return false;
    }
    if (!port.empty() && !parse_port(port, out.port)) {
        error = "'" + out.text + "': bad port '" + std::string(port) + "'";
        return false;
    }
    return true;
}

} // namespace loadgen

// The url of an event stream the kernel follows for a plugin (sy_follow_v1.url), checked
// before anything is resolved: only what can be written into a request line safely.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard {

// "http://host:port/path?query", taken apart.
struct FollowUrl {
    std::string host;        // a name, an IPv4 address, or an IPv6 address without brackets
    uint16_t port = 80;      // 80 when the url names none
    std::string target;      // the path and query sent on the request line ("/" at least)
    std::string host_header; // the Host header: host[:port], IPv6 in brackets
};

// The parts of `url`, or nothing with `why` set: a scheme other than http, user info, an
// empty or malformed host, a port outside 1..65535, a space or control byte anywhere. A
// fragment ("#...") is dropped, as a browser does.
std::optional<FollowUrl> parse_follow_url(std::string_view url, std::string& why);

} // namespace switchyard

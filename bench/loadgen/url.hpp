// The two URL shapes the load generator speaks: ws://host:port/path and
// http://host:port/path?query. No TLS, no user info: a benchmark talks to a local server.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace loadgen {

struct Url {
    enum class Scheme { ws, http };
    Scheme scheme = Scheme::ws;
    std::string text; // as given, for messages
    std::string host; // without the brackets of an IPv6 literal
    uint16_t port = 80;
    std::string authority; // host[:port] as written: the Host header
    std::string target;    // path and query, always starting with '/'
};

// Parses text into out; on failure returns false with a reason in error.
bool parse_url(std::string_view text, Url& out, std::string& error);

} // namespace loadgen

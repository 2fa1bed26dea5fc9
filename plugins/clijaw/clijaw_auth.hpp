// Who may use a clijaw endpoint: loopback peers, or others with the Bearer token; and the
// CORS headers an allowed browser Origin gets back. Pure functions (the plugin compares
// tokens and Origin hosts with the host's helpers).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchyard::clijaw {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Whether a peer address (as the kernel reports it: "127.0.0.1", "::1",
// "::ffff:127.0.0.1") is a loopback address: 127.0.0.0/8, ::1, or 127.0.0.0/8 mapped
// into IPv6.
bool is_loopback_address(std::string_view address);

// Access-Control-Allow-Origin: <origin> and Vary: Origin, for an allowed Origin.
void append_cors_headers(HeaderList& headers, std::string_view origin);

// The answer headers of a CORS preflight (OPTIONS) from an allowed Origin: the CORS headers
// above plus the methods, the request headers a client may send (Authorization,
// Content-Type, Last-Event-ID) and how long the browser may cache the answer.
void append_preflight_headers(HeaderList& headers, std::string_view origin);

} // namespace switchyard::clijaw

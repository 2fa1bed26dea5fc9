// The Origin header (RFC 6454): which web page a browser request comes from, checked against
// a plugin's allow-list to refuse cross-site WebSocket hijacking.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::auth {

// A serialized origin taken apart: "http://localhost:3000" -> {"http", "localhost", 3000}.
struct OriginParts {
    std::string scheme; // lower-cased
    std::string host;   // lower-cased; an IPv6 address without its brackets
    uint16_t port = 0;  // the explicit port, else the scheme's default (80, 443), else 0
};

// `origin` as scheme "://" host [":" port], nothing after; nullopt for "null", a path,
// user info, a bad port or anything else malformed.
std::optional<OriginParts> parse_origin(std::string_view origin);

// Whether a request's Origin passes a host allow-list: true when the header is absent
// (`origin_present` false: not a browser), false when it is unparsable (including "null"),
// otherwise whether its host equals one of `hosts` ignoring case ("[::1]" matches "::1").
bool origin_host_allowed(std::string_view origin_header, bool origin_present,
                         const std::vector<std::string>& hosts);

} // namespace switchyard::auth

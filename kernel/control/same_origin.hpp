// The control API's own origin: a browser request whose Origin is another site's is a
// cross-site request (CSRF: a "simple" POST needs no preflight) and is refused.
#pragma once

#include <string_view>

namespace switchyard {

// Whether `origin` (an Origin header: "http://127.0.0.1:7700") names the site the request
// was sent to, `host` (its Host header: "127.0.0.1:7700"): http or https, the same host
// ignoring case ("[::1]" and "::1" alike) and the same port (the scheme's default when
// either leaves it out). "null", a malformed origin or an empty Host never match.
bool same_origin(std::string_view origin, std::string_view host);

// Whether a Host header names this machine's loopback: "localhost" (or a name under
// .localhost), an address in 127.0.0.0/8 or [::1], with any port, or `listen_host` (the
// control API's configured address). With no control token the API trusts loopback
// peers; a web page whose own name was rebound to 127.0.0.1 (DNS rebinding) is such a
// peer and is same-origin with itself, but its requests carry its own name as Host.
bool loopback_host(std::string_view host, std::string_view listen_host);

} // namespace switchyard

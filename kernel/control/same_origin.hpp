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

} // namespace switchyard

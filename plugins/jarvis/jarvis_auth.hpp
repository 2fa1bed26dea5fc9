// Who may use the jarvis plugin over HTTP (seed 000's auth model and PROTOCOLS.md's Origin
// rule): the ?token= bootstrap that turns a token in a page URL into cookie `token`, the
// Bearer header /api/* takes, and which browser Origins may open /ws.
//
// Pure functions, no host and no state, so they are unit-tested on their own. Comparing a
// presented token with the configured one is the host's job (secure_equals, constant
// time); these functions only find and build the pieces around it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard::jarvis {

// --- the token bootstrap -----------------------------------------------------------

// `query` (the part after '?', percent-encoded) without its parameters named `name`. A
// parameter's name is compared percent-decoded ('+' as a space), as the kernel's
// query_param decodes it; the parameters kept stay as they were sent.
std::string query_without(std::string_view query, std::string_view name);
// The Location of the redirect that drops ?token=: `path` and `query` (may be empty) as
// one local URL. Leading slashes collapse to one and backslashes are escaped, so a path
// like "//evil.example" or "/\evil.example" cannot send the browser to another site.
std::string local_redirect_target(std::string_view path, std::string_view query);
// Whether an X-Forwarded-Proto header value says the client came over https (its first,
// client-side element, any case). A proxy terminating TLS sets it.
bool forwarded_proto_is_https(std::string_view header);
// The Set-Cookie value that keeps `token` in a browser: seed 000's attributes byte for
// byte, plus "; Secure" when the browser reached us over https (behind a TLS proxy), so
// the cookie never travels over plain http afterwards.
std::string token_cookie(std::string_view token, bool secure = false);
// The credentials of an `Authorization: Bearer <credentials>` header value (the scheme
// in any case); nullopt for another scheme or no credentials.
std::optional<std::string_view> bearer_credentials(std::string_view authorization);

// --- the Origin policy -------------------------------------------------------------

// `origin` as "scheme://host[:port]" in lower case (one trailing '/' dropped), or "" when
// it is not an http(s) origin without path, query or credentials.
std::string normalize_origin(std::string_view origin);
// Whether a WebSocket handshake's Origin is accepted: when absent (`origin` nullopt),
// when it equals `public_origin` (normalized, see normalize_origin), or when its host and
// port equal the Host header (ASCII case-insensitive).
bool origin_allowed(std::optional<std::string_view> origin, std::string_view host_header,
                    std::string_view public_origin);
// The public origin when none is configured: "http://localhost:<port>".
std::string default_public_origin(uint16_t port);

} // namespace switchyard::jarvis

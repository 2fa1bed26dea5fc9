// Reading credentials out of HTTP header values: Authorization and Cookie.
//
// Pure string functions on the header values; the returned views point into the input.
#pragma once

#include <optional>
#include <string_view>

namespace switchyard::auth {

// True when `a` and `b` are equal ignoring ASCII case.
bool iequals(std::string_view a, std::string_view b) noexcept;

// The token of an `Authorization: Bearer <token>` value. The scheme is case-insensitive and
// surrounding whitespace is ignored; nullopt for another scheme or an empty token.
std::optional<std::string_view> bearer_token(std::string_view authorization_header) noexcept;

// The value of cookie `name` (case-sensitive, first occurrence) in a `Cookie` header value
// such as "a=1; token=xyz" (RFC 6265); a double-quoted value is returned without its quotes.
std::optional<std::string_view> cookie_value(std::string_view cookie_header,
                                             std::string_view name) noexcept;

} // namespace switchyard::auth

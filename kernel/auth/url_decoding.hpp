// Decoding URL query strings, where `?token=` credentials travel.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace switchyard::auth {

// `s` with every %XX decoded (and '+' as a space when `plus_as_space`); nullopt when a '%'
// is not followed by two hex digits.
std::optional<std::string> percent_decode(std::string_view s, bool plus_as_space);

// The decoded value of the first parameter named `name` in `query` ("a=1&token=x%20y", the
// part after '?', without it). A parameter without '=' has the empty value. nullopt when
// absent or when that first value is malformed.
std::optional<std::string> query_param(std::string_view query, std::string_view name);

} // namespace switchyard::auth

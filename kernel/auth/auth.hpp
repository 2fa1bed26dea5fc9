// The kernel's authentication helpers in one include: constant-time comparison, credentials
// from headers and query strings, Origin allow-lists. Pure functions, no networking.
#pragma once

#include "auth/constant_time.hpp"
#include "auth/http_fields.hpp"
#include "auth/origin.hpp"
#include "auth/url_decoding.hpp"

#include <string_view>

namespace switchyard::auth {

// True when `authorization_header` is "Bearer <token>" with exactly `token`, compared in
// constant time. An empty `token` matches nothing: with no token configured, the caller
// decides (loopback only, say) without asking this function.
bool check_bearer(std::string_view authorization_header, std::string_view token) noexcept;

} // namespace switchyard::auth

// Checking a header a plugin hands back before the kernel writes it into a response head.
//
// The WebSocket and SSE heads are written as raw bytes, so a CR or LF in a plugin's header
// would split the head (response splitting); Beast's own fields do not check either.
#pragma once

#include <string_view>

namespace switchyard {

// True when `name` is an RFC 9110 token and `value` holds no CR, LF or NUL (other
// control bytes but tab are refused too).
bool is_valid_header_field(std::string_view name, std::string_view value) noexcept;

// True when the kernel writes header `name` itself on an SSE response head (Content-Type,
// Cache-Control, Connection, ...), so a plugin's copy is dropped rather than sent twice.
bool is_sse_head_header(std::string_view name) noexcept;

} // namespace switchyard

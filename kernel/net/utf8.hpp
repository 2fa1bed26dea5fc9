// UTF-8 validation for WebSocket text messages and close reasons (RFC 6455 section 8.1).
#pragma once

#include <string_view>

namespace switchyard {

// True when `text` is well-formed UTF-8: no overlong forms, no surrogates, nothing past
// U+10FFFF, no truncated sequence.
bool is_valid_utf8(std::string_view text) noexcept;

} // namespace switchyard

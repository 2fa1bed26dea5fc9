// Comparing secrets without telling an attacker, through timing, how much of a guess matched.
#pragma once

#include <string_view>

namespace switchyard::auth {

// True when `a` and `b` are equal. The time taken depends only on their lengths, never on
// where they differ.
bool secure_equals(std::string_view a, std::string_view b) noexcept;

} // namespace switchyard::auth

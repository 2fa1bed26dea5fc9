#include "auth/constant_time.hpp"

#include <algorithm>
#include <cstddef>

namespace switchyard::auth {

bool secure_equals(std::string_view a, std::string_view b) noexcept {
    // Walk the longer length in full, folding every difference into one accumulator; the
    // volatile keeps the compiler from turning the loop back into an early exit.
    const size_t length = std::max(a.size(), b.size());
    volatile unsigned char difference = a.size() == b.size() ? 0 : 1;
    for (size_t i = 0; i < length; ++i) {
        const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
        const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
        difference = difference | static_cast<unsigned char>(x ^ y);
    }
    return difference == 0;
}

} // namespace switchyard::auth

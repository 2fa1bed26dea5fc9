#include "random.hpp"

#include "clock.hpp"

#include <sys/random.h>

namespace loadgen {

Random::Random() : state_(0) {
    if (getrandom(&state_, sizeof state_, 0) != ssize_t(sizeof state_)) state_ = now_ns();
    if (state_ == 0) state_ = 0x9E3779B97F4A7C15ull; // xorshift must not start at zero
}

} // namespace loadgen

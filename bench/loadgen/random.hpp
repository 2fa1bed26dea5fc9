// Fast non-cryptographic randomness for WebSocket keys and masks. RFC 6455 wants them
// unpredictable to intermediaries, not secret; a xorshift seeded from getrandom() is
// plenty and costs nothing per frame.
#pragma once

#include <cstdint>

namespace loadgen {

class Random {
  public:
    Random();
    uint64_t next() {
        state_ ^= state_ >> 12;
        state_ ^= state_ << 25;
        state_ ^= state_ >> 27;
        return state_ * 0x2545F4914F6CDD1Dull;
    }
    uint32_t next32() { return uint32_t(next() >> 32); }

  private:
    uint64_t state_;
};

} // namespace loadgen

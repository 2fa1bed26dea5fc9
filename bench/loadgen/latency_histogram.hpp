// Latency distribution without storing samples: log-linear buckets (HdrHistogram's
// idea). Values below 256 ns are exact; above, each power of two is split into 128
// buckets, so a bucket is at most 1/128 (0.8%) of its value wide. 7,424 counters cover
// the whole 64-bit range in 58 KiB, and recording is a count-leading-zeros and an add.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace loadgen {

class LatencyHistogram {
  public:
    void record(uint64_t ns) {
        ++counts_[index(ns)];
        ++count_;
        if (ns > max_) max_ = ns;
    }

    uint64_t count() const { return count_; }
    uint64_t max() const { return max_; }
    // The value at quantile q (0..1): the middle of the bucket holding that rank.
    uint64_t quantile(double q) const;

  private:
    static constexpr int kSubBits = 7;                   // 128 buckets per octave
    static constexpr uint64_t kLinear = 2u << kSubBits;  // 0..255 exact
    static constexpr int kOctaves = 64 - (kSubBits + 1); // 2^8 .. 2^63
    static constexpr size_t kBuckets = kLinear + size_t(kOctaves) * (1u << kSubBits);

    static size_t index(uint64_t v) {
        if (v < kLinear) return size_t(v);
        const int exponent = 63 - __builtin_clzll(v); // >= 8
        const int shift = exponent - kSubBits;
        const uint64_t mantissa = v >> shift; // 128..255
        return size_t(kLinear + uint64_t(exponent - kSubBits - 1) * (1u << kSubBits) +
                      (mantissa - (1u << kSubBits)));
    }
    static uint64_t midpoint(size_t index);

    std::array<uint64_t, kBuckets> counts_{};
    uint64_t count_ = 0;
    uint64_t max_ = 0;
};

} // namespace loadgen

#include "latency_histogram.hpp"

#include <cmath>

namespace loadgen {

uint64_t LatencyHistogram::midpoint(size_t index) {
    if (index < kLinear) return index;
    const size_t rel = index - kLinear;
    const int exponent = int(rel >> kSubBits) + kSubBits + 1;
    const uint64_t mantissa = (rel & ((1u << kSubBits) - 1)) + (1u << kSubBits);
    const int shift = exponent - kSubBits;
    return (mantissa << shift) + (uint64_t(1) << shift) / 2;
}

uint64_t LatencyHistogram::quantile(double q) const {
    if (count_ == 0) return 0;
    uint64_t rank = uint64_t(std::ceil(q * double(count_)));
    if (rank < 1) rank = 1;
    if (rank > count_) rank = count_;
    uint64_t seen = 0;
    for (size_t k = 0; k < kBuckets; ++k) {
        seen += counts_[k];
        if (seen >= rank) {
            const uint64_t mid = midpoint(k);
            return mid < max_ ? mid : max_; // never report more than was measured
        }
    }
    return max_;
}

} // namespace loadgen

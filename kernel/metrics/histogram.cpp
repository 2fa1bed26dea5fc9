#include "metrics/histogram.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace switchyard {

Histogram::Histogram(std::initializer_list<double> bounds)
    : Histogram(std::vector<double>(bounds)) {}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
    for (size_t i = 0; i < bounds_.size(); ++i) {
        if (!std::isfinite(bounds_[i]) || (i > 0 && !(bounds_[i - 1] < bounds_[i])))
            throw std::invalid_argument("histogram bounds must be finite and increasing");
    }
}

void Histogram::observe(double value) noexcept {
    if (std::isnan(value)) { // counted in +Inf alone, kept out of the sum
        buckets_[bounds_.size()].fetch_add(1, std::memory_order_relaxed);
        return;
    }
    const auto bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
    buckets_[static_cast<size_t>(bucket)].fetch_add(1, std::memory_order_relaxed);
    double sum = sum_.load(std::memory_order_relaxed);
    while (!sum_.compare_exchange_weak(sum, sum + value, std::memory_order_relaxed)) {}
}

HistogramSnapshot Histogram::snapshot() const {
    HistogramSnapshot snapshot;
    snapshot.bounds = bounds_;
    snapshot.cumulative.resize(bounds_.size() + 1);
    uint64_t running = 0;
    for (size_t i = 0; i <= bounds_.size(); ++i) {
        running += buckets_[i].load(std::memory_order_relaxed);
        snapshot.cumulative[i] = running;
    }
    snapshot.sum = sum_.load(std::memory_order_relaxed);
    return snapshot;
}

} // namespace switchyard

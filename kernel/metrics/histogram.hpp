// A histogram with fixed bucket bounds and atomic buckets, for Prometheus.
//
// observe() costs a short search of the bounds and two relaxed atomic additions, from any
// thread, without a lock: for per-request and per-reload observations, not per frame.
#pragma once

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <vector>

namespace switchyard {

// A histogram read at one moment: the bounds, the cumulative count at or below each
// (the last entry, one past the bounds, is +Inf: every observation), and the sum.
struct HistogramSnapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative; // bounds.size() + 1 entries; the last is the count
    double sum = 0;
    uint64_t count() const noexcept { return cumulative.empty() ? 0 : cumulative.back(); }
};

class Histogram {
  public:
    // `bounds`: the buckets' upper bounds (inclusive), finite and strictly increasing;
    // throws std::invalid_argument otherwise. +Inf is implied.
    explicit Histogram(std::initializer_list<double> bounds);
    explicit Histogram(std::vector<double> bounds);

    // Counts `value` in the first bucket whose bound is at least it. Any thread.
    void observe(double value) noexcept;
    // The counts now. The buckets are read one by one, so an observation running
    // meanwhile may be seen in its bucket but not the sum, never half-counted in a bucket;
    // the count is always the +Inf bucket.
    HistogramSnapshot snapshot() const;

  private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<uint64_t>[]> buckets_; // bounds_.size() + 1, not cumulative
    std::atomic<double> sum_{0};
};

} // namespace switchyard

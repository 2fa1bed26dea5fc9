// Writes the Prometheus text exposition format (version 0.0.4): each family's # HELP and
// # TYPE lines, then its samples, label values and help text escaped as the format asks
// (backslash, double quote and newline in label values; backslash and newline in help).
// The caller names families and labels well (Prometheus' [a-zA-Z_:][a-zA-Z0-9_:]*) and
// writes each family once, its samples right after it.
#pragma once

#include "metrics/histogram.hpp"

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace switchyard {

// One label: name and value.
using MetricLabel = std::pair<std::string_view, std::string_view>;

enum class MetricType { counter, gauge, histogram };

class PrometheusWriter {
  public:
    // Starts a family: its # HELP and # TYPE lines.
    void family(std::string_view name, MetricType type, std::string_view help);
    // One sample of a counter or gauge: `name{labels} value`.
    void sample(std::string_view name, std::span<const MetricLabel> labels, uint64_t value);
    void sample(std::string_view name, std::span<const MetricLabel> labels, double value);
    void sample(std::string_view name, std::initializer_list<MetricLabel> labels, uint64_t value) {
        sample(name, std::span<const MetricLabel>(labels.begin(), labels.size()), value);
    }
    void sample(std::string_view name, std::initializer_list<MetricLabel> labels, double value) {
        sample(name, std::span<const MetricLabel>(labels.begin(), labels.size()), value);
    }
    // One histogram series of family `name`: its cumulative name_bucket{...,le="..."}
    // samples ending with le="+Inf", then name_sum and name_count.
    void histogram(std::string_view name, std::span<const MetricLabel> labels,
                   const HistogramSnapshot& snapshot);
    void histogram(std::string_view name, std::initializer_list<MetricLabel> labels,
                   const HistogramSnapshot& snapshot) {
        histogram(name, std::span<const MetricLabel>(labels.begin(), labels.size()), snapshot);
    }

    const std::string& text() const noexcept { return out_; }
    std::string take() noexcept { return std::move(out_); }

  private:
    // name{labels[,le="le"]} with a trailing space.
    void series(std::string_view name, std::string_view suffix, std::span<const MetricLabel> labels,
                std::string_view le = {});

    std::string out_;
};

// `value` escaped for a label value: \ as \\, " as \", newline as \n.
std::string escape_label_value(std::string_view value);
// `text` escaped for a # HELP line: \ as \\, newline as \n.
std::string escape_help(std::string_view text);
// A sample value as the format writes it: the shortest exact decimal, +Inf, -Inf, NaN.
std::string format_metric_value(double value);

} // namespace switchyard

// A strict reader of the Prometheus text exposition format (0.0.4), for tests of /metrics.
//
// parse_prometheus_text() refuses, with the line and what is wrong, anything a scraper
// could misread: a sample whose family has no # HELP and # TYPE before it, a family
// declared twice or its samples split, a malformed metric or label name, a label value
// with an escape other than \\, \" and \n, a duplicate label or series, a value that is
// no number, a negative counter, and a histogram series whose buckets are not cumulative,
// do not end with le="+Inf", or whose _count differs from its +Inf bucket.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::test {

using PromLabels = std::map<std::string, std::string>;

struct PromSample {
    std::string name; // the sample's own name (a histogram's x_bucket, x_sum, x_count)
    PromLabels labels;
    double value = 0;
};

struct PromFamily {
    std::string name;
    std::string type; // counter, gauge, histogram, summary, untyped
    std::string help; // unescaped
    std::vector<PromSample> samples;
};

class PromExposition {
  public:
    std::map<std::string, PromFamily> families;

    // The family `name`; throws std::runtime_error when there is none.
    const PromFamily& family(const std::string& name) const;
    // The value of the one sample named `name` whose labels are exactly `labels`;
    // nothing when there is none.
    std::optional<double> value(const std::string& name, const PromLabels& labels = {}) const;
    // value(), or throws std::runtime_error naming the series when absent.
    double at(const std::string& name, const PromLabels& labels = {}) const;
    // The sum of the samples named `name` whose labels include `subset`.
    double sum(const std::string& name, const PromLabels& subset = {}) const;
};

// Parses and checks `text`; throws std::runtime_error ("line N: ...") at the first fault.
PromExposition parse_prometheus_text(std::string_view text);

} // namespace switchyard::test

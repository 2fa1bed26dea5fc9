#include "metrics/prometheus_writer.hpp"

#include <charconv>
#include <cmath>

namespace switchyard {

namespace {

std::string_view type_name(MetricType type) {
    switch (type) {
        case MetricType::counter: return "counter";
        case MetricType::gauge: return "gauge";
        case MetricType::histogram: return "histogram";
    }
    return "untyped";
}

void append_escaped(std::string& out, std::string_view text, bool quotes) {
    for (const char c : text) {
        switch (c) {
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '"':
                if (quotes) {
                    out += "\\\"";
                    break;
                }
                [[fallthrough]];
            default: out += c;
        }
    }
}

} // namespace

std::string escape_label_value(std::string_view value) {
    std::string out;
    append_escaped(out, value, true);
    return out;
}

std::string escape_help(std::string_view text) {
    std::string out;
    append_escaped(out, text, false);
    return out;
}

std::string format_metric_value(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    // Plain decimals where they stay short (bucket bounds read "0.0001", not "1e-04"),
    // the shortest exact form otherwise.
    const double magnitude = std::fabs(value);
    const bool plain = magnitude == 0 || (magnitude >= 1e-6 && magnitude < 1e15);
    char buffer[64];
    const auto [end, ec] =
        plain ? std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed)
              : std::to_chars(buffer, buffer + sizeof buffer, value);
    return ec == std::errc() ? std::string(buffer, end) : "NaN";
}

void PrometheusWriter::family(std::string_view name, MetricType type, std::string_view help) {
    out_.append("# HELP ").append(name).append(" ");
    append_escaped(out_, help, false);
    out_.append("\n# TYPE ").append(name).append(" ").append(type_name(type)).append("\n");
}

void PrometheusWriter::series(std::string_view name, std::string_view suffix,
                              std::span<const MetricLabel> labels, std::string_view le) {
    out_.append(name).append(suffix);
    if (!labels.empty() || !le.empty()) {
        out_ += '{';
        bool first = true;
        for (const auto& [label, value] : labels) {
            if (!first) out_ += ',';
            first = false;
            out_.append(label).append("=\"");
            append_escaped(out_, value, true);
            out_ += '"';
        }
        if (!le.empty()) {
            if (!first) out_ += ',';
            out_.append("le=\"").append(le).append("\"");
        }
        out_ += '}';
    }
    out_ += ' ';
}

void PrometheusWriter::sample(std::string_view name, std::span<const MetricLabel> labels,
                              uint64_t value) {
    series(name, {}, labels);
    out_.append(std::to_string(value)).append("\n");
}

void PrometheusWriter::sample(std::string_view name, std::span<const MetricLabel> labels,
                              double value) {
    series(name, {}, labels);
    out_.append(format_metric_value(value)).append("\n");
}

void PrometheusWriter::histogram(std::string_view name, std::span<const MetricLabel> labels,
                                 const HistogramSnapshot& snapshot) {
    for (size_t i = 0; i < snapshot.cumulative.size(); ++i) {
        const std::string le = i < snapshot.bounds.size() ? format_metric_value(snapshot.bounds[i])
                                                          : std::string("+Inf");
        series(name, "_bucket", labels, le);
        out_.append(std::to_string(snapshot.cumulative[i])).append("\n");
    }
    series(name, "_sum", labels);
    out_.append(format_metric_value(snapshot.sum)).append("\n");
    series(name, "_count", labels);
    out_.append(std::to_string(snapshot.count())).append("\n");
}

} // namespace switchyard

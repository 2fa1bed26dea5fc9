#include "prometheus_text.hpp"

#include <cmath>
#include <cstdlib>
#include <set>
#include <stdexcept>

namespace switchyard::test {

namespace {

[[noreturn]] void fail(size_t line, const std::string& what) {
    throw std::runtime_error("line " + std::to_string(line) + ": " + what);
}

bool is_name_start(char c, bool colon) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}

bool is_name_char(char c, bool colon) {
    return is_name_start(c, colon) || (c >= '0' && c <= '9');
}

// A metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) or a label name ([a-zA-Z_][a-zA-Z0-9_]*).
bool valid_name(std::string_view name, bool metric) {
    if (name.empty() || !is_name_start(name.front(), metric)) return false;
    for (char c : name)
        if (!is_name_char(c, metric)) return false;
    return true;
}

double parse_value(std::string_view text, size_t line) {
    if (text == "+Inf" || text == "Inf") return INFINITY;
    if (text == "-Inf") return -INFINITY;
    if (text == "NaN") return NAN;
    const std::string copy(text);
    char* end = nullptr;
    const double value = std::strtod(copy.c_str(), &end);
    if (copy.empty() || end != copy.c_str() + copy.size() || std::isinf(value) || std::isnan(value))
        fail(line, "not a sample value: '" + copy + "'");
    return value;
}

// The family a sample named `name` belongs to, among the families declared.
std::string family_of(const std::string& name, const std::map<std::string, PromFamily>& families) {
    if (families.count(name) != 0) return name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        const std::string_view s(suffix);
        if (name.size() > s.size() && name.ends_with(s)) {
            const std::string base = name.substr(0, name.size() - s.size());
            auto it = families.find(base);
            if (it != families.end() && (it->second.type == "histogram" ||
                                         (it->second.type == "summary" && s != "_bucket")))
                return base;
        }
    }
    return {};
}

// Parses `{a="x",b="y"}` at the front of `rest`, consuming it.
PromLabels parse_labels(std::string_view& rest, size_t line) {
    PromLabels labels;
    rest.remove_prefix(1); // '{'
    while (true) {
        if (rest.empty()) fail(line, "unterminated label set");
        if (rest.front() == '}') {
            rest.remove_prefix(1);
            return labels;
        }
        const size_t eq = rest.find('=');
        if (eq == std::string_view::npos) fail(line, "a label without '='");
        const std::string name(rest.substr(0, eq));
        if (!valid_name(name, false)) fail(line, "bad label name '" + name + "'");
        rest.remove_prefix(eq + 1);
        if (rest.empty() || rest.front() != '"') fail(line, "label " + name + ": value not quoted");
        rest.remove_prefix(1);
        std::string value;
        while (true) {
            if (rest.empty()) fail(line, "label " + name + ": unterminated value");
            const char c = rest.front();
            rest.remove_prefix(1);
            if (c == '"') break;
            if (c == '\n') fail(line, "label " + name + ": raw newline in value");
            if (c != '\\') {
                value += c;
                continue;
            }
            if (rest.empty()) fail(line, "label " + name + ": dangling backslash");
            const char e = rest.front();
            rest.remove_prefix(1);
            if (e == '\\') value += '\\';
            else if (e == '"') value += '"';
            else if (e == 'n') value += '\n';
            else fail(line, "label " + name + ": unknown escape \\" + std::string(1, e));
        }
        if (!labels.emplace(name, value).second) fail(line, "label " + name + " given twice");
        if (!rest.empty() && rest.front() == ',') rest.remove_prefix(1);
        else if (rest.empty() || rest.front() != '}') fail(line, "labels not separated by ','");
    }
}

std::string unescape_help(std::string_view text, size_t line) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\\') {
            out += text[i];
            continue;
        }
        if (++i == text.size()) fail(line, "help ends with a backslash");
        if (text[i] == '\\') out += '\\';
        else if (text[i] == 'n') out += '\n';
        else fail(line, "unknown escape in help: \\" + std::string(1, text[i]));
    }
    return out;
}

std::string series_key(const PromSample& sample) {
    std::string key = sample.name + "{";
    for (const auto& [name, value] : sample.labels) key += name + "=" + value + "\x1f";
    return key + "}";
}

// The histogram rules, per series (labels without le).
void check_histogram(const PromFamily& family) {
    struct Series {
        std::vector<std::pair<double, double>> buckets; // le, cumulative count
        std::optional<double> count;
        std::optional<double> sum;
    };
    std::map<std::string, Series> series;
    for (const auto& sample : family.samples) {
        PromLabels labels = sample.labels;
        std::optional<std::string> le;
        if (auto it = labels.find("le"); it != labels.end()) {
            le = it->second;
            labels.erase(it);
        }
        PromSample bare{family.name, labels, 0};
        Series& s = series[series_key(bare)];
        const std::string what = family.name + " " + series_key(bare);
        if (sample.name == family.name + "_bucket") {
            if (!le) throw std::runtime_error(what + ": a bucket without le");
            const double bound = *le == "+Inf" ? INFINITY : parse_value(*le, 0);
            if (!s.buckets.empty() && !(s.buckets.back().first < bound))
                throw std::runtime_error(what + ": bucket bounds not increasing");
            if (!s.buckets.empty() && sample.value < s.buckets.back().second)
                throw std::runtime_error(what + ": buckets not cumulative");
            if (s.count || s.sum) throw std::runtime_error(what + ": a bucket after _sum/_count");
            s.buckets.emplace_back(bound, sample.value);
        } else if (le) {
            throw std::runtime_error(what + ": le on " + sample.name);
        } else if (sample.name == family.name + "_count") {
            s.count = sample.value;
        } else if (sample.name == family.name + "_sum") {
            s.sum = sample.value;
        } else {
            throw std::runtime_error(what + ": " + sample.name + " in a histogram");
        }
    }
    for (const auto& [key, s] : series) {
        const std::string what = family.name + " " + key;
        if (s.buckets.empty() || !std::isinf(s.buckets.back().first))
            throw std::runtime_error(what + ": the buckets do not end with le=\"+Inf\"");
        if (!s.count || !s.sum) throw std::runtime_error(what + ": _count or _sum missing");
        if (*s.count != s.buckets.back().second)
            throw std::runtime_error(what + ": _count differs from the +Inf bucket");
    }
}

} // namespace

const PromFamily& PromExposition::family(const std::string& name) const {
    auto it = families.find(name);
    if (it == families.end()) throw std::runtime_error("no metric family " + name);
    return it->second;
}

std::optional<double> PromExposition::value(const std::string& name,
                                            const PromLabels& labels) const {
    for (const auto& [family_name, family] : families) {
        for (const auto& sample : family.samples) {
            if (sample.name == name && sample.labels == labels) return sample.value;
        }
    }
    return std::nullopt;
}

double PromExposition::at(const std::string& name, const PromLabels& labels) const {
    if (auto v = value(name, labels)) return *v;
    std::string key = name + "{";
    for (const auto& [label, text] : labels) key += label + "=\"" + text + "\",";
    throw std::runtime_error("no sample " + key + "}");
}

double PromExposition::sum(const std::string& name, const PromLabels& subset) const {
    double total = 0;
    for (const auto& [family_name, family] : families) {
        for (const auto& sample : family.samples) {
            if (sample.name != name) continue;
            bool all = true;
            for (const auto& [label, text] : subset) {
                auto it = sample.labels.find(label);
                all = all && it != sample.labels.end() && it->second == text;
            }
            if (all) total += sample.value;
        }
    }
    return total;
}

PromExposition parse_prometheus_text(std::string_view text) {
    PromExposition out;
    std::set<std::string> series_seen;
    std::set<std::string> finished; // families whose samples have ended
    std::string current;            // the family whose samples come now
    size_t line_number = 0;
    if (!text.empty() && text.back() != '\n') fail(0, "the text does not end with a newline");
    while (!text.empty()) {
        ++line_number;
        const size_t end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text.remove_prefix(end + 1);
        if (line.empty()) continue;
        if (line.front() == '#') {
            std::string_view rest = line.substr(1);
            if (!rest.starts_with(" HELP ") && !rest.starts_with(" TYPE ")) continue; // comment
            const bool help = rest.starts_with(" HELP ");
            rest.remove_prefix(6);
            const size_t space = rest.find(' ');
            const std::string name(rest.substr(0, space));
            const std::string_view tail =
                space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
            if (!valid_name(name, true)) fail(line_number, "bad metric name '" + name + "'");
            if (finished.count(name) != 0 ||
                (out.families.count(name) != 0 && !out.families[name].samples.empty()))
                fail(line_number, "family " + name + " declared again after its samples");
            if (current != name && !current.empty()) finished.insert(current);
            current = name;
            PromFamily& family = out.families[name];
            family.name = name;
            if (help) {
                if (!family.help.empty()) fail(line_number, "second HELP for " + name);
                family.help = unescape_help(tail, line_number);
                if (family.help.empty()) fail(line_number, "empty HELP for " + name);
            } else {
                if (!family.type.empty()) fail(line_number, "second TYPE for " + name);
                const std::string type(tail);
                if (type != "counter" && type != "gauge" && type != "histogram" &&
                    type != "summary" && type != "untyped")
                    fail(line_number, "unknown type '" + type + "' for " + name);
                family.type = type;
            }
            continue;
        }
        PromSample sample;
        size_t name_end = 0;
        while (name_end < line.size() && line[name_end] != '{' && line[name_end] != ' ') ++name_end;
        sample.name = std::string(line.substr(0, name_end));
        if (!valid_name(sample.name, true))
            fail(line_number, "bad metric name '" + sample.name + "'");
        std::string_view rest = line.substr(name_end);
        if (!rest.empty() && rest.front() == '{') sample.labels = parse_labels(rest, line_number);
        if (rest.empty() || rest.front() != ' ') fail(line_number, "no value after the series");
        rest.remove_prefix(1);
        const size_t value_end = rest.find(' ');
        sample.value = parse_value(rest.substr(0, value_end), line_number);
        if (value_end != std::string_view::npos) { // a timestamp: an integer
            const std::string_view stamp = rest.substr(value_end + 1);
            if (stamp.empty() || stamp.find_first_not_of("-0123456789") != std::string_view::npos)
                fail(line_number, "bad timestamp");
        }
        const std::string family_name = family_of(sample.name, out.families);
        if (family_name.empty())
            fail(line_number, "sample " + sample.name + " has no # HELP and # TYPE before it");
        PromFamily& family = out.families[family_name];
        if (family.help.empty() || family.type.empty())
            fail(line_number, "family " + family_name + " lacks its HELP or its TYPE");
        if (family_name != current) fail(line_number, "samples of " + family_name + " split up");
        if (family.type == "counter" && !(sample.value >= 0))
            fail(line_number, "counter " + sample.name + " is negative or NaN");
        if (family.type != "histogram" && family.type != "summary" && sample.name != family_name)
            fail(line_number, "sample " + sample.name + " in family " + family_name);
        if (!series_seen.insert(series_key(sample)).second)
            fail(line_number, "series " + series_key(sample) + " given twice");
        family.samples.push_back(std::move(sample));
    }
    for (const auto& [name, family] : out.families) {
        if (family.help.empty() || family.type.empty())
            throw std::runtime_error("family " + name + " lacks its HELP or its TYPE");
        if (family.type == "histogram") check_histogram(family);
    }
    return out;
}

} // namespace switchyard::test

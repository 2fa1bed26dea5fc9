#include "json_line.hpp"

#include <cmath>
#include <cstdio>

namespace loadgen {

void JsonLine::key(std::string_view name) {
    if (!first_) out_ += ',';
    first_ = false;
    string(name);
    out_ += ':';
}

void JsonLine::string(std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    out_ += '"';
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out_ += '\\';
            out_ += ch;
        } else if (c < 0x20) {
            out_ += "\\u00";
            out_ += kHex[c >> 4];
            out_ += kHex[c & 15];
        } else {
            out_ += ch;
        }
    }
    out_ += '"';
}

JsonLine& JsonLine::add(std::string_view name, std::string_view value) {
    key(name);
    string(value);
    return *this;
}

JsonLine& JsonLine::add(std::string_view name, uint64_t value) {
    key(name);
    out_ += std::to_string(value);
    return *this;
}

JsonLine& JsonLine::add(std::string_view name, double value, int decimals) {
    if (!std::isfinite(value)) return null(name);
    key(name);
    number(value, decimals);
    return *this;
}

void JsonLine::number(double value, int decimals) {
    if (!std::isfinite(value)) {
        out_ += "null";
        return;
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
    out_ += buf;
}

JsonLine& JsonLine::add(std::string_view name, const std::vector<double>& values, int decimals) {
    key(name);
    out_ += '[';
    for (size_t k = 0; k < values.size(); ++k) {
        if (k > 0) out_ += ',';
        number(values[k], decimals);
    }
    out_ += ']';
    return *this;
}

JsonLine& JsonLine::add(std::string_view name, const std::vector<int>& values) {
    key(name);
    out_ += '[';
    for (size_t k = 0; k < values.size(); ++k) {
        if (k > 0) out_ += ',';
        out_ += std::to_string(values[k]);
    }
    out_ += ']';
    return *this;
}

JsonLine& JsonLine::add(std::string_view name, bool value) {
    key(name);
    out_ += value ? "true" : "false";
    return *this;
}

JsonLine& JsonLine::null(std::string_view name) {
    key(name);
    out_ += "null";
    return *this;
}

JsonLine& JsonLine::begin(std::string_view name) {
    key(name);
    out_ += '{';
    first_ = true;
    return *this;
}

JsonLine& JsonLine::end() {
    out_ += '}';
    first_ = false;
    return *this;
}

} // namespace loadgen

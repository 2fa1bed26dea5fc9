#include "json/compact_json.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <charconv>
#include <cmath>

namespace switchyard {

namespace {

void append(std::string& out, const boost::json::value& value) {
    switch (value.kind()) {
        case boost::json::kind::null: out += "null"; return;
        case boost::json::kind::bool_: out += value.get_bool() ? "true" : "false"; return;
        case boost::json::kind::int64: out += std::to_string(value.get_int64()); return;
        case boost::json::kind::uint64: out += std::to_string(value.get_uint64()); return;
        case boost::json::kind::double_: {
            const double d = value.get_double();
            if (!std::isfinite(d)) {
                out += "null"; // JSON has no infinities; Boost.JSON only yields them on overflow
                return;
            }
            char buf[32];
            auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
            out.append(buf, end);
            return;
        }
        case boost::json::kind::string: out += boost::json::serialize(value.get_string()); return;
        case boost::json::kind::array: {
            out += '[';
            bool first = true;
            for (const auto& item : value.get_array()) {
                if (!first) out += ',';
                first = false;
                append(out, item);
            }
            out += ']';
            return;
        }
        case boost::json::kind::object: {
            out += '{';
            bool first = true;
            for (const auto& field : value.get_object()) {
                if (!first) out += ',';
                first = false;
                out += boost::json::serialize(boost::json::string(field.key()));
                out += ':';
                append(out, field.value());
            }
            out += '}';
            return;
        }
    }
}

} // namespace

std::string compact_json(const boost::json::value& value) {
    std::string out;
    append(out, value);
    return out;
}

} // namespace switchyard

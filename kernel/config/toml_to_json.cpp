#include "config/toml_to_json.hpp"

#include "config/config_error.hpp"

#include <switchyard/json.hpp>

#include <charconv>
#include <cmath>
#include <sstream>

namespace switchyard {

namespace {

void append_integer(std::string& out, int64_t value) {
    out += std::to_string(value);
}

void append_float(std::string& out, double value, const toml::node& node, const std::string& file,
                  const std::string& key) {
    if (!std::isfinite(value)) {
        const auto& where = node.source().begin;
        throw ConfigError(file, static_cast<int>(where.line), static_cast<int>(where.column), key,
                          "infinity and NaN cannot be passed to a plugin as JSON");
    }
    char buffer[32];
    auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
    std::string_view text(buffer, static_cast<size_t>(end - buffer));
    out += text;
    // Keep a float a float for the plugin's JSON parser: 1.0 must not come back as 1.
    if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

// Dates and times have no JSON kind; their TOML text (RFC 3339) is what a plugin can parse.
template <typename DateOrTime>
void append_as_string(std::string& out, const DateOrTime& value) {
    std::ostringstream text;
    text << value;
    append_json_string(out, text.str());
}

void append_array(std::string& out, const toml::array& array, const std::string& file,
                  const std::string& key) {
    out += '[';
    for (size_t i = 0; i < array.size(); ++i) {
        if (i > 0) out += ',';
        append_json(out, array[i], file, key + "[" + std::to_string(i) + "]");
    }
    out += ']';
}

void append_table(std::string& out, const toml::table& table, const std::string& file,
                  const std::string& key) {
    out += '{';
    bool first = true;
    for (const auto& [name, value] : table) {
        if (!first) out += ',';
        first = false;
        append_json_string(out, name.str());
        out += ':';
        append_json(out, value, file, key + "." + std::string(name.str()));
    }
    out += '}';
}

} // namespace

void append_json_string(std::string& out, std::string_view text) {
    // toml++ has already checked the text is valid UTF-8; the SDK's escaping is the one
    // every plugin uses, so the kernel writes exactly what a plugin would.
    json::append_escaped(out, text);
}

void append_json(std::string& out, const toml::node& node, const std::string& file,
                 const std::string& key) {
    switch (node.type()) {
        case toml::node_type::string: append_json_string(out, *node.value<std::string>()); break;
        case toml::node_type::integer: append_integer(out, *node.value<int64_t>()); break;
        case toml::node_type::floating_point:
            append_float(out, *node.value<double>(), node, file, key);
            break;
        case toml::node_type::boolean: out += (*node.value<bool>() ? "true" : "false"); break;
        case toml::node_type::date: append_as_string(out, *node.value<toml::date>()); break;
        case toml::node_type::time: append_as_string(out, *node.value<toml::time>()); break;
        case toml::node_type::date_time:
            append_as_string(out, *node.value<toml::date_time>());
            break;
        case toml::node_type::array: append_array(out, *node.as_array(), file, key); break;
        case toml::node_type::table: append_table(out, *node.as_table(), file, key); break;
        case toml::node_type::none: out += "null"; break;
    }
}

} // namespace switchyard

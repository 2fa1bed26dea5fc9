// Plugin-specific config keys reach the plugin as JSON text: the kernel does not know
// their meaning, so it converts the TOML values faithfully and lets the plugin judge them.
#pragma once

#include <toml++/toml.h>

#include <string>
#include <string_view>

namespace switchyard {

// Appends `text` as a JSON string literal (quoted, escaped) to `out`.
void append_json_string(std::string& out, std::string_view text);

// Appends the compact JSON form of `node` to `out`: strings, integers, floats, booleans,
// arrays and tables map to their JSON kinds (table keys in sorted order); dates and times
// become their TOML text as strings. `file` and `key` ("plugins.groove.allowed_origins")
// name the node in errors. Throws ConfigError for infinity and NaN, which JSON cannot hold.
void append_json(std::string& out, const toml::node& node, const std::string& file,
                 const std::string& key);

} // namespace switchyard

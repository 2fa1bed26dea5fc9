// Writing values into TOML text that tests assemble.
#pragma once

#include <string>
#include <string_view>

namespace switchyard::test {

// `text` as a TOML basic string, quotes included: toml_quote("a\"b") == R"("a\"b")".
std::string toml_quote(std::string_view text);

// A [plugins.<name>] table that enables the plugin on an ephemeral port of 127.0.0.1,
// followed by `extra_lines` (more keys of that table).
std::string enabled_plugin_table(std::string_view name, std::string_view extra_lines = {});

} // namespace switchyard::test

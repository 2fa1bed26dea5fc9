#include "toml_text.hpp"

#include <cstdio>

namespace switchyard::test {

std::string toml_quote(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char escaped[8];
                    std::snprintf(escaped, sizeof escaped, "\\u%04x", unsigned(c));
                    out += escaped;
                } else {
                    out += c;
                }
        }
    }
    return out + "\"";
}

std::string enabled_plugin_table(std::string_view name, std::string_view extra_lines) {
    return "[plugins." + std::string(name) + "]\nenabled = true\nlisten = \"127.0.0.1:0\"\n" +
           std::string(extra_lines) + "\n";
}

} // namespace switchyard::test

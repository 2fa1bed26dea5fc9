// Logging: spdlog to stderr, one line per event, level from [kernel] log_level, format
// from [kernel] log_format: "text" (the default, for people) or "json" (one JSON object
// per line, for log shippers: json_log_line.hpp).
#pragma once

#include <spdlog/common.h>

#include <string>
#include <string_view>

namespace switchyard {

// Installs the default logger (stderr) at `level` ("trace" ... "critical", "off") in
// `format` ("text": colour when a terminal; "json").
void init_logging(const std::string& level, const std::string& format = "text");

// Writes a line plugin `plugin` logged through the host API, at `level`. The plugin's
// name travels apart from the message: "plugin <name>: <message>" in the text format,
// "plugin": "<name>" in the JSON format.
void log_plugin_line(std::string_view plugin, spdlog::level::level_enum level,
                     std::string_view message);

} // namespace switchyard

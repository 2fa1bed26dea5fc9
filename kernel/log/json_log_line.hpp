// The JSON log format ([kernel] log_format = "json"): every log record is one JSON object
// on one line, for log shippers (journald's, Vector, Fluent Bit, Loki's promtail):
//
//   {"time":"2026-12-05T03:50:01.123Z","level":"info","plugin":"groove",
//    "message":"...","fields":{"thread":4242}}
//
// time is UTC with milliseconds; level is one of trace, debug, info, warn, error,
// critical (the names log_level takes); plugin is present only on the lines a plugin
// logged through the host API; fields always holds the writing thread's id and, on some
// lines, more (log_fields.hpp). Whatever a message holds (a client's bytes: control
// characters, invalid UTF-8), the line stays one JSON object: every control character
// is escaped and every byte that is not part of well-formed UTF-8 becomes U+FFFD. A
// message over 4 KiB is cut to that, and fields.truncated_from_bytes gives its length.
#pragma once

#include "log/log_fields.hpp"

#include <spdlog/formatter.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace switchyard {

// One log record, as the JSON format writes it.
struct LogRecord {
    std::chrono::system_clock::time_point time;
    std::string_view level;   // "info"
    std::string_view plugin;  // the plugin that logged it; "" for the kernel's own lines
    std::string_view message; // any bytes
    uint64_t thread = 0;      // the writing thread's id
    std::span<const LogField> fields;
};

// Appends `text` as a JSON string, quotes included: '"', '\' and every control character
// (U+0000..U+001F, U+007F) escaped, well-formed UTF-8 copied, any other byte written as
// \ufffd.
void append_json_string(std::string_view text, spdlog::memory_buf_t& out);

// Appends `record` as one JSON object and a '\n'.
void append_json_log_line(const LogRecord& record, spdlog::memory_buf_t& out);

// The spdlog formatter that writes every line this way. A record's logger name is the
// plugin that logged it ("" for the kernel: log_plugin_line in logging.hpp).
std::unique_ptr<spdlog::formatter> make_json_log_formatter();

} // namespace switchyard

#include "log/json_log_line.hpp"

#include "net/utf8.hpp"

#include <spdlog/details/log_msg.h>

#include <array>
#include <ctime>

namespace switchyard {

namespace {

void append(spdlog::memory_buf_t& out, std::string_view text) {
    out.append(text.data(), text.data() + text.size());
}

// How long the UTF-8 sequence `lead` starts is, or 0 for a byte that starts none.
size_t sequence_length(unsigned char lead) {
    if (lead >= 0xC2 && lead <= 0xDF) return 2;
    if (lead >= 0xE0 && lead <= 0xEF) return 3;
    if (lead >= 0xF0 && lead <= 0xF4) return 4;
    return 0;
}

void append_escaped_byte(unsigned char c, spdlog::memory_buf_t& out) {
    switch (c) {
        case '"': append(out, "\\\""); return;
        case '\\': append(out, "\\\\"); return;
        case '\b': append(out, "\\b"); return;
        case '\f': append(out, "\\f"); return;
        case '\n': append(out, "\\n"); return;
        case '\r': append(out, "\\r"); return;
        case '\t': append(out, "\\t"); return;
        default: break;
    }
    constexpr std::string_view hex = "0123456789abcdef";
    const std::array<char, 6> escape{'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
    out.append(escape.data(), escape.data() + escape.size());
}

// "2026-12-05T03:50:01.123Z"
void append_utc_time(std::chrono::system_clock::time_point time, spdlog::memory_buf_t& out) {
    using namespace std::chrono;
    const auto ms = duration_cast<milliseconds>(time.time_since_epoch()).count();
    const std::time_t seconds = static_cast<std::time_t>(ms / 1000 - (ms % 1000 < 0 ? 1 : 0));
    const int millis = static_cast<int>(((ms % 1000) + 1000) % 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    fmt::format_to(std::back_inserter(out), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                   utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                   utc.tm_sec, millis);
}

std::string_view level_name(spdlog::level::level_enum level) {
    switch (level) {
        case spdlog::level::trace: return "trace";
        case spdlog::level::debug: return "debug";
        case spdlog::level::info: return "info";
        case spdlog::level::warn: return "warn";
        case spdlog::level::err: return "error";
        case spdlog::level::critical: return "critical";
        default: return "off";
    }
}

class JsonLogFormatter final : public spdlog::formatter {
  public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        LogRecord record;
        record.time = msg.time;
        record.level = level_name(msg.level);
        record.plugin = std::string_view(msg.logger_name.data(), msg.logger_name.size());
        record.message = std::string_view(msg.payload.data(), msg.payload.size());
        record.thread = msg.thread_id;
        record.fields = ScopedLogFields::current();
        append_json_log_line(record, dest);
    }

    std::unique_ptr<spdlog::formatter> clone() const override {
        return std::make_unique<JsonLogFormatter>();
    }
};

} // namespace

void append_json_string(std::string_view text, spdlog::memory_buf_t& out) {
    out.push_back('"');
    size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            if (c < 0x20 || c == '"' || c == '\\' || c == 0x7F) {
                append_escaped_byte(c, out);
            } else {
                out.push_back(static_cast<char>(c));
            }
            ++i;
            continue;
        }
        const size_t length = sequence_length(c);
        if (length != 0 && i + length <= text.size() && is_valid_utf8(text.substr(i, length))) {
            append(out, text.substr(i, length));
            i += length;
        } else {
            append(out, "\\ufffd");
            ++i;
        }
    }
    out.push_back('"');
}

namespace {

// A message longer than this is cut (on a UTF-8 character boundary) and its line says how
// long it was. A line must reach a shipper whole: journald splits stderr lines longer
// than its LineMax (48 KiB by default) into pieces that are not JSON, and escaping may
// write six bytes for one (\u0001, \ufffd).
constexpr size_t kMostMessageBytes = 4096;

std::string_view cut_message(std::string_view message) {
    if (message.size() <= kMostMessageBytes) return message;
    size_t end = kMostMessageBytes;
    // Not inside a character: back off its continuation bytes (10xxxxxx).
    while (end > 0 && (static_cast<unsigned char>(message[end]) & 0xC0) == 0x80) --end;
    return message.substr(0, end);
}

} // namespace

void append_json_log_line(const LogRecord& record, spdlog::memory_buf_t& out) {
    append(out, "{\"time\":\"");
    append_utc_time(record.time, out);
    append(out, "\",\"level\":");
    append_json_string(record.level, out);
    if (!record.plugin.empty()) {
        append(out, ",\"plugin\":");
        append_json_string(record.plugin, out);
    }
    append(out, ",\"message\":");
    const std::string_view message = cut_message(record.message);
    append_json_string(message, out);
    fmt::format_to(std::back_inserter(out), ",\"fields\":{{\"thread\":{}", record.thread);
    if (message.size() != record.message.size()) {
        fmt::format_to(std::back_inserter(out), ",\"truncated_from_bytes\":{}",
                       record.message.size());
    }
    for (const LogField& field : record.fields) {
        out.push_back(',');
        append_json_string(field.key, out);
        out.push_back(':');
        if (const auto* number = std::get_if<uint64_t>(&field.value)) {
            fmt::format_to(std::back_inserter(out), "{}", *number);
        } else {
            append_json_string(std::get<std::string_view>(field.value), out);
        }
    }
    append(out, "}}\n");
}

std::unique_ptr<spdlog::formatter> make_json_log_formatter() {
    return std::make_unique<JsonLogFormatter>();
}

} // namespace switchyard

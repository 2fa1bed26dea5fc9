// The JSON log format (kernel/log/json_log_line.*): one object per line whatever the
// message holds, every control character escaped, invalid UTF-8 replaced, fields typed.
#include "log/json_log_line.hpp"

#include "log/log_fields.hpp"
#include "log/logging.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>
#include <string>

using namespace switchyard;

namespace {

std::string json_string(std::string_view text) {
    spdlog::memory_buf_t out;
    append_json_string(text, out);
    return fmt::to_string(out);
}

std::string line_of(const LogRecord& record) {
    spdlog::memory_buf_t out;
    append_json_log_line(record, out);
    return fmt::to_string(out);
}

} // namespace

TEST_CASE("json log line: every control character is escaped, the rest copied", "[log][json]") {
    CHECK(json_string("plain text") == "\"plain text\"");
    CHECK(json_string("a\"b\\c") == R"("a\"b\\c")");
    CHECK(json_string("\n\r\t\b\f") == R"("\n\r\t\b\f")");
    CHECK(json_string(std::string("\x00\x01\x1f\x7f", 4)) == R"("\u0000\u0001\u001f\u007f")");
    CHECK(json_string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") ==
          "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
    // Every byte value: the output parses, as a JSON string, on one line.
    std::string all;
    for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
    const std::string escaped = json_string(all);
    CHECK(escaped.find('\n') == std::string::npos);
    boost::system::error_code ec;
    const auto value = boost::json::parse(escaped, ec);
    REQUIRE_FALSE(ec);
    CHECK(value.is_string());
}

TEST_CASE("json log line: bytes outside well-formed UTF-8 become U+FFFD", "[log][json]") {
    CHECK(json_string("a\xff"
                      "b") == R"("a\ufffdb")");
    CHECK(json_string("\xc3") == R"("\ufffd")");                               // truncated
    CHECK(json_string("\xc0\xaf") == R"("\ufffd\ufffd")");                     // overlong '/'
    CHECK(json_string("\xed\xa0\x80") == R"("\ufffd\ufffd\ufffd")");           // a surrogate
    CHECK(json_string("\xf4\x90\x80\x80") == R"("\ufffd\ufffd\ufffd\ufffd")"); // > U+10FFFF
    CHECK(json_string("\xe2\x82"
                      "x") == R"("\ufffd\ufffdx")");
}

TEST_CASE("json log line: a long message is cut on a character boundary and says how long it was",
          "[log][json]") {
    LogRecord record;
    record.level = "warn";
    // 4095 ASCII bytes, then 3-byte characters: byte 4096 falls inside the first of them.
    std::string message(4095, 'a');
    for (int i = 0; i < 10000; ++i) message += "\xe2\x82\xac";
    record.message = message;
    const std::string line = line_of(record);
    CHECK(line.size() < 8192);
    const auto object = boost::json::parse(line).as_object();
    CHECK(object.at("message").as_string() == std::string(4095, 'a'));
    CHECK(object.at("fields").as_object().at("truncated_from_bytes").as_int64() ==
          static_cast<int64_t>(message.size()));

    // Even when every byte is escaped six times over, the line stays far below 48 KiB.
    const std::string controls(100000, '\x01');
    record.message = controls;
    const std::string escaped = line_of(record);
    CHECK(escaped.size() < 32 * 1024);
    CHECK(boost::json::parse(escaped).as_object().at("message").as_string().size() == 4096);

    const std::string at_bound(4096, 'b'); // exactly at the bound: whole, no field
    record.message = at_bound;
    const auto whole = boost::json::parse(line_of(record)).as_object();
    CHECK(whole.at("message").as_string().size() == 4096);
    CHECK_FALSE(whole.at("fields").as_object().contains("truncated_from_bytes"));
}

TEST_CASE("json log line: time in UTC with milliseconds, plugin only when set, typed fields",
          "[log][json]") {
    LogRecord record;
    record.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1796269801123));
    record.level = "warn";
    record.message = "line\none";
    record.thread = 42;
    const std::string kernel_line = line_of(record);
    CHECK(kernel_line ==
          "{\"time\":\"2026-12-03T03:50:01.123Z\",\"level\":\"warn\","
          "\"message\":\"line\\none\",\"fields\":{\"thread\":42}}\n");

    record.plugin = "groove";
    const LogField fields[] = {{"category", std::string_view("bad \"requests\"")},
                               {"suppressed", uint64_t{17}}};
    record.fields = fields;
    const std::string plugin_line = line_of(record);
    const auto value = boost::json::parse(plugin_line);
    const auto& object = value.as_object();
    CHECK(object.at("plugin") == "groove");
    CHECK(object.at("fields").as_object().at("suppressed").as_int64() == 17);
    CHECK(object.at("fields").as_object().at("category") == "bad \"requests\"");
    CHECK(plugin_line.back() == '\n');
    CHECK(plugin_line.find('\n') == plugin_line.size() - 1);
}

TEST_CASE(
    "json log: the formatter writes a plugin's lines with its name apart, scoped "
    "fields on the lines of their scope only",
    "[log][json]") {
    auto previous = spdlog::default_logger();
    std::ostringstream out;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
    sink->set_formatter(make_json_log_formatter());
    auto logger = std::make_shared<spdlog::logger>("", sink);
    logger->set_level(spdlog::level::debug);
    spdlog::set_default_logger(logger);

    log_plugin_line("jarvis", spdlog::level::info, "hello \x01");
    log_plugin_line("jarvis", spdlog::level::trace, "below the level: not written");
    {
        const LogField fields[] = {{"suppressed", uint64_t{3}}};
        ScopedLogFields scope(fields);
        spdlog::warn("kernel line");
    }
    spdlog::info("after the scope");
    spdlog::set_default_logger(previous);

    std::istringstream lines(out.str());
    std::vector<boost::json::object> parsed;
    for (std::string line; std::getline(lines, line);)
        parsed.push_back(boost::json::parse(line).as_object());
    REQUIRE(parsed.size() == 3);
    CHECK(parsed[0].at("plugin") == "jarvis");
    CHECK(parsed[0].at("message") == "hello \x01");
    CHECK(parsed[0].at("level") == "info");
    CHECK_FALSE(parsed[1].contains("plugin"));
    CHECK(parsed[1].at("level") == "warn");
    CHECK(parsed[1].at("fields").as_object().at("suppressed").as_int64() == 3);
    CHECK_FALSE(parsed[2].at("fields").as_object().contains("suppressed"));
}

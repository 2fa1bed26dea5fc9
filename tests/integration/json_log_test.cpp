// [kernel] log_format = "json": every line the kernel writes to stderr is one JSON object
// (time, level, plugin?, message, fields) whatever a client put into it, a plugin's lines
// carry the plugin's name in "plugin", and the rate-limited log's report of suppressed
// lines carries its count and category in "fields".
#include "jetstart_fixture.hpp"
#include "kernel_log_lines.hpp"
#include "kernel_process.hpp"
#include "publish.hpp"
#include "raw_tcp_client.hpp"
#include "temp_dir.hpp"
#include "wait_until.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <catch2/catch.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

using namespace switchyard::test;
namespace json = boost::json;

namespace {

constexpr auto kWait = std::chrono::seconds(10);

// Every whole line of the kernel's stderr, parsed: a line that is not one JSON object
// fails the test, naming it.
std::vector<json::object> json_lines(const KernelProcess& kernel) {
    const std::string text = kernel_stderr(kernel);
    std::vector<json::object> lines;
    size_t start = 0;
    for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
        const std::string line = text.substr(start, end - start);
        boost::system::error_code ec;
        json::value value = json::parse(line, ec);
        INFO("stderr line: " << line);
        REQUIRE_FALSE(ec);
        REQUIRE(value.is_object());
        lines.push_back(std::move(value.as_object()));
    }
    return lines;
}

// The shape every line has.
void check_shape(const json::object& line) {
    INFO("line: " << json::serialize(line));
    REQUIRE(line.contains("time"));
    const std::string time(line.at("time").as_string());
    // 2026-12-05T03:50:01.123Z
    CHECK(time.size() == 24);
    CHECK(time[10] == 'T');
    CHECK(time[19] == '.');
    CHECK(time.back() == 'Z');
    const std::string level(line.at("level").as_string());
    CHECK((level == "trace" || level == "debug" || level == "info" || level == "warn" ||
           level == "error" || level == "critical"));
    CHECK(line.at("message").is_string());
    if (line.contains("plugin")) CHECK(line.at("plugin").is_string());
    REQUIRE(line.at("fields").is_object());
    CHECK(line.at("fields").as_object().at("thread").is_number());
    for (const auto& [key, value] : line) {
        CHECK((key == "time" || key == "level" || key == "plugin" || key == "message" ||
               key == "fields"));
    }
}

std::optional<json::object> find_line(const KernelProcess& kernel,
                                      const std::function<bool(const json::object&)>& wanted) {
    for (auto& line : json_lines(kernel)) {
        if (wanted(line)) return line;
    }
    return std::nullopt;
}

// A request line with control characters in it: the kernel answers 400 and logs it.
void send_bad_request(uint16_t port) {
    auto client = RawTcpClient::connect(port);
    client.write(std::string("GET /\x01\x7f\x1b[2J HTTP/1.1\r\nHost: x\r\n\r\n"));
    client.wait_closed(kWait);
}

} // namespace

TEST_CASE(
    "json log: every line is one JSON object, a plugin's name is in \"plugin\", client "
    "bytes escaped",
    "[integration][log]") {
    KernelOptions options;
    options.kernel_toml = "log_format = \"json\"\n";
    options.extra_toml = jetstart_table();
    auto kernel = KernelProcess::start(options);

    // A backend publishes a type the jetstart plugin does not send (not core:*): the plugin
    // logs it, with the type as the backend wrote it: control characters, a newline, a
    // quote, a backslash and a terminal escape.
    const std::string type = std::string("evil\x01\x1f\n\"\\\x7f\x1b[31m") + "\xc3\xa9";
    publish(kernel,
            R"({"topic":"jetstart","type":"evil\u0001\u001f\n\"\\\u007f\u001b[31m\u00e9"})");
    const std::string expected =
        "event type '" + type + "' of stream jetstart is not a core:* message; not sent";
    REQUIRE(wait_until(
        [&] {
            return find_line(kernel,
                             [&](const json::object& line) {
                                 return line.at("message") == expected.c_str();
                             })
                .has_value();
        },
        kWait));
    const auto plugin_line = *find_line(
        kernel, [&](const json::object& line) { return line.at("message") == expected.c_str(); });
    CHECK(plugin_line.at("plugin") == "jetstart");
    CHECK(plugin_line.at("level") == "warn");

    // Bad requests until the rate-limited log reports the ones it suppressed (at most 10
    // a second are written): its count and category are fields.
    const auto suppressed_report = [](const json::object& line) {
        const auto& fields = line.at("fields").as_object();
        return fields.contains("suppressed") && fields.at("category") == "bad requests";
    };
    REQUIRE(wait_until(
        [&] {
            for (int i = 0; i < 5; ++i) send_bad_request(kernel.control_port());
            return find_line(kernel, suppressed_report).has_value();
        },
        std::chrono::seconds(20), std::chrono::milliseconds(10)));
    const auto report = *find_line(kernel, suppressed_report);
    CHECK(report.at("fields").as_object().at("suppressed").as_int64() >= 1);
    CHECK_FALSE(report.contains("plugin"));

    // Every line of the whole log, the kernel's own and the plugin's, has the shape.
    const auto lines = json_lines(kernel);
    CHECK(lines.size() > 10);
    size_t plugin_lines = 0;
    for (const auto& line : lines) {
        check_shape(line);
        if (!line.contains("plugin")) continue;
        ++plugin_lines;
        // The name travels apart from the message.
        CHECK(std::string_view(line.at("message").as_string()).rfind("plugin ", 0) ==
              std::string_view::npos);
    }
    CHECK(plugin_lines >= 2); // the QR code and session at start, the refused event type
}

TEST_CASE("json log: the text format stays the default, plugin lines as \"plugin <name>: \"",
          "[integration][log]") {
    KernelOptions options;
    options.extra_toml = jetstart_table();
    auto kernel = KernelProcess::start(options);
    publish(kernel, R"({"topic":"jetstart","type":"not-core"})");
    REQUIRE(wait_until(
        [&] {
            return count_log_lines(kernel, {" warning plugin jetstart: event type 'not-core' of "
                                            "stream jetstart is not a core:* message"}) == 1;
        },
        kWait));
    CHECK(kernel_stderr(kernel).find("{\"time\"") == std::string::npos);
}

TEST_CASE("json log: a log_format other than text or json is refused at start",
          "[integration][log]") {
    TempDir dir("logfmt");
    const auto config = dir.write("switchyard.toml", "[kernel]\nlog_format = \"yaml\"\n");
    const auto result = run_switchyard({"--check-config", "--config", config.string()});
    CHECK(result.exit_code == 2);
    CHECK(result.err.find("kernel.log_format") != std::string::npos);
}

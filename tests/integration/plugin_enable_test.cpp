// POST /api/v1/plugins/{name}/enable|disable (docs/console.md): disable closes the
// plugin's clients with 1001 and stops its listeners, enable loads it again from its
// [plugins.<name>] table with a new generation, a load failure is a 500 that leaves it
// disabled, and SIGHUP keeps what the API set until the file's own `enabled` changes.
#include "kernel_log_lines.hpp"
#include "kernel_process.hpp"
#include "plugin_list.hpp"
#include "publish.hpp"
#include "temp_dir.hpp"
#include "test_json.hpp"
#include "toml_text.hpp"
#include "wait_until.hpp"
#include "ws_client.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace switchyard::test;
namespace json = boost::json;

namespace {

constexpr auto kWait = std::chrono::seconds(30);

const std::string kGrooveTable = enabled_plugin_table("groove");
const std::string kEchoLibrary =
    "library = " + toml_quote(std::string(SWITCHYARD_PLUGIN_DIR) + "/echo.so") + "\n";

// [plugins.echo] with enabled = `enabled`.
std::string echo_table(bool enabled) {
    return "[plugins.echo]\nenabled = " + std::string(enabled ? "true" : "false") +
           "\nlisten = \"127.0.0.1:0\"\n" + kEchoLibrary + "\n";
}

// [plugins.groove] enabled = false.
const std::string kGrooveDisabledTable =
    "[plugins.groove]\nenabled = false\nlisten = \"127.0.0.1:0\"\n\n";

HttpResponse switch_plugin(const KernelProcess& kernel, std::string_view name,
                           std::string_view action) {
    return kernel.control().post("/api/v1/plugins/" + std::string(name) + "/" + std::string(action),
                                 "");
}

// The HTTP status of a WebSocket handshake on `port`, or 0 when nothing answers there.
unsigned handshake_status(uint16_t port) {
    try {
        return WsClient::try_connect(port, "/ws", {}, std::chrono::seconds(5)).status;
    } catch (const std::runtime_error&) {
        return 0;
    }
}

// Publishes a groove event of type `type` and returns what its clients must receive.
std::string publish_groove(const KernelProcess& kernel, std::string_view type) {
    publish(kernel, R"({"topic":"groove","type":")" + std::string(type) + R"(","data":{}})");
    return R"({"event":")" + std::string(type) + R"(","data":{}})";
}

// Replaces the config file with the test defaults and `plugin_tables`, then SIGHUP.
void reconfigure(KernelProcess& kernel, const std::string& plugin_tables) {
    KernelOptions options;
    options.extra_toml = plugin_tables;
    {
        std::ofstream out(kernel.config_path(), std::ios::binary | std::ios::trunc);
        out << kernel_config_text(options);
        if (!out) throw std::runtime_error("cannot write " + kernel.config_path().string());
    }
    kernel.send_signal(SIGHUP);
}

// Whether `text` contains `part`.
bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

} // namespace

TEST_CASE(
    "plugin enable: disable closes clients with 1001 and stops the listener, enable "
    "serves again with a new generation",
    "[integration][control][enable]") {
    auto kernel = KernelProcess::start(kGrooveTable);
    const uint16_t port = kernel.plugin_port("groove");
    auto client = WsClient::connect(port, "/ws");
    REQUIRE(listed_generation(kernel, "groove") == 1);

    const auto disabled = switch_plugin(kernel, "groove", "disable");
    INFO(disabled.body);
    REQUIRE(disabled.status == 200);
    CHECK(string_field(parse_json(disabled.body), "name") == "groove");
    CHECK(string_field(parse_json(disabled.body), "state") == "disabled");
    REQUIRE(client.wait_closed(kWait));
    REQUIRE(client.close_code().has_value());
    CHECK(*client.close_code() == 1001);
    CHECK(wait_until([&] { return handshake_status(port) == 0; }, kWait));
    // Listed, so that the console can offer to enable it.
    CHECK(listed_state(kernel, "groove") == "disabled");
    CHECK(listed_generation(kernel, "groove") == 1);

    // Idempotent: disabling a disabled plugin answers the same.
    const auto again = switch_plugin(kernel, "groove", "disable");
    CHECK(again.status == 200);
    CHECK(string_field(parse_json(again.body), "state") == "disabled");

    const auto enabled = switch_plugin(kernel, "groove", "enable");
    INFO(enabled.body);
    REQUIRE(enabled.status == 200);
    const auto answer = parse_json(enabled.body);
    CHECK(string_field(answer, "state") == "running");
    CHECK(string_field(answer, "version") == listed_version(kernel, "groove"));
    CHECK(answer.at("generation").to_number<uint64_t>() == 2);
    const auto& endpoints = answer.at("endpoints").as_array();
    REQUIRE(endpoints.size() == 1);
    const auto new_port = endpoints[0].at("port").to_number<uint16_t>();
    CHECK(new_port == listed_port(kernel, "groove"));
    CHECK(listed_state(kernel, "groove") == "running");
    CHECK(listed_generation(kernel, "groove") == 2);

    auto fresh = WsClient::connect(new_port, "/ws");
    const std::string expected = publish_groove(kernel, "after:api-enable");
    CHECK(next_text_or_why(fresh) == expected);
    // Enabling a running plugin changes nothing.
    const auto twice = switch_plugin(kernel, "groove", "enable");
    CHECK(twice.status == 200);
    CHECK(parse_json(twice.body).at("generation").to_number<uint64_t>() == 2);
}

TEST_CASE(
    "plugin enable: a table with enabled = false can be enabled, an unknown name is 404, "
    "a GET is 405",
    "[integration][control][enable]") {
    auto kernel = KernelProcess::start(kGrooveTable + echo_table(false));
    CHECK(listed_state(kernel, "echo") == "disabled");

    const auto enabled = switch_plugin(kernel, "echo", "enable");
    INFO(enabled.body);
    REQUIRE(enabled.status == 200);
    CHECK(parse_json(enabled.body).at("generation").to_number<uint64_t>() == 1);
    auto echo = WsClient::connect(listed_port(kernel, "echo"), "/ws");
    REQUIRE(echo.send_text("hello"));
    CHECK(next_text_or_why(echo) == "hello");

    const auto unknown = switch_plugin(kernel, "nosuch", "enable");
    CHECK(unknown.status == 404);
    CHECK(string_field(parse_json(unknown.body), "error") == "NOT_FOUND");
    const auto get = kernel.control().get("/api/v1/plugins/groove/disable");
    CHECK(get.status == 405);
    CHECK(string_field(parse_json(get.body), "error") == "METHOD_NOT_ALLOWED");
    CHECK(listed_state(kernel, "groove") == "running");
}

TEST_CASE("plugin enable: a library that does not load answers 500 and the plugin stays disabled",
          "[integration][control][enable]") {
    auto kernel = KernelProcess::start(
        kGrooveTable +
        "[plugins.broken]\nenabled = false\nlibrary = \"/nonexistent/broken.so\"\n\n");
    const auto answer = switch_plugin(kernel, "broken", "enable");
    INFO(answer.body);
    CHECK(answer.status == 500);
    const auto body = parse_json(answer.body);
    CHECK(string_field(body, "error") == "ENABLE_FAILED");
    CHECK(contains(string_field(body, "message"), "/nonexistent/broken.so"));
    CHECK(string_field(body, "state") == "disabled");
    CHECK(listed_state(kernel, "broken") == "disabled");
    CHECK(listed_state(kernel, "groove") == "running");
}

TEST_CASE("plugin enable: SIGHUP keeps what the API set until the file's enabled changes",
          "[integration][control][enable][sighup]") {
    auto kernel = KernelProcess::start(kGrooveTable + echo_table(false));
    REQUIRE(switch_plugin(kernel, "groove", "disable").status == 200);
    REQUIRE(switch_plugin(kernel, "echo", "enable").status == 200);

    // The same file again: the API's word stands, and the log says why.
    reconfigure(kernel, kGrooveTable + echo_table(false));
    REQUIRE(wait_until(
        [&] {
            return count_log_lines(kernel, {"groove stays disabled", "control API"}) == 1 &&
                   count_log_lines(kernel, {"echo stays enabled", "control API"}) == 1;
        },
        kWait));
    CHECK(wait_until(
        [&] {
            return count_log_lines(kernel, {"SIGHUP", "re-reading"}) == 1;
        },
        kWait));
    CHECK(listed_state(kernel, "groove") == "disabled");
    CHECK(listed_state(kernel, "echo") == "running");

    // The file changes groove's enabled (true -> false): the file wins from now on.
    reconfigure(kernel, kGrooveDisabledTable + echo_table(false));
    REQUIRE(wait_until(
        [&] {
            return count_log_lines(kernel, {"groove", "replaces what the control API set"}) == 1;
        },
        kWait));
    CHECK(count_log_lines(kernel, {"echo stays enabled"}) == 2);
    // ... so that enabling it in the file again enables it.
    reconfigure(kernel, kGrooveTable + echo_table(false));
    REQUIRE(wait_until([&] { return listed_state(kernel, "groove") == "running"; }, kWait));
    CHECK(listed_generation(kernel, "groove") == 2);
    CHECK(count_log_lines(kernel, {"groove stays"}) == 1);

    // echo: the file turns it on, then off again: off wins, its clients go with 1001.
    auto echo = WsClient::connect(listed_port(kernel, "echo"), "/ws");
    reconfigure(kernel, kGrooveTable + echo_table(true));
    REQUIRE(wait_until(
        [&] {
            return count_log_lines(kernel, {"echo", "replaces what the control API set"}) == 1;
        },
        kWait));
    reconfigure(kernel, kGrooveTable + echo_table(false));
    REQUIRE(echo.wait_closed(kWait));
    CHECK(echo.close_code() == std::optional<uint16_t>(1001));
    CHECK(wait_until([&] { return listed_state(kernel, "echo") == "disabled"; }, kWait));
}

TEST_CASE(
    "plugin enable: the API's last word outlives every SIGHUP, and a plugin it disabled "
    "cannot refuse the file",
    "[integration][control][enable][sighup]") {
    // echo from a copy of its library that the test breaks later.
    TempDir dir("enable-broken");
    const auto library = dir.path() / "echo.so";
    std::filesystem::copy_file(std::string(SWITCHYARD_PLUGIN_DIR) + "/echo.so", library);
    const std::string echo =
        "[plugins.echo]\nenabled = true\nlisten = \"127.0.0.1:0\"\nlibrary = " +
        toml_quote(library.string()) + "\n\n";
    auto kernel = KernelProcess::start(kGrooveTable + echo);
    auto sighups_done = [&](size_t count) {
        return wait_until(
            [&] {
                return count_log_lines(kernel, {"SIGHUP", "re-reading"}) == count;
            },
            kWait);
    };

    REQUIRE(switch_plugin(kernel, "echo", "disable").status == 200);
    reconfigure(kernel, kGrooveTable + echo);
    REQUIRE(sighups_done(1));
    REQUIRE(wait_until(
        [&] {
            return count_log_lines(kernel, {"echo stays disabled", "control API"}) == 1;
        },
        kWait));
    // Back on, and off again, after that SIGHUP: the file still says enabled, so the
    // second disable is an override as the first was, and the next SIGHUP keeps it.
    REQUIRE(switch_plugin(kernel, "echo", "enable").status == 200);
    REQUIRE(switch_plugin(kernel, "echo", "disable").status == 200);
    reconfigure(kernel, kGrooveTable + echo);
    REQUIRE(sighups_done(2));
    REQUIRE(wait_until(
        [&] {
            return count_log_lines(kernel, {"echo stays disabled", "control API"}) == 2;
        },
        kWait));
    CHECK(listed_state(kernel, "echo") == "disabled");

    // The operator disabled echo because its library broke: a SIGHUP changing something
    // else is applied, not refused for echo's sake.
    {
        std::ofstream out(library, std::ios::binary | std::ios::trunc);
        out << "not a shared library";
    }
    reconfigure(kernel, kGrooveDisabledTable + echo);
    REQUIRE(sighups_done(3));
    CHECK(wait_until([&] { return listed_state(kernel, "groove") == "disabled"; }, kWait));
    CHECK(count_log_lines(kernel, {"config refused"}) == 0);
    CHECK(listed_state(kernel, "echo") == "disabled");
}

TEST_CASE("plugin enable: concurrent enable and disable requests are serialized",
          "[integration][control][enable]") {
    auto kernel = KernelProcess::start(kGrooveTable);
    constexpr int kThreads = 6;
    constexpr int kRounds = 4;
    std::mutex mutex;
    std::vector<std::string> unexpected;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kRounds; ++i) {
                const bool enable = (t + i) % 2 == 0;
                const auto answer = switch_plugin(kernel, "groove", enable ? "enable" : "disable");
                const std::string want = enable ? "running" : "disabled";
                // 503 BUSY is a bounded queue saying so; anything else must be the state asked.
                if (answer.status == 503) continue;
                if (answer.status != 200 ||
                    string_field(parse_json(answer.body), "state") != want) {
                    std::lock_guard lock(mutex);
                    unexpected.push_back(std::to_string(answer.status) + " " + answer.body);
                }
            }
        });
    }
    for (auto& thread : threads) thread.join();
    CHECK(unexpected.empty());
    for (const auto& line : unexpected) UNSCOPED_INFO(line);

    // One entry, one state, and it still works both ways.
    const auto list = parse_json(plugin_list_text(kernel));
    int groove_entries = 0;
    for (const auto& plugin : list.at("plugins").as_array())
        groove_entries += string_field(plugin, "name") == "groove" ? 1 : 0;
    CHECK(groove_entries == 1);
    REQUIRE(switch_plugin(kernel, "groove", "enable").status == 200);
    auto client = WsClient::connect(listed_port(kernel, "groove"), "/ws");
    const std::string expected = publish_groove(kernel, "after:storm");
    CHECK(next_text_or_why(client) == expected);
    REQUIRE(switch_plugin(kernel, "groove", "disable").status == 200);
    REQUIRE(client.wait_closed(kWait));
    CHECK(client.close_code() == std::optional<uint16_t>(1001));
}

// SIGHUP re-reads the config file (DESIGN.md "Hot reload"): a plugin newly enabled starts
// serving, one disabled closes its clients with 1001 and is unloaded, one whose settings
// or library changed is reloaded (generation + 1) under its live clients, one whose listen
// address changed is rebound while its clients stay, and a config the kernel refuses
// changes nothing. Each test starts a kernel, rewrites its config file, sends SIGHUP and
// waits until the effect shows in GET /api/v1/plugins or in the kernel's log.
#include "free_port.hpp"
#include "kernel_log_lines.hpp"
#include "kernel_process.hpp"
#include "plugin_list.hpp"
#include "process_memory.hpp"
#include "publish.hpp"
#include "test_json.hpp"
#include "toml_text.hpp"
#include "wait_until.hpp"
#include "ws_client.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

using namespace switchyard::test;
namespace json = boost::json;

namespace {

constexpr auto kWait = std::chrono::seconds(10);
// A reload loads a library and swaps an instance: allow a slow machine more time.
constexpr auto kReloadWait = std::chrono::seconds(30);

const std::string kGrooveTable = enabled_plugin_table("groove");
const std::string kEchoTable = enabled_plugin_table(
    "echo", "library = " + toml_quote(std::string(SWITCHYARD_PLUGIN_DIR) + "/echo.so") + "\n");
const std::string kWideOrigins =
    R"(allowed_origins = ["localhost", "127.0.0.1", "::1", "example.test"])"
    "\n";

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

KernelProcess start_with(std::string plugin_tables) {
    KernelOptions options;
    options.extra_toml = std::move(plugin_tables);
    return KernelProcess::start(options);
}

// Replaces the kernel's config file with `text` and sends SIGHUP.
void rewrite_config_and_hup(KernelProcess& kernel, const std::string& text) {
    {
        std::ofstream out(kernel.config_path(), std::ios::binary | std::ios::trunc);
        out << text;
        out.flush();
        if (!out) throw std::runtime_error("cannot write " + kernel.config_path().string());
    }
    kernel.send_signal(SIGHUP);
}

// The test defaults (KernelOptions) with `plugin_tables` after them, then SIGHUP.
void reconfigure(KernelProcess& kernel, std::string plugin_tables) {
    KernelOptions options;
    options.extra_toml = std::move(plugin_tables);
    rewrite_config_and_hup(kernel, kernel_config_text(options));
}

// Whether `name` is listed as running, with a bound port.
bool is_running(const KernelProcess& kernel, std::string_view name) {
    const auto plugin = listed_plugin(kernel, name);
    return plugin && string_field(*plugin, "state") == "running" && endpoint_port(*plugin) != 0;
}

// Gone from the list, or listed as "disabled".
bool is_disabled(const KernelProcess& kernel, std::string_view name) {
    const auto plugin = listed_plugin(kernel, name);
    return !plugin || string_field(*plugin, "state") == "disabled";
}

// Whether one line of the kernel's log contains every one of `words`.
bool logged_line_with(const KernelProcess& kernel, std::initializer_list<std::string_view> words) {
    return count_log_lines(kernel, words) > 0;
}

// wait_until(predicate, timeout); on a timeout the failure message shows the plugin list
// as it is then.
bool eventually(const KernelProcess& kernel, const std::function<bool()>& predicate,
                std::chrono::milliseconds timeout) {
    if (wait_until(predicate, timeout)) return true;
    UNSCOPED_INFO("GET /api/v1/plugins now: " << plugin_list_text(kernel));
    return false;
}

// The HTTP status of a WebSocket handshake on `port` (101: upgraded), or 0 when no HTTP
// answer came (nothing listens there any more).
unsigned handshake_status(uint16_t port, const HttpHeaders& headers = {}) {
    try {
        return WsClient::try_connect(port, "/ws", headers, kWait).status;
    } catch (const std::runtime_error&) {
        return 0;
    }
}

// Publishes a groove event of type `type` and returns what its clients must receive.
std::string publish_groove(const KernelProcess& kernel, std::string_view type) {
    publish(kernel, R"({"topic":"groove","type":")" + std::string(type) + R"(","data":{}})");
    return R"({"event":")" + std::string(type) + R"(","data":{}})";
}

// [plugins.counter] served from the test plugin `library` ("counter_v1.so"...).
std::string counter_table(std::string_view library) {
    return enabled_plugin_table("counter", "library = " +
                                               toml_quote(std::string(SWITCHYARD_TEST_PLUGIN_DIR) +
                                                          "/" + std::string(library)) +
                                               "\n");
}

// Sends `text` to an echo client and returns what came back.
std::string echo_round_trip(WsClient& client, std::string_view text) {
    if (!client.send_text(text)) return "<send failed: " + client.end_reason() + ">";
    return next_text_or_why(client);
}

} // namespace

TEST_CASE("sighup: a plugin enabled in the config starts serving on its endpoint",
          "[integration][reload][sighup]") {
    auto kernel = start_with(kGrooveTable);
    const uint16_t groove_port = kernel.plugin_port("groove");
    auto groove_client = WsClient::connect(groove_port, "/ws");
    REQUIRE_FALSE(listed_plugin(kernel, "echo").has_value());

    reconfigure(kernel, kGrooveTable + kEchoTable);
    REQUIRE(eventually(
        kernel, [&] { return is_running(kernel, "echo"); }, kReloadWait));

    const auto echo = listed_plugin(kernel, "echo");
    REQUIRE(echo.has_value());
    CHECK(echo->at("generation").to_number<uint64_t>() == 1);
    auto echo_client = WsClient::connect(endpoint_port(*echo), "/ws");
    CHECK(echo_round_trip(echo_client, "hello after SIGHUP") == "hello after SIGHUP");

    // groove's table did not change: same generation, same port, same client.
    CHECK(listed_generation(kernel, "groove") == 1);
    CHECK(listed_port(kernel, "groove") == groove_port);
    const std::string expected = publish_groove(kernel, "after:enable");
    CHECK(next_text_or_why(groove_client) == expected);
}

TEST_CASE("sighup: a plugin disabled in the config closes its clients with 1001 and unloads",
          "[integration][reload][sighup]") {
    const bool table_removed = GENERATE(false, true);
    CAPTURE(table_removed);
    auto kernel = start_with(kGrooveTable + kEchoTable);
    const uint16_t groove_port = kernel.plugin_port("groove");
    auto groove_client = WsClient::connect(groove_port, "/ws");
    auto echo_client = WsClient::connect(kernel.plugin_port("echo"), "/ws");

    reconfigure(kernel, (table_removed ? "" : "[plugins.groove]\nenabled = false\n") + kEchoTable);

    REQUIRE(groove_client.wait_closed(kReloadWait));
    INFO("ended: " << groove_client.end_reason());
    REQUIRE(groove_client.close_code().has_value());
    CHECK(*groove_client.close_code() == 1001);
    CHECK(eventually(
        kernel, [&] { return is_disabled(kernel, "groove"); }, kWait));
    // Its listener is gone with it.
    CHECK(eventually(
        kernel, [&] { return handshake_status(groove_port) == 0; }, kWait));

    // echo was not touched.
    CHECK(listed_generation(kernel, "echo") == 1);
    CHECK(echo_round_trip(echo_client, "still here") == "still here");

    // Enabled again, groove serves anew.
    reconfigure(kernel, kGrooveTable + kEchoTable);
    REQUIRE(eventually(
        kernel, [&] { return is_running(kernel, "groove"); }, kReloadWait));
    auto again = WsClient::connect(listed_port(kernel, "groove"), "/ws");
    const std::string expected = publish_groove(kernel, "after:reenable");
    CHECK(next_text_or_why(again) == expected);
}

TEST_CASE("sighup: changed plugin settings reload the plugin under its connected clients",
          "[integration][reload][sighup]") {
    auto kernel = start_with(kGrooveTable + kEchoTable);
    const uint16_t groove_port = kernel.plugin_port("groove");
    auto old_client = WsClient::connect(groove_port, "/ws");
    auto echo_client = WsClient::connect(kernel.plugin_port("echo"), "/ws");
    const HttpHeaders example_origin{{"Origin", "http://example.test"}};
    REQUIRE(handshake_status(groove_port, example_origin) == 403);
    REQUIRE(listed_generation(kernel, "groove") == 1);

    reconfigure(kernel, enabled_plugin_table("groove", kWideOrigins) + kEchoTable);
    REQUIRE(eventually(
        kernel, [&] { return settled_generation(kernel, "groove") >= 2; }, kReloadWait));

    const auto groove = listed_plugin(kernel, "groove");
    REQUIRE(groove.has_value());
    CHECK(string_field(*groove, "state") == "running");
    CHECK(endpoint_port(*groove) == groove_port);
    CHECK(groove->at("generation").to_number<uint64_t>() == 2);
    // The log line follows the swap.
    CHECK(eventually(
        kernel,
        [&] {
            return logged_line_with(kernel, {"plugin groove reloaded", "generation 2"});
        },
        kWait));

    // The new settings are in force...
    WsAttempt attempt = WsClient::try_connect(groove_port, "/ws", example_origin);
    INFO("answer body: " << attempt.body);
    REQUIRE(attempt.status == 101);
    REQUIRE(attempt.client.has_value());
    // ...and the client connected before the reload is still served.
    const std::string expected = publish_groove(kernel, "after:reconfigure");
    CHECK(next_text_or_why(old_client) == expected);
    CHECK(next_text_or_why(*attempt.client) == expected);
    CHECK_FALSE(old_client.closed());

    // echo's table did not change: it was not reloaded.
    CHECK(listed_generation(kernel, "echo") == 1);
    CHECK(echo_round_trip(echo_client, "untouched") == "untouched");
}

TEST_CASE("sighup: a changed library path reloads the plugin from the new library",
          "[integration][reload][sighup]") {
    auto kernel = start_with(counter_table("counter_v1.so"));
    auto client = WsClient::connect(kernel.plugin_port("counter"), "/ws");
    CHECK(contains(next_text_or_why(client), R"("v":1,"hello":true)"));
    CHECK(contains(echo_round_trip(client, "one"), R"("v":1,"echo":"one")"));

    reconfigure(kernel, counter_table("counter_v2.so"));
    REQUIRE(eventually(
        kernel, [&] { return settled_generation(kernel, "counter") >= 2; }, kReloadWait));

    const auto counter = listed_plugin(kernel, "counter");
    REQUIRE(counter.has_value());
    CHECK(string_field(*counter, "version") == "2.0.0");
    CHECK(contains(string_field(*counter, "library"), "counter_v2.so"));
    // The same connection, now answered by version 2, which took over v1's counter and
    // the connection's kernel-held state.
    CHECK(echo_round_trip(client, "two") == R"({"v":2,"echo":"two","n":2,"mine":2})");
}

TEST_CASE("sighup: checking a new library maps a shadow copy of it, never the configured file",
          "[integration][reload][sighup]") {
    auto kernel = start_with(counter_table("counter_v1.so"));
    // counter_v3_pinned.so is never unmapped once loaded (-z nodelete), so every place
    // the kernel loaded it from stays in its maps: the SIGHUP check, then the reload
    // (which its create() refuses).
    reconfigure(kernel, counter_table("counter_v3_pinned.so"));
    REQUIRE(eventually(
        kernel,
        [&] { return logged_line_with(kernel, {"SIGHUP: plugin counter keeps its old settings"}); },
        kReloadWait));

    const auto configured = mapped_files(kernel.pid(), "counter_v3_pinned");
    INFO("mapped under the configured name: " << configured.size());
    CHECK(configured.empty());
    // Generation 1's copy, the check's and the refused reload's: three shadow copies.
    const auto shadows = mapped_files(kernel.pid(), "/counter.");
    std::string listed;
    for (const auto& path : shadows) listed += path + "\n";
    INFO("shadow copies mapped:\n" << listed);
    CHECK(shadows.size() == 3);
    CHECK(listed_generation(kernel, "counter") == 1);
}

TEST_CASE("sighup: a changed listen address rebinds the endpoint and keeps its clients",
          "[integration][reload][sighup]") {
    auto kernel = start_with(kGrooveTable);
    const uint16_t old_port = kernel.plugin_port("groove");
    auto old_client = WsClient::connect(old_port, "/ws");
    const uint16_t new_port = free_port();
    REQUIRE(new_port != old_port);

    reconfigure(kernel, "[plugins.groove]\nenabled = true\nlisten = \"127.0.0.1:" +
                            std::to_string(new_port) + "\"\n");
    REQUIRE(eventually(
        kernel, [&] { return listed_port(kernel, "groove") == new_port; }, kReloadWait));
    CHECK(is_running(kernel, "groove"));

    auto new_client = WsClient::connect(new_port, "/ws");
    const std::string expected = publish_groove(kernel, "after:rebind");
    CHECK(next_text_or_why(old_client) == expected);
    CHECK(next_text_or_why(new_client) == expected);
    CHECK_FALSE(old_client.closed());
    // The old address is no longer bound.
    CHECK(eventually(
        kernel, [&] { return handshake_status(old_port) == 0; }, kWait));
}

TEST_CASE("sighup: a config with an unknown key is refused whole and the kernel keeps serving",
          "[integration][reload][sighup]") {
    auto kernel = start_with(kGrooveTable);
    const uint16_t groove_port = kernel.plugin_port("groove");
    auto client = WsClient::connect(groove_port, "/ws");
    const HttpHeaders example_origin{{"Origin", "http://example.test"}};

    // Valid changes (enable echo, widen groove's origins) next to one unknown key.
    KernelOptions options;
    options.kernel_toml = "sighup_unknown_key = 1\n";
    options.extra_toml = enabled_plugin_table("groove", kWideOrigins) + kEchoTable;
    rewrite_config_and_hup(kernel, kernel_config_text(options));
    REQUIRE(eventually(
        kernel, [&] { return logged_line_with(kernel, {"sighup_unknown_key"}); }, kReloadWait));

    // Nothing of the new file was applied.
    CHECK(kernel.control().get("/healthz").status == 200);
    CHECK_FALSE(listed_plugin(kernel, "echo").has_value());
    CHECK(listed_generation(kernel, "groove") == 1);
    CHECK(listed_port(kernel, "groove") == groove_port);
    CHECK(handshake_status(groove_port, example_origin) == 403);
    const std::string expected = publish_groove(kernel, "after:refused");
    CHECK(next_text_or_why(client) == expected);

    // The refusal does not stick: the same changes in a valid file apply.
    options.kernel_toml.clear();
    rewrite_config_and_hup(kernel, kernel_config_text(options));
    CHECK(eventually(
        kernel, [&] { return is_running(kernel, "echo"); }, kReloadWait));
    CHECK(eventually(
        kernel, [&] { return settled_generation(kernel, "groove") >= 2; }, kReloadWait));
    CHECK(handshake_status(groove_port, example_origin) == 101);
}

TEST_CASE("sighup: settings the plugin refuses leave its running generation serving",
          "[integration][reload][sighup]") {
    auto kernel = start_with(kGrooveTable);
    const uint16_t groove_port = kernel.plugin_port("groove");
    auto client = WsClient::connect(groove_port, "/ws");

    reconfigure(kernel, enabled_plugin_table("groove", "no_such_option = 1\n"));
    // The plugin names the key while the reload is under way; wait for the reload's end.
    REQUIRE(eventually(
        kernel,
        [&] {
            return logged_line_with(kernel, {"no_such_option"}) &&
                   listed_state(kernel, "groove") == "running";
        },
        kReloadWait));

    const auto groove = listed_plugin(kernel, "groove");
    REQUIRE(groove.has_value());
    CHECK(string_field(*groove, "state") == "running");
    CHECK(groove->at("generation").to_number<uint64_t>() == 1);
    CHECK(endpoint_port(*groove) == groove_port);
    const std::string expected = publish_groove(kernel, "after:plugin-refused");
    CHECK(next_text_or_why(client) == expected);
    CHECK_FALSE(client.closed());
}

TEST_CASE("sighup: a changed [kernel], [control] or [bus] key is logged as needing a restart",
          "[integration][reload][sighup]") {
    struct Change {
        const char* word; // what the warning names
        KernelOptions options;
    };
    KernelOptions workers_options;
    workers_options.full_toml = kernel_config_text(KernelOptions{});
    const auto at = workers_options.full_toml.find("workers = 2");
    REQUIRE(at != std::string::npos);
    workers_options.full_toml.replace(at, 11, "workers = 3");
    KernelOptions body_options;
    body_options.control_toml = "max_body_bytes = 2048\n";
    KernelOptions replay_options;
    replay_options.extra_toml = "[bus]\nreplay = 10\n";
    const Change change =
        GENERATE_COPY(Change{"workers", workers_options}, Change{"max_body_bytes", body_options},
                      Change{"bus", replay_options});
    CAPTURE(change.word);

    auto kernel = start_with(kGrooveTable);
    const uint16_t groove_port = kernel.plugin_port("groove");
    auto client = WsClient::connect(groove_port, "/ws");

    KernelOptions changed = change.options;
    if (changed.full_toml.empty()) {
        changed.extra_toml += kGrooveTable;
    } else {
        changed.full_toml += "\n" + kGrooveTable;
    }
    rewrite_config_and_hup(kernel, kernel_config_text(changed));
    REQUIRE(eventually(
        kernel,
        [&] {
            return logged_line_with(kernel, {change.word, "restart"});
        },
        kReloadWait));

    CHECK(kernel.control().get("/healthz").status == 200);
    CHECK(listed_generation(kernel, "groove") == 1);
    CHECK(listed_port(kernel, "groove") == groove_port);
    const std::string expected = publish_groove(kernel, "after:restart-needed");
    CHECK(next_text_or_why(client) == expected);
}

// What the kernel does when a plugin misuses the host table (plugin.h: the thread rule,
// "Frames and ids are checked", the publish lanes): each misuse gets an error status
// and a log line naming the plugin, nothing reaches the wire, and the connection and the
// kernel go on serving. The plugin is tests/plugins/host_misuse.cpp, driven by commands.
#include "kernel_log_lines.hpp"
#include "kernel_process.hpp"
#include "publish.hpp"
#include "sse_client.hpp"
#include "test_json.hpp"
#include "toml_text.hpp"
#include "wait_until.hpp"
#include "ws_client.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace switchyard::test;

namespace {

constexpr auto kWait = std::chrono::seconds(10);

// Status codes of plugin.h.
constexpr int kInvalid = -2;
constexpr int kNotFound = -3;
constexpr int kWrongThread = -7;
constexpr int kDenied = -8;

KernelOptions misuse_options(std::string_view extra_lines = {}, std::string_view kernel_toml = {}) {
    KernelOptions options;
    options.kernel_toml = std::string(kernel_toml);
    options.extra_toml = enabled_plugin_table(
        "host_misuse",
        "library = " + toml_quote(std::string(SWITCHYARD_TEST_PLUGIN_DIR) + "/host_misuse.so") +
            "\n" + std::string(extra_lines));
    return options;
}

KernelProcess start_misuse(std::string_view extra_lines = {}, std::string_view kernel_toml = {}) {
    return KernelProcess::start(misuse_options(extra_lines, kernel_toml));
}

WsClient connect(const KernelProcess& kernel) {
    return WsClient::connect(kernel.plugin_port("host_misuse"), "/ws");
}

// Sends `command` and returns the status the plugin got from the host.
int status_of(WsClient& ws, const std::string& command) {
    REQUIRE(ws.send_text(command));
    const std::string reply = next_text_or_why(ws, kWait);
    const std::string name = command.substr(0, command.find(' '));
    REQUIRE(reply.rfind(name + " ", 0) == 0);
    return std::stoi(reply.substr(name.size() + 1));
}

// The connection still works: nothing the misuse did reached it.
void check_still_serves(WsClient& ws) {
    REQUIRE(ws.send_text("echo still here"));
    CHECK(next_text_or_why(ws, kWait) == "echo still here");
}

bool logged(const KernelProcess& kernel, std::initializer_list<std::string_view> words) {
    return wait_until([&] { return count_log_lines(kernel, words) > 0; }, kWait);
}

} // namespace

TEST_CASE("host checks: a frame released twice is refused, not freed twice",
          "[integration][abi][host]") {
    auto kernel = start_misuse();
    auto ws = connect(kernel);
    CHECK(status_of(ws, "double_release") == kInvalid);
    CHECK(logged(kernel, {"plugin host_misuse", "frame_release", "no reference"}));
    CHECK(logged(kernel, {"plugin host_misuse", "send with a frame it holds no reference"}));
    check_still_serves(ws);
}

TEST_CASE("host checks: a pointer the host never handed out is not a frame",
          "[integration][abi][host]") {
    auto kernel = start_misuse();
    auto ws = connect(kernel);
    CHECK(status_of(ws, "forged_frame") == kInvalid);
    CHECK(logged(kernel, {"plugin host_misuse", "send with a frame it holds no reference"}));
    check_still_serves(ws);
}

TEST_CASE("host checks: stale connection and group ids get SY_ERR_NOT_FOUND and a log line",
          "[integration][abi][host]") {
    auto kernel = start_misuse();
    auto ws = connect(kernel);
    CHECK(status_of(ws, "stale_conn") == kNotFound);
    CHECK(logged(kernel, {"plugin host_misuse", "send_text on connection", "not one of its"}));
    CHECK(status_of(ws, "stale_group") == kNotFound);
    CHECK(logged(kernel, {"plugin host_misuse", "broadcast on group", "not one of its groups"}));
    check_still_serves(ws);
}

TEST_CASE("host checks: a raw SSE frame never reaches a WebSocket", "[integration][abi][host]") {
    auto kernel = start_misuse();
    auto ws = connect(kernel);
    CHECK(status_of(ws, "raw_to_ws") == kInvalid);
    CHECK(logged(kernel, {"plugin host_misuse", "raw (SSE) frame to a WebSocket"}));
    // Raw bytes on the socket would have broken the client's framing: it would have
    // closed, or read "data: raw" as a frame.
    check_still_serves(ws);
}

TEST_CASE("host checks: a WebSocket frame never reaches an event stream, alone or in a group",
          "[integration][abi][host]") {
    auto kernel = start_misuse();
    auto sse = SseClient::connect(kernel.plugin_port("host_misuse"), "/events");
    REQUIRE(sse.status() == 200);
    auto ws = connect(kernel);
    CHECK(status_of(ws, "text_to_sse") == kInvalid);
    CHECK(status_of(ws, "mixed_broadcast") == kInvalid);
    CHECK(logged(kernel, {"plugin host_misuse", "WebSocket frame to an event stream"}));
    check_still_serves(ws);
    // Nothing reached the stream: the text frame's bytes (header and payload) would have
    // shown up as unparsed bytes or a broken event.
    CHECK_FALSE(sse.next(std::chrono::milliseconds(200)));
    CHECK(sse.unparsed().empty());
    CHECK_FALSE(sse.ended());
}

TEST_CASE("host checks: a [hooks] function called from a plugin's own thread is refused",
          "[integration][abi][host]") {
    auto kernel = start_misuse();
    auto ws = connect(kernel);
    CHECK(status_of(ws, "other_thread") == kWrongThread);
    CHECK(logged(kernel, {"plugin host_misuse", "send_text called outside the plugin's hooks"}));
    // The refused send never arrives.
    check_still_serves(ws);
}

TEST_CASE("lanes: a plugin publishes to its own streams and inbound topic only",
          "[integration][abi][lanes]") {
    auto kernel = start_misuse();
    auto ws = connect(kernel);
    CHECK(status_of(ws, "publish host_misuse") == 0);
    CHECK(status_of(ws, "publish host_misuse/sub") == 0);
    CHECK(status_of(ws, "publish inbound/host_misuse") == 0);
    CHECK(status_of(ws, "publish groove") == kDenied);
    CHECK(status_of(ws, "publish inbound/groove") == kDenied);
    CHECK(status_of(ws, "publish host_misuse_other") == kDenied);
    CHECK(status_of(ws, "publish inbound") == kDenied);
    CHECK(logged(kernel, {"plugin host_misuse", "publish to inbound/groove refused"}));
}

TEST_CASE("lanes: the config's publish_to grants a plugin another stream",
          "[integration][abi][lanes]") {
    auto kernel = start_misuse("publish_to = [\"groove\"]\n");
    auto ws = connect(kernel);
    CHECK(status_of(ws, "publish groove") == 0);
    CHECK(status_of(ws, "publish groove/agents") == 0);
    CHECK(status_of(ws, "publish jarvis") == kDenied);
}

TEST_CASE("lanes: a plugin cannot publish with another connection's scope.conn",
          "[integration][abi][lanes]") {
    auto kernel = start_misuse();
    auto ws = connect(kernel);
    auto other = connect(kernel);
    REQUIRE(ws.send_text("whoami"));
    const std::string mine = next_text_or_why(ws, kWait).substr(7);
    REQUIRE(other.send_text("whoami"));
    const std::string theirs = next_text_or_why(other, kWait).substr(7);
    CHECK(status_of(ws, "scope " + mine) == 0);
    CHECK(status_of(ws, "scope " + theirs) == 0); // also this plugin's connection
    other.close();
    // Once closed, the other connection's id is no longer the plugin's to speak for.
    REQUIRE(wait_until([&] { return status_of(ws, "scope " + theirs) == kDenied; }, kWait));
    CHECK(status_of(ws, "scope 123456789") == kDenied);
    CHECK(logged(kernel, {"plugin host_misuse", "scope.conn", "not one of its connections"}));
}

TEST_CASE("lanes: bus events a plugin's full queue lost reach it as a gap",
          "[integration][abi][lanes]") {
    auto kernel = start_misuse();
    auto ws = connect(kernel);
    // Published from inside one hook, nothing drains the plugin's queue (65,536 calls)
    // meanwhile: the last 1,000 events are lost to it. The newest of them still reaches
    // it, with the gap flag, once the queue drains (a burst may be the stream's last:
    // no later event would carry the gap); the next event then carries none.
    constexpr uint64_t kQueue = 65536;
    constexpr uint64_t kBurst = kQueue + 1000;
    CHECK(status_of(ws, "burst " + std::to_string(kBurst)) == 0);
    REQUIRE(wait_until(
        [&] {
            const auto plugins = parse_json(kernel.control().get("/api/v1/plugins").body);
            return plugins.as_object().at("plugins").as_array().at(0).as_object().at(
                       "queued_calls") == 0;
        },
        kWait));
    const uint64_t after = publish(kernel, R"({"topic":"host_misuse","type":"after"})");
    CHECK(after == kBurst + 1);
    REQUIRE(ws.send_text("events"));
    CHECK(next_text_or_why(ws, kWait) ==
          "events " + std::to_string(kQueue + 2) + " 1 " + std::to_string(kBurst));
    CHECK(logged(kernel, {"plugin host_misuse", "dropped", "told of the gap"}));
}

TEST_CASE("watchdog: a hook that runs past slow_hook_ms is logged and counted",
          "[integration][watchdog]") {
    auto kernel = start_misuse({}, "slow_hook_ms = 50\n");
    auto ws = connect(kernel);
    CHECK(status_of(ws, "spin 300") == 0);
    CHECK(logged(kernel, {"plugin host_misuse", "hook on_message", "slow_hook_ms = 50"}));
    const auto plugins = parse_json(kernel.control().get("/api/v1/plugins").body);
    const auto& plugin = plugins.as_object().at("plugins").as_array().at(0).as_object();
    CHECK(plugin.at("slow_hooks").as_int64() == 1);
    // A quick hook is not counted.
    CHECK(status_of(ws, "spin 0") == 0);
    const auto again = parse_json(kernel.control().get("/api/v1/plugins").body);
    CHECK(
        again.as_object().at("plugins").as_array().at(0).as_object().at("slow_hooks").as_int64() ==
        1);
}

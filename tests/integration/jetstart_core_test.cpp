// The jetstart plugin's core WebSocket in a real kernel (seed 003, PROTOCOLS.md
// "jetstart", issue 11): client:connect first, the close codes 4001, 4002 and 1008, every
// field of every client message validated with its own error, the shipping clients'
// handshakes (the hot-reload runtime's token-less connect and its pong, the companion's
// connect without a timestamp), server messages only to the session's authenticated
// sockets with timestamp and sessionId filled in, client:log to the logs socket and as
// core:log to the other clients, silent devices dropped, a 16 MiB dex reload to 50
// devices while a slow one is cut off, shutdown and reload. The test plays the backend
// through the control API (publish, and SSE on stream `inbound`).
#include "jetstart_fixture.hpp"
#include "kernel_log_lines.hpp"
#include "plugin_control.hpp"
#include "plugin_list.hpp"
#include "process_memory.hpp"
#include "raw_tcp_client.hpp"
#include "raw_websocket.hpp"
#include "test_json.hpp"
#include "wait_until.hpp"
#include "ws_client.hpp"

#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

using namespace switchyard::test;
namespace json = boost::json;

namespace {

constexpr auto kWait = std::chrono::seconds(10);
constexpr auto kQuiet = std::chrono::milliseconds(300);

// What a refused socket showed: the messages before the close, the close code and reason.
struct Refusal {
    std::vector<std::string> messages;
    std::optional<uint16_t> code;
    std::string reason;

    // Everything, for failure messages.
    std::string describe() const {
        std::string text = "close " + std::to_string(code.value_or(0)) + " \"" + reason + "\"";
        for (const auto& message : messages) text += "\n  got " + message;
        return text;
    }
    // True when `part` appears in a message or in the close reason.
    bool names(std::string_view part) const {
        if (reason.find(part) != std::string::npos) return true;
        for (const auto& message : messages)
            if (message.find(part) != std::string::npos) return true;
        return false;
    }
};

// Opens the core socket, sends `first` (nothing when empty) and waits for the server to
// close it; what arrived meanwhile is kept.
Refusal refused(const KernelProcess& kernel, const std::string& first,
                std::chrono::milliseconds timeout = kWait) {
    auto device = WsClient::connect(core_port(kernel), "/");
    if (!first.empty()) REQUIRE(device.send_text(first));
    Refusal refusal;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!device.closed() && std::chrono::steady_clock::now() < deadline) {
        if (auto message = device.read(std::chrono::milliseconds(200)))
            refusal.messages.push_back(message->payload);
    }
    refusal.code = device.close_code();
    refusal.reason = device.close_reason();
    return refusal;
}

std::string connect_with(json::object fields) {
    json::object message{{"type", "client:connect"}};
    for (const auto& member : fields) message[member.key()] = member.value();
    return json::serialize(message);
}

json::object device_info(std::string_view platform = "android") {
    return json::object{{"id", "d1"},
                        {"model", "Pixel"},
                        {"platform", platform},
                        {"architecture", "arm64"},
                        {"androidVersion", "14"},
                        {"apiLevel", 34}};
}

// Sends `message` from an authenticated device and requires its core:error naming
// `field`, with the socket left open.
void expect_error(WsClient& device, const std::string& message, std::string_view field) {
    INFO("sent " << message);
    REQUIRE(device.send_text(message));
    const json::object answer = next_object(device);
    INFO("got " << json::serialize(answer));
    CHECK(string_field(answer, "type") == "core:error");
    CHECK(string_field(answer, "sessionId") == kJetSession);
    CHECK(answer.contains("timestamp"));
    CHECK(string_field(answer, "error").find(field) != std::string::npos);
    CHECK_FALSE(device.closed());
}

// A valid client:log from `sender` with message `text`.
std::string client_log(std::string_view id, std::string_view text,
                       std::string_view level = "info") {
    json::object log{{"id", id},        {"timestamp", wall_ms()},
                     {"level", level},  {"tag", "MainActivity"},
                     {"message", text}, {"source", "client"}};
    return json::serialize(json::object{{"type", "client:log"},
                                        {"timestamp", wall_ms()},
                                        {"sessionId", kJetSession},
                                        {"log", log}});
}

// Publishes a marker and reads `device` until it arrives; returns the types before it.
std::vector<std::string> types_until_marker(const KernelProcess& kernel, WsClient& device,
                                            std::string_view marker = "core:reload") {
    publish_jetstart(kernel, marker, R"({"reloadType":"full","marker":true})");
    std::vector<std::string> types;
    for (int i = 0; i < 1000; ++i) {
        const json::object message = next_object(device);
        if (string_field(message, "type") == marker && message.contains("marker")) break;
        types.push_back(json::serialize(message));
    }
    return types;
}

// The peak resident set size of process `pid` in KiB (VmHWM of /proc/<pid>/status).
uint64_t peak_resident_kib(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6));
    }
    throw std::runtime_error("no VmHWM for process " + std::to_string(pid));
}

} // namespace

TEST_CASE("jetstart core: a wrong sessionId closes with 4001 and its exact reason",
          "[integration][jetstart][core]") {
    auto kernel = start_jetstart();
    const Refusal refusal = refused(kernel, seed_connect("not-the-session", kJetToken));
    INFO(refusal.describe());
    CHECK(refusal.code == 4001);
    CHECK(refusal.reason == "Session mismatch — rescan QR code");
    CHECK_FALSE(refusal.names("core:connected"));
}

TEST_CASE("jetstart core: a wrong token closes with 4002 and its exact reason",
          "[integration][jetstart][core]") {
    auto kernel = start_jetstart();
    const Refusal refusal = refused(kernel, seed_connect(kJetSession, "wrong-token"));
    INFO(refusal.describe());
    CHECK(refusal.code == 4002);
    CHECK(refusal.reason == "Token mismatch — rescan QR code");
    CHECK_FALSE(refusal.names("core:connected"));
}

TEST_CASE("jetstart core: a first message other than client:connect closes with 1008",
          "[integration][jetstart][core]") {
    auto kernel = start_jetstart();
    for (const std::string& first : {std::string(R"({"type":"client:heartbeat","timestamp":1})"),
                                     client_log("l1", "before connect"), std::string("not json"),
                                     std::string(R"(["client:connect"])")}) {
        INFO("first message " << first);
        const Refusal refusal = refused(kernel, first);
        INFO(refusal.describe());
        CHECK(refusal.code == 1008);
        CHECK_FALSE(refusal.reason.empty());
        CHECK_FALSE(refusal.names("core:connected"));
    }
}

TEST_CASE("jetstart core: no client:connect within connect_timeout_ms closes with 1008",
          "[integration][jetstart][core]") {
    auto kernel = start_jetstart("connect_timeout_ms = 300\n");
    const Refusal refusal = refused(kernel, "");
    INFO(refusal.describe());
    CHECK(refusal.code == 1008);
    CHECK_FALSE(refusal.reason.empty());
    CHECK(refusal.messages.empty());
}

TEST_CASE("jetstart core: each ill-typed client:connect field is refused with 1008 naming it",
          "[integration][jetstart][core]") {
    auto kernel = start_jetstart();
    struct Case {
        std::string field;
        std::string message;
    };
    auto with_info = [](std::string_view key, json::value value) {
        json::object info = device_info();
        info[key] = std::move(value);
        return connect_with(
            {{"sessionId", kJetSession}, {"token", kJetToken}, {"deviceInfo", info}});
    };
    const std::vector<Case> cases = {
        {"sessionId", connect_with({{"token", kJetToken}})},
        {"sessionId", connect_with({{"sessionId", 42}, {"token", kJetToken}})},
        {"token", connect_with({{"sessionId", kJetSession}, {"token", 7}})},
        {"timestamp",
         connect_with({{"sessionId", kJetSession}, {"token", kJetToken}, {"timestamp", "now"}})},
        {"deviceInfo",
         connect_with({{"sessionId", kJetSession}, {"token", kJetToken}, {"deviceInfo", "x"}})},
        {"deviceInfo.id", with_info("id", 1)},
        {"deviceInfo.model", with_info("model", json::array{})},
        {"deviceInfo.platform", with_info("platform", "ios")},
        {"deviceInfo.platform", with_info("platform", 1)},
        {"deviceInfo.architecture", with_info("architecture", "mips")},
        {"deviceInfo.architecture", with_info("architecture", "ARM64")},
        {"deviceInfo.androidVersion", with_info("androidVersion", 14)},
        {"deviceInfo.apiLevel", with_info("apiLevel", "34")},
    };
    for (const auto& c : cases) {
        INFO("sent " << c.message);
        const Refusal refusal = refused(kernel, c.message);
        INFO(refusal.describe());
        CHECK(refusal.code == 1008);
        CHECK(refusal.names(c.field));
        CHECK_FALSE(refusal.names("core:connected"));
    }
    // Every enum value is accepted.
    for (const char* platform : {"android", "web"}) {
        for (const char* architecture : {"arm64", "x86_64", "x86"}) {
            json::object info = device_info(platform);
            info["architecture"] = architecture;
            INFO(platform << " " << architecture);
            CHECK_NOTHROW(open_device(kernel, connect_with({{"sessionId", kJetSession},
                                                            {"token", kJetToken},
                                                            {"timestamp", wall_ms()},
                                                            {"deviceInfo", info}})));
        }
    }
}

TEST_CASE("jetstart core: core:connected carries the sessionId and the projectName",
          "[integration][jetstart][core]") {
    SECTION("the default project name") {
        auto kernel = start_jetstart();
        auto device = WsClient::connect(core_port(kernel), "/");
        const int64_t before = wall_ms();
        REQUIRE(device.send_text(seed_connect()));
        const json::object connected = next_object(device);
        INFO(json::serialize(connected));
        CHECK(string_field(connected, "type") == "core:connected");
        CHECK(string_field(connected, "sessionId") == kJetSession);
        CHECK(string_field(connected, "projectName") == "JetStart Project");
        REQUIRE(connected.contains("timestamp"));
        REQUIRE(connected.at("timestamp").is_number());
        CHECK(connected.at("timestamp").to_number<int64_t>() >= before - 1000);
    }
    SECTION("project_name from the config") {
        auto kernel = start_jetstart("project_name = \"Weather App\"\n");
        auto device = WsClient::connect(core_port(kernel), "/");
        REQUIRE(device.send_text(seed_connect()));
        const json::object connected = next_object(device);
        INFO(json::serialize(connected));
        CHECK(string_field(connected, "projectName") == "Weather App");
    }
}

TEST_CASE(
    "jetstart core: the hot-reload runtime connects without a token and its pong never "
    "closes the socket",
    "[integration][jetstart][core][shipping]") {
    auto kernel = start_jetstart();
    // Exactly what HotReloadClient sends on open (dev-phantom/jetstart,
    // packages/hot-reload-runtime): no token, no timestamp, no deviceInfo.
    auto runtime =
        open_device(kernel, R"({"type":"client:connect","sessionId":")" + std::string(kJetSession) +
                                R"(","clientType":"test-app"})");
    // The backend pings it; the runtime answers {"type":"pong"}.
    publish_jetstart(kernel, "ping");
    const json::object ping = next_object(runtime);
    INFO(json::serialize(ping));
    CHECK(string_field(ping, "type") == "ping");
    CHECK(string_field(ping, "sessionId") == kJetSession);
    for (int i = 0; i < 3; ++i) REQUIRE(runtime.send_text(R"({"type":"pong"})"));
    // An unknown type is answered, never fatal.
    REQUIRE(runtime.send_text(R"({"type":"reload-ack","success":true,"timestamp":1})"));
    // Still authenticated and served: a dex reload reaches it.
    const auto types = types_until_marker(kernel, runtime, "core:dex-reload");
    for (const auto& type : types) {
        INFO(type);
        CHECK(type.find("core:error") != std::string::npos);
    }
    CHECK_FALSE(runtime.closed());
}

TEST_CASE("jetstart core: the companion's connect without a timestamp is accepted",
          "[integration][jetstart][core][shipping]") {
    auto kernel = start_jetstart();
    json::object message{{"type", "client:connect"},
                         {"sessionId", kJetSession},
                         {"token", kJetToken},
                         {"deviceInfo", device_info()}};
    auto companion = open_device(kernel, json::serialize(message));
    publish_jetstart(kernel, "core:build-start");
    CHECK(string_field(next_object(companion), "type") == "core:build-start");
}

TEST_CASE("jetstart core: require_token refuses a connect without a token with 4002",
          "[integration][jetstart][core]") {
    auto kernel = start_jetstart("require_token = true\n");
    const Refusal refusal =
        refused(kernel, R"({"type":"client:connect","sessionId":")" + std::string(kJetSession) +
                            R"(","clientType":"test-app"})");
    INFO(refusal.describe());
    CHECK(refusal.code == 4002);
    CHECK(refusal.reason == "Token mismatch — rescan QR code");
    // With the token it still connects.
    CHECK_NOTHROW(open_device(kernel));
}

TEST_CASE(
    "jetstart core: each ill-formed client message gets its own core:error and the "
    "socket stays open",
    "[integration][jetstart][core]") {
    auto kernel = start_jetstart();
    auto device = open_device(kernel);
    const std::string s(kJetSession);
    // client:status
    expect_error(device, R"({"type":"client:status","timestamp":1})", "status");
    expect_error(device, R"({"type":"client:status","timestamp":1,"status":"sleeping"})", "status");
    expect_error(device, R"({"type":"client:status","timestamp":1,"status":3})", "status");
    expect_error(device, R"({"type":"client:status","timestamp":1,"status":"idle","message":5})",
                 "message");
    expect_error(device, R"({"type":"client:status","timestamp":"1","status":"idle"})",
                 "timestamp");
    // client:log
    expect_error(device, R"({"type":"client:log","timestamp":1})", "log");
    expect_error(device, R"({"type":"client:log","timestamp":1,"log":"text"})", "log");
    expect_error(device, R"({"type":"client:log","timestamp":1,"sessionId":1,"log":{}})",
                 "sessionId");
    const std::string good_log =
        R"("id":"l1","timestamp":1,"level":"info","tag":"T","message":"m","source":"client")";
    auto log_with = [&](std::string_view fields) {
        return R"({"type":"client:log","timestamp":1,"log":{)" + std::string(fields) + "}}";
    };
    expect_error(
        device,
        log_with(R"("timestamp":1,"level":"info","tag":"T","message":"m","source":"client")"),
        "log.id");
    expect_error(
        device,
        log_with(
            R"("id":"l1","timestamp":"x","level":"info","tag":"T","message":"m","source":"client")"),
        "log.timestamp");
    expect_error(
        device,
        log_with(
            R"("id":"l1","timestamp":1,"level":"loud","tag":"T","message":"m","source":"client")"),
        "log.level");
    expect_error(
        device,
        log_with(
            R"("id":"l1","timestamp":1,"level":"info","tag":2,"message":"m","source":"client")"),
        "log.tag");
    expect_error(
        device,
        log_with(
            R"("id":"l1","timestamp":1,"level":"info","tag":"T","message":null,"source":"client")"),
        "log.message");
    expect_error(
        device,
        log_with(
            R"("id":"l1","timestamp":1,"level":"info","tag":"T","message":"m","source":"phone")"),
        "log.source");
    expect_error(device, log_with(good_log + R"(,"metadata":[1])"), "log.metadata");
    // client:heartbeat
    expect_error(device, R"({"type":"client:heartbeat","timestamp":"soon"})", "timestamp");
    // client:disconnect
    expect_error(device, R"({"type":"client:disconnect","timestamp":1,"reason":false})", "reason");
    // client:click (this device is android: refused whatever its fields)
    expect_error(
        device,
        R"({"type":"client:click","timestamp":1,"action":"onClick","elementType":"Button","elementText":"OK"})",
        "click");
    // Unknown types and bad JSON.
    expect_error(device, R"({"type":"client:teleport","timestamp":1})", "client:teleport");
    expect_error(device, R"({"timestamp":1})", "type");
    expect_error(device, "{not json", "JSON");
    // After all that, it is still served.
    publish_jetstart(kernel, "core:build-start");
    CHECK(string_field(next_object(device), "type") == "core:build-start");
}

TEST_CASE(
    "jetstart core: client:click from a web client is validated and reaches the backend, "
    "from android it is refused",
    "[integration][jetstart][core]") {
    auto kernel = start_jetstart();
    auto feed = jetstart_inbound_feed(kernel);
    json::object connect{{"type", "client:connect"},
                         {"sessionId", kJetSession},
                         {"token", kJetToken},
                         {"deviceInfo", device_info("web")}};
    auto web = open_device(kernel, json::serialize(connect));
    expect_error(web, R"({"type":"client:click","timestamp":1,"elementType":"Button"})", "action");
    expect_error(web, R"({"type":"client:click","timestamp":1,"action":"onClick"})", "elementType");
    expect_error(
        web,
        R"({"type":"client:click","timestamp":1,"action":"onClick","elementType":"Button","elementText":9})",
        "elementText");
    const std::string click =
        R"({"type":"client:click","timestamp":1,"sessionId":")" + std::string(kJetSession) +
        R"(","action":"onClick","elementType":"Button","elementText":"Increment"})";
    REQUIRE(web.send_text(click));
    json::object event;
    for (int i = 0; i < 20; ++i) {
        event = next_jetstart_inbound(feed);
        if (string_field(event, "type") == "client:click") break;
    }
    INFO(json::serialize(event));
    REQUIRE(string_field(event, "type") == "client:click");
    CHECK(string_field(event.at("data"), "elementText") == "Increment");
    REQUIRE(event.contains("scope"));
    CHECK_FALSE(string_field(event.at("scope"), "conn").empty());

    auto android = open_device(kernel);
    expect_error(android, click, "click");
}

TEST_CASE("jetstart core: client messages reach the backend on inbound/jetstart with scope.conn",
          "[integration][jetstart][core]") {
    auto kernel = start_jetstart();
    auto feed = jetstart_inbound_feed(kernel);
    auto device = open_device(kernel);
    const std::vector<std::string> sent = {
        R"({"type":"client:status","timestamp":1,"status":"idle","message":"ok"})",
        R"({"type":"client:heartbeat","timestamp":2})", client_log("l1", "hello"),
        R"({"type":"client:disconnect","timestamp":3,"reason":"bye"})"};
    for (const auto& message : sent) REQUIRE(device.send_text(message));
    std::vector<json::object> events;
    std::string conn;
    while (events.size() < 10) {
        json::object event = next_jetstart_inbound(feed);
        if (string_field(event, "type") == "client:connect") continue;
        events.push_back(event);
        if (string_field(event, "type") == "client:disconnect") break;
    }
    std::vector<std::string> types;
    for (const auto& event : events) {
        INFO(json::serialize(event));
        types.push_back(string_field(event, "type"));
        REQUIRE(event.contains("scope"));
        const std::string this_conn = string_field(event.at("scope"), "conn");
        CHECK_FALSE(this_conn.empty());
        if (conn.empty()) conn = this_conn;
        CHECK(this_conn == conn);
    }
    CHECK(types == std::vector<std::string>{"client:status", "client:heartbeat", "client:log",
                                            "client:disconnect"});
    CHECK(string_field(events.at(0).at("data"), "message") == "ok");
    CHECK(string_field(events.at(3).at("data"), "reason") == "bye");
}

TEST_CASE(
    "jetstart core: server messages reach only authenticated sockets, with timestamp and "
    "sessionId the backend cannot override",
    "[integration][jetstart][core]") {
    auto kernel = start_jetstart("connect_timeout_ms = 60000\n");
    auto silent = WsClient::connect(core_port(kernel), "/"); // never sends client:connect
    auto device = open_device(kernel);
    auto other = open_device(kernel);
    const Refusal wrong_session = refused(kernel, seed_connect("another-session", kJetToken));
    CHECK(wrong_session.code == 4001);

    const int64_t before = wall_ms();
    const std::vector<std::pair<std::string, std::string>> messages = {
        {"core:build-start", "{}"},
        {"core:build-status", R"({"status":"compiling"})"},
        {"core:build-error", R"({"error":"e: Main.kt:3","details":{"line":3}})"},
        {"core:ui-update", R"({"dslContent":"{}","screens":["Home"],"hash":"h"})"},
        {"core:js-update", R"({"jsBase64":"QUJD","sourceFile":"Main.kt","byteSize":3})"},
        {"core:dex-reload", R"({"dexBase64":"ZGV4","classNames":["a.B"]})"},
        {"core:log",
         R"({"log":{"id":"x","timestamp":1,"level":"info","tag":"t","message":"m","source":"core"}})"},
        {"core:reload",
         R"({"reloadType":"hot","sessionId":"forged","timestamp":1,"type":"core:forged"})"},
    };
    for (const auto& [type, data] : messages) publish_jetstart(kernel, type, data);
    for (WsClient* client : {&device, &other}) {
        for (const auto& [type, data] : messages) {
            const json::object got = next_object(*client);
            INFO(json::serialize(got));
            CHECK(string_field(got, "type") == type);
            CHECK(string_field(got, "sessionId") == kJetSession);
            REQUIRE(got.contains("timestamp"));
            REQUIRE(got.at("timestamp").is_number());
            CHECK(got.at("timestamp").to_number<int64_t>() >= before - 1000);
            CHECK(got.at("timestamp").to_number<int64_t>() <= wall_ms() + 1000);
            const json::value published = parse_json(data);
            for (const auto& member : published.as_object()) {
                if (member.key() == "sessionId" || member.key() == "timestamp" ||
                    member.key() == "type")
                    continue;
                REQUIRE(got.contains(member.key()));
                CHECK(json::serialize(got.at(member.key())) == json::serialize(member.value()));
            }
        }
    }
    // The socket that never authenticated saw none of it.
    const auto nothing = silent.read(kQuiet);
    CHECK_FALSE(nothing.has_value());
}

TEST_CASE("jetstart core: a socket that failed the handshake or never sent it sees nothing",
          "[integration][jetstart][core][isolation]") {
    auto kernel = start_jetstart("connect_timeout_ms = 60000\n");
    auto never = WsClient::connect(core_port(kernel), "/");
    // A socket of another session: refused, and it gets nothing before its close.
    auto stranger = WsClient::connect(core_port(kernel), "/");
    REQUIRE(stranger.send_text(seed_connect("session-of-someone-else", kJetToken)));
    auto device = open_device(kernel);
    publish_jetstart(kernel, "core:dex-reload", R"({"dexBase64":"c2VjcmV0","classNames":[]})");
    CHECK(string_field(next_object(device), "type") == "core:dex-reload");
    std::vector<std::string> stranger_got;
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (!stranger.closed() && std::chrono::steady_clock::now() < deadline) {
        if (auto message = stranger.read(std::chrono::milliseconds(100)))
            stranger_got.push_back(message->payload);
    }
    CHECK(stranger.close_code() == 4001);
    for (const auto& message : stranger_got) {
        INFO(message);
        CHECK(message.find("c2VjcmV0") == std::string::npos);
    }
    CHECK_FALSE(never.read(kQuiet).has_value());
}

TEST_CASE(
    "jetstart core: client:log reaches the logs subscribers and the other core clients as "
    "core:log, never its sender",
    "[integration][jetstart][core][logs]") {
    auto kernel = start_jetstart();
    auto logs = WsClient::connect(logs_port(kernel), "/");
    REQUIRE(logs.send_text(R"({"type":"subscribe"})"));
    auto sender = open_device(kernel);
    auto dashboard = open_device(kernel);
    auto cli = open_device(kernel);
    // Make sure the subscription is in place: stats answers after it.
    REQUIRE(logs.send_text(R"({"type":"stats"})"));
    {
        const json::object stats = next_object(logs);
        REQUIRE(string_field(stats, "type") == "stats");
    }
    REQUIRE(sender.send_text(client_log("dev-log-1", "Button clicked", "warn")));
    for (WsClient* client : {&dashboard, &cli}) {
        const json::object got = next_object(*client);
        INFO(json::serialize(got));
        CHECK(string_field(got, "type") == "core:log");
        CHECK(string_field(got, "sessionId") == kJetSession);
        CHECK(got.contains("timestamp"));
        REQUIRE(got.contains("log"));
        CHECK(string_field(got.at("log"), "id") == "dev-log-1");
        CHECK(string_field(got.at("log"), "message") == "Button clicked");
        CHECK(string_field(got.at("log"), "level") == "warn");
    }
    const json::object entry = next_object(logs);
    INFO(json::serialize(entry));
    CHECK(string_field(entry, "id") == "dev-log-1");
    CHECK(string_field(entry, "message") == "Button clicked");
    CHECK(string_field(entry, "tag") == "MainActivity");
    CHECK_FALSE(entry.contains("type"));
    // The sender got nothing back before the marker.
    const auto types = types_until_marker(kernel, sender);
    for (const auto& type : types) INFO(type);
    CHECK(types.empty());
}

TEST_CASE(
    "jetstart core: a device silent for more than two heartbeat intervals is dropped and "
    "reported to the backend",
    "[integration][jetstart][core][heartbeat]") {
    auto kernel = start_jetstart("heartbeat_interval_ms = 200\n");
    auto feed = jetstart_inbound_feed(kernel);
    auto live = open_device(kernel);
    auto silent = open_device(kernel);
    // Both send a heartbeat (a device that sends them); the backend learns their conns.
    REQUIRE(live.send_text(R"({"type":"client:heartbeat","timestamp":1})"));
    REQUIRE(silent.send_text(R"({"type":"client:heartbeat","timestamp":2})"));
    std::string silent_conn;
    while (silent_conn.empty()) {
        const json::object event = next_jetstart_inbound(feed);
        if (string_field(event, "type") == "client:heartbeat" &&
            event.at("data").as_object().at("timestamp").to_number<int64_t>() == 2)
            silent_conn = string_field(event.at("scope"), "conn");
    }
    // `live` keeps sending heartbeats until `silent`, which sends nothing more (it still
    // reads, so it answers the kernel's pings), is gone.
    const bool dropped = wait_until(
        [&] {
            live.send_text(R"({"type":"client:heartbeat","timestamp":1})");
            live.read(std::chrono::milliseconds(1));
            silent.read(std::chrono::milliseconds(50));
            return silent.closed();
        },
        std::chrono::seconds(15), std::chrono::milliseconds(50));
    REQUIRE(dropped);
    INFO("close " << silent.close_code().value_or(0) << " " << silent.close_reason());
    CHECK_FALSE(live.closed());
    // The backend hears of it: an inbound/jetstart event about the dropped connection.
    bool reported = false;
    for (int i = 0; i < 500 && !reported; ++i) {
        const json::object event = next_jetstart_inbound(feed);
        const std::string type = string_field(event, "type");
        if (type == "client:heartbeat" || type == "client:connect") continue;
        INFO(json::serialize(event));
        CHECK(string_field(event.at("scope"), "conn") == silent_conn);
        reported = true;
    }
    CHECK(reported);
    // The live device is still served.
    publish_jetstart(kernel, "core:build-start");
    bool got = false;
    for (int i = 0; i < 5 && !got; ++i)
        got = string_field(next_object(live), "type") == "core:build-start";
    CHECK(got);
}

TEST_CASE(
    "jetstart core: a 16 MiB dex reload reaches 50 devices intact while a slow device is "
    "cut off without holding memory",
    "[integration][jetstart][core][large]") {
    // One replayed event at most, so the bus does not keep the payloads.
    auto kernel = start_jetstart({}, true, "[bus]\nreplay = 1\n");
    // 16 MiB of dex bytes, base64: 22 369 624 characters.
    std::string dex(16u << 20, '\0');
    uint32_t x = 12345;
    for (char& c : dex) {
        x = x * 1103515245u + 12345u;
        c = char(x >> 24);
    }
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string base64;
    base64.reserve((dex.size() + 2) / 3 * 4);
    for (size_t i = 0; i < dex.size(); i += 3) {
        const uint32_t n = (uint32_t(uint8_t(dex[i])) << 16) |
                           (i + 1 < dex.size() ? uint32_t(uint8_t(dex[i + 1])) << 8 : 0) |
                           (i + 2 < dex.size() ? uint32_t(uint8_t(dex[i + 2])) : 0);
        base64 += kAlphabet[(n >> 18) & 63];
        base64 += kAlphabet[(n >> 12) & 63];
        base64 += i + 1 < dex.size() ? kAlphabet[(n >> 6) & 63] : '=';
        base64 += i + 2 < dex.size() ? kAlphabet[n & 63] : '=';
    }
    const std::string data =
        R"({"dexBase64":")" + base64 + R"(","classNames":["com.example.Main"]})";

    // The slow device: authenticated over a raw connection, then never read.
    auto slow = RawTcpClient::connect(core_port(kernel));
    REQUIRE(slow.write(websocket_upgrade_request("/")));
    REQUIRE(slow.write(masked_client_frame(0x1, seed_connect())));
    REQUIRE(slow.read_until(
        [](const std::string& got) { return got.find("core:connected") != std::string::npos; },
        kWait));

    std::vector<WsClient> devices;
    for (int i = 0; i < 50; ++i) devices.push_back(open_device(kernel));

    publish_jetstart(kernel, "core:dex-reload", data);
    for (size_t i = 0; i < devices.size(); ++i) {
        INFO("device " << i);
        const auto message = devices[i].read(std::chrono::seconds(60));
        REQUIRE(message.has_value());
        REQUIRE(message->payload.size() > base64.size());
        const json::value got = parse_json(message->payload);
        CHECK(string_field(got, "type") == "core:dex-reload");
        CHECK(string_field(got, "sessionId") == kJetSession);
        // Byte for byte.
        CHECK(string_field(got, "dexBase64") == base64);
    }
    // One device stays, a fast reader: it receiving each later reload shows the kernel
    // has handled that publish before the next one goes in, so reloads do not pile up in
    // the bus and what the peak RSS shows is what the slow device is made to hold.
    WsClient witness = std::move(devices.front());
    devices.clear();
    // The kernel's peak RSS so far includes what one 16 MiB reload costs (the control
    // API's body, the bus event, the one shared frame).
    const uint64_t first_peak_kib = peak_resident_kib(kernel.pid());

    // More reloads: the slow device cannot take them; it is cut off, and the kernel does
    // not keep a copy per publish for it.
    for (int round = 0; round < 16; ++round) {
        publish_jetstart(kernel, "core:dex-reload", data);
        const auto message = witness.read(std::chrono::seconds(60));
        REQUIRE(message.has_value());
        CHECK(message->payload.size() > base64.size());
    }
    // The slow device's connection ends (it reads what was in flight, then the end).
    CHECK(slow.wait_closed(std::chrono::seconds(60)));
    const uint64_t later_peak_kib = peak_resident_kib(kernel.pid());
    const uint64_t wire_kib = data.size() / 1024;
    INFO("peak RSS after the first reload "
         << first_peak_kib << " KiB, after sixteen more " << later_peak_kib << " KiB, one message "
         << wire_kib << " KiB; the slow device received " << slow.received().size() << " bytes");
    // Bounded however many were published: the endpoint lets one connection queue about
    // three such messages (its byte bound) before cutting it off, one publish in flight
    // costs about four (body, bus event, splice, frame), and the allocator's heaps add
    // their slack (measured here: 6.5x to 8.5x). Without the cut-off the slow device
    // would hold all sixteen frames (measured with the bound lifted to 1 GiB: 16x after
    // ten publishes).
#if defined(__SANITIZE_ADDRESS__)
    // Under AddressSanitizer freed memory waits in its quarantine (256 MiB) before reuse,
    // so the peak says nothing about what the kernel holds: the bound is checked in the
    // plain build only.
    WARN("peak RSS bound not checked under AddressSanitizer");
#else
    CHECK(later_peak_kib < first_peak_kib + 12 * wire_kib);
#endif
    // The kernel still serves a fresh device.
    auto fresh = open_device(kernel);
    publish_jetstart(kernel, "core:build-start");
    CHECK(string_field(next_object(fresh), "type") == "core:build-start");
}

TEST_CASE("jetstart core: SIGTERM sends core:disconnect Server stopped then closes 1001",
          "[integration][jetstart][core][shutdown]") {
    auto kernel = start_jetstart();
    std::vector<WsClient> devices;
    for (int i = 0; i < 3; ++i) devices.push_back(open_device(kernel));
    kernel.send_signal(SIGTERM);
    for (auto& device : devices) {
        const json::object goodbye = next_object(device);
        INFO(json::serialize(goodbye));
        CHECK(string_field(goodbye, "type") == "core:disconnect");
        CHECK(string_field(goodbye, "reason") == "Server stopped");
        CHECK(goodbye.contains("timestamp"));
        CHECK(device.wait_closed(kWait));
        CHECK(device.close_code() == 1001);
    }
    CHECK(kernel.wait_exit(std::chrono::seconds(20)).has_value());
}

TEST_CASE(
    "jetstart core: a reload keeps devices connected and authenticated and keeps the "
    "stored logs",
    "[integration][jetstart][core][reload]") {
    auto kernel = start_jetstart();
    auto device = open_device(kernel);
    auto dashboard = open_device(kernel);
    REQUIRE(device.send_text(client_log("before-reload", "kept")));
    CHECK(string_field(next_object(dashboard), "type") == "core:log");
    const uint64_t generation = settled_generation(kernel, "jetstart");
    const HttpResponse reloaded = reload_plugin(kernel, "jetstart");
    INFO(reloaded.body);
    REQUIRE(reloaded.status == 200);
    REQUIRE(wait_until([&] { return settled_generation(kernel, "jetstart") > generation; }, kWait));
    // Still connected and authenticated: server messages reach them.
    publish_jetstart(kernel, "core:dex-reload", R"({"dexBase64":"QQ==","classNames":[]})");
    for (WsClient* client : {&device, &dashboard}) {
        const json::object got = next_object(*client);
        INFO(json::serialize(got));
        CHECK(string_field(got, "type") == "core:dex-reload");
        CHECK(string_field(got, "sessionId") == kJetSession);
    }
    // Their messages are still accepted as an authenticated device's.
    REQUIRE(device.send_text(client_log("after-reload", "new")));
    const json::object log = next_object(dashboard);
    INFO(json::serialize(log));
    CHECK(string_field(log, "type") == "core:log");
    // The stored logs survived the reload.
    auto logs = WsClient::connect(logs_port(kernel), "/");
    REQUIRE(logs.send_text(R"({"type":"subscribe"})"));
    std::vector<std::string> ids;
    for (int i = 0; i < 2; ++i) ids.push_back(string_field(next_object(logs), "id"));
    CHECK(ids == std::vector<std::string>{"before-reload", "after-reload"});
}

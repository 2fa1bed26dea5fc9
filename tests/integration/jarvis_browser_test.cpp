// The jarvis dashboard in Debian's Chromium (tests/browser/jarvis_dashboard.mjs, driven
// by playwright-core): seed 000's browser bootstrap end to end. The browser loads
// /?token=..., keeps the cookie, the page Switchyard ships (served from dashboard_dir)
// opens new WebSocket('/ws') and chats; this test is the backend, reading the chat from
// the bus stream `inbound`, answering that connection with text and speech and
// publishing an event for every client. Once straight to the kernel (ws:), once through
// nginx with TLS (wss:, the cookie Secure), where the Origin is accepted because the
// proxy passes the browser's Host on.
//
// Nothing here skips: without Chromium, Node or playwright-core (scripts/setup installs
// them, CI runs it) the test fails saying what is missing.
#include "kernel_process.hpp"
#include "publish.hpp"
#include "sse_client.hpp"
#include "temp_dir.hpp"
#include "test_json.hpp"
#include "tls_proxy.hpp"
#include "toml_text.hpp"

#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

using namespace switchyard::test;
namespace json = boost::json;

namespace {

constexpr auto kBrowserWait = std::chrono::seconds(60);
constexpr std::string_view kToken = "browser-T0ken";

const std::filesystem::path kBrowserDir =
    std::filesystem::path(SWITCHYARD_SOURCE_DIR) / "tests/browser";

// Starts the script, after checking what it needs, so a missing install says what to do.
ChildProcess start_browser(const std::string& base, const TempDir& profile) {
    INFO("Debian's chromium is installed by scripts/setup");
    REQUIRE(std::filesystem::exists("/usr/bin/chromium"));
    INFO("Node (" SWITCHYARD_NODE ") is installed by scripts/setup");
    REQUIRE(std::filesystem::exists(SWITCHYARD_NODE));
    INFO("playwright-core is installed by scripts/setup (npm ci in tests/browser)");
    REQUIRE(std::filesystem::exists(kBrowserDir / "node_modules/playwright-core/package.json"));
    return ChildProcess::spawn({SWITCHYARD_NODE, (kBrowserDir / "jarvis_dashboard.mjs").string(),
                                base, std::string(kToken), profile.path().string()});
}

// Plays the backend for one browser session and checks what it saw: the chat the person
// typed, forwarded with the page's connection id; then answers that connection.
void serve_browser(const KernelProcess& kernel, const std::string& base,
                   const std::string& expected_scheme, const std::string& extra_log = {}) {
    auto inbound = SseClient::connect(kernel.control_port(), "/api/v1/events?stream=inbound",
                                      {{"Last-Event-ID", "0"}});
    REQUIRE(inbound.status() == 200);
    TempDir profile("chromium");
    ChildProcess browser = start_browser(base, profile);
    auto output = [&] {
        return "browser: " + browser.stdout_text() + browser.stderr_text() + extra_log;
    };

    // The chat arrives, or the browser gives up first (then its output says why).
    std::optional<SseEvent> event;
    const auto deadline = std::chrono::steady_clock::now() + kBrowserWait;
    while (!event && browser.running() && std::chrono::steady_clock::now() < deadline)
        event = inbound.next(std::chrono::milliseconds(200));
    INFO(output());
    REQUIRE(event.has_value());
    const json::value chat = parse_json(event->data);
    INFO("inbound: " << event->data);
    CHECK(string_field(chat, "type") == "chat");
    const json::value& data = chat.at("data");
    CHECK(string_field(data, "type") == "chat");
    CHECK(string_field(data.at("payload"), "text") == "hello from chromium");
    CHECK(string_field(data, "id") == "dashboard-2");
    const std::string conn = string_field(chat.at("scope"), "conn");
    REQUIRE_FALSE(conn.empty());

    const std::string scope = R"(,"scope":{"conn":")" + conn + R"("}})";
    publish(kernel, R"({"topic":"jarvis","type":"stream","id":"dashboard-2",)"
                    R"("data":{"text":"hi chromium","html":"<b>not bold</b>"})" +
                        scope);
    publish(kernel,
            R"({"topic":"jarvis","type":"tts_start","data":{"requestId":"speech-1"})" + scope);
    publish(kernel, R"({"topic":"jarvis","type":"binary","data":{"binary":"AAEC/w=="})" + scope);
    publish(kernel,
            R"({"topic":"jarvis","type":"tts_end","data":{"requestId":"speech-1"})" + scope);
    // Then an event for every client: no scope.
    publish(
        kernel,
        R"({"topic":"jarvis","type":"workflow_event","data":{"workflowId":"wf-1","type":"done"}})");

    const auto status = browser.wait_exit(kBrowserWait);
    INFO(output());
    REQUIRE(status.has_value());
    CHECK(*status == 0);
    CHECK(browser.stdout_text().find("connected over " + expected_scheme) != std::string::npos);
    CHECK(browser.stdout_text().find("PASS") != std::string::npos);
}

KernelProcess start_jarvis_with_token() {
    const std::string dashboard =
        (std::filesystem::path(SWITCHYARD_SOURCE_DIR) / "plugins/jarvis/dashboard").string();
    return KernelProcess::start(
        enabled_plugin_table("jarvis", "auth_token = " + toml_quote(kToken) +
                                           "\ndashboard_dir = " + toml_quote(dashboard) + "\n"));
}

} // namespace

TEST_CASE("jarvis: Chromium gets the token cookie from /?token= and chats over ws://",
          "[integration][jarvis][browser]") {
    auto kernel = start_jarvis_with_token();
    serve_browser(kernel, "http://127.0.0.1:" + std::to_string(kernel.plugin_port("jarvis")),
                  "ws:");
}

TEST_CASE("jarvis: Chromium chats over wss:// through nginx terminating TLS",
          "[integration][jarvis][browser]") {
    auto kernel = start_jarvis_with_token();
    auto proxy = TlsProxy::start(kernel.plugin_port("jarvis"));
    serve_browser(kernel, "https://127.0.0.1:" + std::to_string(proxy.port()),
                  "wss:", "\nnginx: " + proxy.log());
}

// Chromium as the ClaudeControl phone UI (tests/browser/claudecontrol_browser.mjs): a page
// logs in with the PIN through POST /api/auth/login, opens the WebSocket with the token,
// subscribes and receives its workspace's event; without the token the socket is closed
// with 4001. Once from a page of the plugin's origin, once from another origin (CORS). The script publishes through the control API itself and prints PASS.
//
// Nothing here skips: without Node, Chromium or playwright-core (scripts/setup installs
// them, CI runs it) the test fails saying what is missing.
#include "child_process.hpp"
#include "claudecontrol_fixture.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <string>

using namespace switchyard::test;

TEST_CASE(
    "claudecontrol browser: Chromium logs in with the PIN, opens the WebSocket with the "
    "token and receives its workspace's event",
    "[integration][claudecontrol][browser]") {
    const std::filesystem::path browser_dir =
        std::filesystem::path(SWITCHYARD_SOURCE_DIR) / "tests/browser";
    INFO("Debian's chromium is installed by scripts/setup");
    REQUIRE(std::filesystem::exists("/usr/bin/chromium"));
    INFO("Node (" SWITCHYARD_NODE ") is installed by scripts/setup");
    REQUIRE(std::filesystem::exists(SWITCHYARD_NODE));
    INFO("playwright-core is installed by scripts/setup (npm ci in tests/browser)");
    REQUIRE(std::filesystem::exists(browser_dir / "node_modules/playwright-core/package.json"));

    auto kernel = start_claudecontrol("pin = \"" + std::string(kCcPin) + "\"\n");
    TempDir profile("chromium");
    auto script = ChildProcess::spawn(
        {SWITCHYARD_NODE, (browser_dir / "claudecontrol_browser.mjs").string(),
         std::to_string(claudecontrol_port(kernel)), std::to_string(kernel.control_port()),
         std::string(kCcPin), profile.path().string()});
    const auto status = script.wait_exit(std::chrono::seconds(120));
    INFO("script: " << script.stdout_text() << script.stderr_text());
    REQUIRE(status.has_value());
    CHECK(*status == 0);
    CHECK(script.stdout_text().find("PASS") != std::string::npos);
}

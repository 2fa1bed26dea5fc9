// Chromium as the GROOVE GUI (tests/browser/groove_gui.mjs) in front of a stand-in GROOVE
// daemon: the page comes from the daemon through the groove plugin's pass-through
// (`upstream`), connects at /, waits for `state`, calls /api/status through the
// pass-through, opens a terminal and gets terminal:spawned. The FakeBackend here is the
// daemon's HTTP side; the script is its WebSocket side (through the control API).
//
// Nothing here skips: without Node, Chromium or playwright-core (scripts/setup installs
// them, CI runs it) the test fails saying what is missing.
#include "child_process.hpp"
#include "fake_backend.hpp"
#include "kernel_process.hpp"
#include "temp_dir.hpp"
#include "toml_text.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <string>

using namespace switchyard::test;

TEST_CASE(
    "groove browser: Chromium as the GROOVE GUI hydrates, calls /api/status through "
    "the pass-through and gets its terminal:spawned",
    "[integration][groove][browser][upstream]") {
    const std::filesystem::path browser_dir =
        std::filesystem::path(SWITCHYARD_SOURCE_DIR) / "tests/browser";
    INFO("Debian's chromium is installed by scripts/setup");
    REQUIRE(std::filesystem::exists("/usr/bin/chromium"));
    INFO("Node (" SWITCHYARD_NODE ") is installed by scripts/setup");
    REQUIRE(std::filesystem::exists(SWITCHYARD_NODE));
    INFO("playwright-core is installed by scripts/setup (npm ci in tests/browser)");
    REQUIRE(std::filesystem::exists(browser_dir / "node_modules/playwright-core/package.json"));

    FakeBackend daemon;
    daemon.route("GET", "/", [](const BackendRequest&) {
        BackendResponse page;
        page.content_type = "text/html; charset=utf-8";
        page.body = "<!doctype html><title>Groove</title><div id=\"root\"></div>";
        return page;
    });
    daemon.route_json("GET", "/api/status",
                      R"({"version":"0.27.216","host":"127.0.0.1","port":31415})");
    auto kernel = KernelProcess::start(enabled_plugin_table(
        "groove", "envelope = \"daemon\"\nupstream = " + toml_quote(daemon.url()) + "\n"));
    TempDir profile("chromium");
    auto script =
        ChildProcess::spawn({SWITCHYARD_NODE, (browser_dir / "groove_gui.mjs").string(),
                             std::to_string(kernel.plugin_port("groove")),
                             std::to_string(kernel.control_port()), profile.path().string()});
    const auto status = script.wait_exit(std::chrono::seconds(120));
    INFO("script: " << script.stdout_text() << script.stderr_text());
    REQUIRE(status.has_value());
    CHECK(*status == 0);
    CHECK(script.stdout_text().find("PASS") != std::string::npos);
    CHECK(daemon.wait_for("/api/status", std::chrono::seconds(1)).has_value());
}

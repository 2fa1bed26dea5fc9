// Real EventSource clients against the clijaw plugin, each through a proxy that cuts
// connections in the middle of an event (tests/browser/clijaw_support.mjs):
//  - npm `eventsource` (clijaw_eventsource.mjs), reconnecting by itself with
//    Last-Event-ID;
//  - Chromium's own EventSource on a page of another origin (clijaw_browser.mjs and
//    clijaw_page.html): CORS lets it read the stream, the page reconnects the shipping web
//    UI's way (?lastEventId=N), and a page of an origin the plugin does not allow gets
//    nothing.
// Both must end with every published event exactly once, in order. The scripts publish
// through the control API themselves (they are the backend) and print PASS.
//
// Nothing here skips: without Node, Chromium or the npm packages (scripts/setup installs
// them, CI runs it) the test fails saying what is missing.
#include "child_process.hpp"
#include "clijaw_stream.hpp"
#include "kernel_process.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <string>

using namespace switchyard::test;

namespace {

constexpr auto kScriptWait = std::chrono::seconds(120);

const std::filesystem::path kBrowserDir =
    std::filesystem::path(SWITCHYARD_SOURCE_DIR) / "tests/browser";

void require_node_package(const std::string& package) {
    INFO(package << " is installed by scripts/setup (npm ci in tests/browser)");
    REQUIRE(std::filesystem::exists(kBrowserDir / "node_modules" / package / "package.json"));
}

// Runs a script to its end and checks that it passed.
void run_script(ChildProcess& script) {
    const auto status = script.wait_exit(kScriptWait);
    INFO("script: " << script.stdout_text() << script.stderr_text());
    REQUIRE(status.has_value());
    CHECK(*status == 0);
    CHECK(script.stdout_text().find("PASS") != std::string::npos);
}

} // namespace

TEST_CASE(
    "clijaw browser: npm eventsource reconnects by itself across server-side drops and "
    "gets every event once, in order",
    "[integration][clijaw][browser]") {
    INFO("Node (" SWITCHYARD_NODE ") is installed by scripts/setup");
    REQUIRE(std::filesystem::exists(SWITCHYARD_NODE));
    require_node_package("eventsource");
    auto kernel = start_clijaw();
    auto script = ChildProcess::spawn(
        {SWITCHYARD_NODE, (kBrowserDir / "clijaw_eventsource.mjs").string(),
         std::to_string(kernel.plugin_port("clijaw")), std::to_string(kernel.control_port())});
    run_script(script);
}

TEST_CASE(
    "clijaw browser: Chromium's EventSource on a page of another origin reads the stream "
    "(CORS), reconnects the shipping UI's way without loss, a refused origin gets nothing",
    "[integration][clijaw][browser]") {
    INFO("Debian's chromium is installed by scripts/setup");
    REQUIRE(std::filesystem::exists("/usr/bin/chromium"));
    INFO("Node (" SWITCHYARD_NODE ") is installed by scripts/setup");
    REQUIRE(std::filesystem::exists(SWITCHYARD_NODE));
    require_node_package("playwright-core");
    auto kernel = start_clijaw();
    TempDir profile("chromium");
    auto script =
        ChildProcess::spawn({SWITCHYARD_NODE, (kBrowserDir / "clijaw_browser.mjs").string(),
                             std::to_string(kernel.plugin_port("clijaw")),
                             std::to_string(kernel.control_port()), profile.path().string()});
    run_script(script);
}

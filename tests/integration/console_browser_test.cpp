// The web console in Debian's Chromium (tests/browser/console.mjs, driven by
// playwright-core), against a kernel with a control token: the page asks for the token,
// lists the plugins, reloads one from its button (the generation goes up, here too),
// follows a stream live (an event this test publishes appears in the tail), disables and
// enables a plugin, and shows an enable that fails. The test keeps publishing on a few
// streams meanwhile, so that the page has rates and tail lines to show, and the script
// takes a full-page screenshot: console.png in the test's working directory, and also at
// $SWITCHYARD_CONSOLE_SCREENSHOT when that is set (docs/images/console.png comes from it).
//
// Nothing here skips: without Chromium, Node or playwright-core (scripts/setup installs
// them) the test fails saying what is missing.
#include "child_process.hpp"
#include "kernel_process.hpp"
#include "plugin_list.hpp"
#include "publish.hpp"
#include "temp_dir.hpp"
#include "toml_text.hpp"
#include "wait_until.hpp"
#include "ws_client.hpp"

#include <catch2/catch.hpp>

#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace switchyard::test;

namespace {

constexpr auto kBrowserWait = std::chrono::seconds(90);
constexpr std::string_view kToken = "console-T0ken";

const std::filesystem::path kBrowserDir =
    std::filesystem::path(SWITCHYARD_SOURCE_DIR) / "tests/browser";

// The value after `prefix` on the line of `text` that starts with it ("" if none yet).
std::string line_value(const std::string& text, std::string_view prefix) {
    const auto at = text.find(prefix);
    if (at == std::string::npos) return {};
    const auto end = text.find('\n', at);
    if (end == std::string::npos) return {};
    return text.substr(at + prefix.size(), end - at - prefix.size());
}

} // namespace

TEST_CASE("console: Chromium lists the plugins, reloads, tails a stream, disables and enables",
          "[integration][control][console][browser]") {
    INFO("Debian's chromium is installed by scripts/setup");
    REQUIRE(std::filesystem::exists("/usr/bin/chromium"));
    INFO("Node (" SWITCHYARD_NODE ") is installed by scripts/setup");
    REQUIRE(std::filesystem::exists(SWITCHYARD_NODE));
    INFO("playwright-core is installed by scripts/setup (npm ci in tests/browser)");
    REQUIRE(std::filesystem::exists(kBrowserDir / "node_modules/playwright-core/package.json"));

    KernelOptions options;
    options.control_token = std::string(kToken);
    options.extra_toml =
        enabled_plugin_table("groove") + enabled_plugin_table("jarvis") +
        "[plugins.echo]\nenabled = false\nlisten = \"127.0.0.1:0\"\nlibrary = " +
        toml_quote(std::string(SWITCHYARD_PLUGIN_DIR) + "/echo.so") + "\n\n" +
        "[plugins.broken]\nenabled = false\nlibrary = \"/nonexistent/broken.so\"\n\n";
    auto kernel = KernelProcess::start(options);
    // Clients, so that the page has connections to count.
    std::vector<WsClient> clients;
    for (int i = 0; i < 3; ++i)
        clients.push_back(WsClient::connect(kernel.plugin_port("jarvis"), "/ws"));

    // Backends at work: a few streams with events, all through the test, one every
    // 150 ms (so the page shows rates); the wait between them ends at once on stop.
    std::mutex stop_mutex;
    std::condition_variable stop_signal;
    bool stop = false;
    std::thread backends([&] {
        const char* events[] = {
            R"({"topic":"groove","type":"track","data":{"title":"Blue in Green","position_ms":1200}})",
            R"({"topic":"jarvis","type":"workflow_event","data":{"workflowId":"wf-7","type":"step"}})",
            R"({"topic":"builds/ci","type":"log","data":{"job":"unit","line":"ok 851 tests"}})",
            R"({"topic":"groove","type":"volume","data":{"level":0.6}})",
        };
        for (unsigned i = 0;; ++i) {
            try {
                publish(kernel, events[i % std::size(events)]);
            } catch (const std::exception&) {}
            std::unique_lock lock(stop_mutex);
            if (stop_signal.wait_for(lock, std::chrono::milliseconds(150), [&] { return stop; }))
                return;
        }
    });
    struct Join {
        std::mutex& mutex;
        std::condition_variable& signal;
        bool& stop;
        std::thread& thread;
        ~Join() {
            {
                std::lock_guard lock(mutex);
                stop = true;
            }
            signal.notify_all();
            thread.join();
        }
    } join{stop_mutex, stop_signal, stop, backends};

    TempDir profile("chromium");
    const std::string base = "http://127.0.0.1:" + std::to_string(kernel.control_port());
    std::vector<std::string> argv{SWITCHYARD_NODE,
                                  (kBrowserDir / "console.mjs").string(),
                                  base,
                                  std::string(kToken),
                                  profile.path().string(),
                                  (std::filesystem::current_path() / "console.png").string()};
    if (const char* extra = std::getenv("SWITCHYARD_CONSOLE_SCREENSHOT"); extra && *extra)
        argv.emplace_back(extra);
    ChildProcess browser = ChildProcess::spawn(argv);
    auto output = [&] { return "browser: " + browser.stdout_text() + browser.stderr_text(); };

    // The reload from the button shows in the API too.
    REQUIRE(wait_until(
        [&] {
            return !line_value(browser.stdout_text(), "RELOADED groove ").empty() ||
                   !browser.running();
        },
        kBrowserWait, std::chrono::milliseconds(50)));
    INFO(output());
    const std::string reloaded = line_value(browser.stdout_text(), "RELOADED groove ");
    REQUIRE_FALSE(reloaded.empty());
    CHECK(listed_generation(kernel, "groove") >= std::stoull(reloaded));

    // The page follows groove: the event with its marker must appear in the tail.
    REQUIRE(wait_until(
        [&] {
            return !line_value(browser.stdout_text(), "TAIL READY ").empty() || !browser.running();
        },
        kBrowserWait, std::chrono::milliseconds(50)));
    const std::string marker = line_value(browser.stdout_text(), "TAIL READY ");
    REQUIRE_FALSE(marker.empty());
    publish(kernel, R"({"topic":"groove","type":"marker","data":{"text":")" + marker + R"("}})");

    const auto status = browser.wait_exit(kBrowserWait);
    INFO(output());
    REQUIRE(status.has_value());
    CHECK(*status == 0);
    CHECK(browser.stdout_text().find("PASS") != std::string::npos);
    const std::string enabled = line_value(browser.stdout_text(), "ENABLED groove ");
    REQUIRE_FALSE(enabled.empty());
    CHECK(listed_generation(kernel, "groove") == std::stoull(enabled));
    CHECK(listed_state(kernel, "groove") == "running");
    CHECK(std::filesystem::file_size(std::filesystem::current_path() / "console.png") > 0);
}

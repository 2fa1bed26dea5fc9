// Chromium trusting a test CA (tests/browser/tls_browser.mjs): the groove endpoint serves
// TLS itself (docs/tls.md), its page comes from a stand-in daemon through the plugin's
// pass-through (the upstream relay, behind the TLS terminator), and the page's wss://
// WebSocket receives a published event. The CA goes into a fresh NSS database under a
// HOME of the test's own (certutil, Debian's libnss3-tools); no certificate error is
// ignored. The same page in a browser whose database lacks the CA must not load.
//
// Nothing here skips: without Chromium, Node, playwright-core or certutil (scripts/setup
// installs them) the test fails saying what is missing.
#include "child_process.hpp"
#include "fake_backend.hpp"
#include "kernel_process.hpp"
#include "temp_dir.hpp"
#include "test_ca.hpp"
#include "toml_text.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <string>

using namespace switchyard::test;

namespace {

const std::filesystem::path kBrowserDir =
    std::filesystem::path(SWITCHYARD_SOURCE_DIR) / "tests/browser";
constexpr auto kCertutilWait = std::chrono::seconds(30);

// A HOME whose NSS database (~/.pki/nssdb, what Chromium on Linux reads) trusts `ca`
// for servers, or trusts nothing.
void make_nss_home(const TempDir& home, const std::filesystem::path* ca) {
    const auto db = home.path() / ".pki" / "nssdb";
    std::filesystem::create_directories(db);
    const std::string where = "sql:" + db.string();
    auto created =
        run_to_end({"/usr/bin/certutil", "-d", where, "-N", "--empty-password"}, kCertutilWait);
    INFO("certutil -N: " << created.out << created.err);
    REQUIRE(created.exit_code == 0);
    if (ca == nullptr) return;
    auto added = run_to_end(
        {"/usr/bin/certutil", "-d", where, "-A", "-t", "C,,", "-n", "test-ca", "-i", ca->string()},
        kCertutilWait);
    INFO("certutil -A: " << added.out << added.err);
    REQUIRE(added.exit_code == 0);
}

void run_browser(const KernelProcess& kernel, const TempDir& home, bool trusted) {
    TempDir profile("chromium");
    std::vector<std::string> argv{SWITCHYARD_NODE,
                                  (kBrowserDir / "tls_browser.mjs").string(),
                                  std::to_string(kernel.plugin_port("groove")),
                                  std::to_string(kernel.control_port()),
                                  profile.path().string(),
                                  home.path().string()};
    if (!trusted) argv.emplace_back("untrusted");
    auto script = ChildProcess::spawn(argv);
    const auto status = script.wait_exit(std::chrono::seconds(120));
    INFO("script: " << script.stdout_text() << script.stderr_text());
    REQUIRE(status.has_value());
    CHECK(*status == 0);
    CHECK(script.stdout_text().find("PASS") != std::string::npos);
}

} // namespace

TEST_CASE(
    "tls browser: Chromium trusting a test CA loads an https page from the kernel and "
    "its wss WebSocket receives a published event",
    "[integration][tls][browser]") {
    INFO("Debian's chromium is installed by scripts/setup");
    REQUIRE(std::filesystem::exists("/usr/bin/chromium"));
    INFO("Node (" SWITCHYARD_NODE ") is installed by scripts/setup");
    REQUIRE(std::filesystem::exists(SWITCHYARD_NODE));
    INFO("playwright-core is installed by scripts/setup (npm ci in tests/browser)");
    REQUIRE(std::filesystem::exists(kBrowserDir / "node_modules/playwright-core/package.json"));
    INFO("certutil is installed by scripts/setup (libnss3-tools)");
    REQUIRE(std::filesystem::exists("/usr/bin/certutil"));

    TempDir dir("tls");
    const TestCa ca(dir);
    const auto server = ca.issue("server", "switchyard browser test", 2001);
    FakeBackend daemon;
    daemon.route("GET", "/", [](const BackendRequest&) {
        BackendResponse page;
        page.content_type = "text/html; charset=utf-8";
        page.body = "<!doctype html><title>Groove over TLS</title><div id=\"root\"></div>";
        return page;
    });
    auto kernel = KernelProcess::start(
        enabled_plugin_table("groove", "upstream = " + toml_quote(daemon.url()) +
                                           "\ntls = { cert = " + toml_quote(server.cert.string()) +
                                           ", key = " + toml_quote(server.key.string()) + " }\n"));

    SECTION("the CA trusted") {
        TempDir home("home");
        make_nss_home(home, &ca.certificate());
        run_browser(kernel, home, true);
        const auto page = daemon.wait_for("/", std::chrono::seconds(1));
        REQUIRE(page.has_value());
        CHECK(page->header("X-Forwarded-Proto") == "https");
    }
    SECTION("the CA not trusted: a certificate error, no page") {
        TempDir home("home");
        make_nss_home(home, nullptr);
        run_browser(kernel, home, false);
    }
}

// The kernel process's life: a graceful SIGTERM/SIGINT with WebSocket clients connected,
// the command line (--version, --check-config), and configs refused at start with exit 2
// and a message naming the file, the line and the key (or the library).
#include "kernel_process.hpp"
#include "temp_dir.hpp"
#include "toml_text.hpp"
#include "ws_client.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <regex>
#include <string>

using namespace switchyard::test;

namespace {

constexpr auto kWait = std::chrono::seconds(10);

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

// Whether `text` points at line `line` of a file: "file:4:2: ...", "file:4: ..." or
// "line 4".
bool names_line(std::string_view text, int line) {
    const std::string n = std::to_string(line);
    return contains(text, ":" + n + ":") || contains(text, ":" + n + " ") ||
           contains(text, "line " + n);
}

std::string config_with(std::string_view extra_toml) {
    KernelOptions options;
    options.extra_toml = std::string(extra_toml);
    return kernel_config_text(options);
}

void check_refused(const RunResult& result) {
    INFO("stdout: " << result.out);
    INFO("stderr: " << result.err);
    REQUIRE(result.exit_code.has_value());
    CHECK(*result.exit_code == 2);
    CHECK_FALSE(contains(result.out, "switchyard ready"));
}

} // namespace

TEST_CASE("lifecycle: SIGTERM closes WebSocket clients with 1001 and exits 0",
          "[integration][lifecycle]") {
    auto kernel = KernelProcess::start(enabled_plugin_table("groove"));
    const uint16_t port = kernel.plugin_port("groove");
    auto first = WsClient::connect(port, "/ws");
    auto second = WsClient::connect(port, "/ws", {{"Origin", "http://localhost:3000"}});

    kernel.send_signal(SIGTERM);
    for (WsClient* client : {&first, &second}) {
        REQUIRE(client->wait_closed(kWait));
        INFO("ended: " << client->end_reason());
        REQUIRE(client->close_code().has_value());
        CHECK(*client->close_code() == 1001);
    }
    const auto status = kernel.wait_exit(kWait);
    REQUIRE(status.has_value());
    CHECK(*status == 0);
}

TEST_CASE("lifecycle: SIGINT stops the kernel with exit status 0", "[integration][lifecycle]") {
    auto kernel = KernelProcess::start(enabled_plugin_table("groove"));
    kernel.send_signal(SIGINT);
    const auto status = kernel.wait_exit(kWait);
    REQUIRE(status.has_value());
    CHECK(*status == 0);
}

TEST_CASE("lifecycle: --version prints a version and exits 0", "[integration][lifecycle]") {
    const RunResult result = run_switchyard({"--version"});
    INFO("stdout: " << result.out << "\nstderr: " << result.err);
    REQUIRE(result.exit_code.has_value());
    CHECK(*result.exit_code == 0);
    CHECK(contains(result.out, "switchyard"));
    CHECK(std::regex_search(result.out, std::regex(R"(\d+\.\d+\.\d+)")));
}

TEST_CASE("lifecycle: --check-config accepts a good file and exits 0", "[integration][lifecycle]") {
    TempDir dir("itest");
    const auto file = dir.write("good.toml", config_with(enabled_plugin_table("groove")));
    const RunResult result = run_switchyard({"--config", file.string(), "--check-config"});
    INFO("stdout: " << result.out << "\nstderr: " << result.err);
    REQUIRE(result.exit_code.has_value());
    CHECK(*result.exit_code == 0);
    CHECK_FALSE(contains(result.out, "switchyard ready"));
}

TEST_CASE("lifecycle: an unknown config key is refused with exit 2 naming file, line and key",
          "[integration][lifecycle]") {
    TempDir dir("itest");
    const auto file = dir.write("bad.toml",
                                "[kernel]\n"
                                "workers = 2\n"
                                "\n"
                                "bogus_key = 1\n");
    const bool check_only = GENERATE(false, true);
    std::vector<std::string> args{"--config", file.string()};
    if (check_only) args.push_back("--check-config");
    CAPTURE(check_only);

    const RunResult result = run_switchyard(args);
    check_refused(result);
    INFO("stderr: " << result.err);
    CHECK(contains(result.err, file.filename().string()));
    CHECK(names_line(result.err, 4));
    CHECK(contains(result.err, "bogus_key"));
}

TEST_CASE("lifecycle: an enabled plugin whose library is missing is refused with exit 2",
          "[integration][lifecycle]") {
    TempDir dir("itest");
    const auto file =
        dir.write("nolib.toml",
                  config_with(enabled_plugin_table("groove", "library = \"/nonexistent.so\"\n")));
    const bool check_only = GENERATE(false, true);
    std::vector<std::string> args{"--config", file.string()};
    if (check_only) args.push_back("--check-config");
    CAPTURE(check_only);

    const RunResult result = run_switchyard(args);
    check_refused(result);
    INFO("stderr: " << result.err);
    CHECK(contains(result.err, "/nonexistent.so"));
}

TEST_CASE("lifecycle: a key the groove plugin does not know is refused with exit 2",
          "[integration][lifecycle]") {
    TempDir dir("itest");
    const auto file = dir.write(
        "groove_key.toml", config_with(enabled_plugin_table("groove", "no_such_option = 1\n")));
    const RunResult result = run_switchyard({"--config", file.string()});
    check_refused(result);
    INFO("stderr: " << result.err);
    CHECK(contains(result.err, "no_such_option"));
}

// The state store (ABI 1.3 state_load, state_save, state_remove, on_state_saved; issue
// 12) over a real running kernel, with the state_keeper test plugin: what a plugin saves
// is in <state_dir>/<plugin>/<key> (folder 0700, file 0600), written off the workers and
// reported to on_state_saved with its tag; it is there after a reload and after a
// restart (also when the server stops right after the save); a leftover temporary file
// is ignored; bad keys and values too large are refused; an unwritable state_dir fails
// the write (SY_ERR_FAILED in on_state_saved) and the server keeps serving.
#include "http_client.hpp"
#include "kernel_process.hpp"
#include "plugin_control.hpp"
#include "temp_dir.hpp"
#include "toml_text.hpp"
#include "wait_until.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>

using namespace switchyard::test;
namespace fs = std::filesystem;

namespace {

constexpr auto kWait = std::chrono::seconds(10);
// Statuses as the plugin reports them (plugin.h).
const std::string kOk = "0";
const std::string kFailed = "-1";
const std::string kInvalid = "-2";

// A kernel running `plugin` (state_keeper or state_keeper_v1_2); `state_dir`: the
// [kernel] state_dir line's value, or none (the default: "state" next to the config).
KernelProcess start_kernel(const std::string& state_dir = {},
                           const std::string& plugin = "state_keeper") {
    KernelOptions options;
    if (!state_dir.empty()) options.kernel_toml = "state_dir = " + toml_quote(state_dir) + "\n";
    options.extra_toml = enabled_plugin_table(
        plugin,
        "library = " + toml_quote(std::string(SWITCHYARD_TEST_PLUGIN_DIR) + "/" + plugin + ".so") +
            "\n");
    return KernelProcess::start(options);
}

HttpClient client_of(const KernelProcess& kernel, const std::string& plugin = "state_keeper") {
    return HttpClient(kernel.plugin_port(plugin));
}

std::string saved(const HttpClient& http) {
    return http.get("/saved").body;
}

bool heard(const HttpClient& http, const std::string& line) {
    return wait_until([&] { return saved(http).find(line + "\n") != std::string::npos; }, kWait);
}

unsigned mode_of(const fs::path& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return 0;
    return info.st_mode & 07777;
}

std::string contents_of(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void stop(KernelProcess& kernel) {
    kernel.send_signal(SIGTERM);
    REQUIRE(kernel.wait_exit(std::chrono::seconds(20)) == 0);
}

} // namespace

TEST_CASE(
    "state: a saved value is on disk, private, heard of with its tag, and kept across a "
    "reload",
    "[integration][state]") {
    auto kernel = start_kernel();
    const HttpClient http = client_of(kernel);
    CHECK(http.get("/load?key=greeting").status == 404);
    CHECK(http.get("/save?key=greeting&value=hello&tag=7").body == kOk);
    // In memory at once, before the write is done.
    CHECK(http.get("/load?key=greeting").body == "hello");
    REQUIRE(heard(http, "greeting 7 0"));
    const fs::path folder = kernel.dir() / "state" / "state_keeper";
    CHECK(contents_of(folder / "greeting") == "hello");
    CHECK(mode_of(folder) == 0700);
    CHECK(mode_of(folder / "greeting") == 0600);

    REQUIRE(reload_plugin(kernel, "state_keeper").status == 200);
    CHECK(http.get("/load?key=greeting").body == "hello");

    CHECK(http.get("/remove?key=greeting&tag=8").body == kOk);
    CHECK(http.get("/load?key=greeting").status == 404);
    REQUIRE(heard(http, "greeting 8 0"));
    CHECK_FALSE(fs::exists(folder / "greeting"));
    // Removing what is not there is no error.
    CHECK(http.get("/remove?key=never&tag=9").body == kOk);
    CHECK(heard(http, "never 9 0"));
}

TEST_CASE(
    "state: values saved just before a stop are there after a restart; a leftover "
    "temporary file is ignored",
    "[integration][state]") {
    TempDir dir("state");
    const std::string state_dir = (dir.path() / "kept").string();
    {
        auto kernel = start_kernel(state_dir);
        const HttpClient http = client_of(kernel);
        for (int i = 0; i < 50; ++i) {
            REQUIRE(
                http.get("/save?key=k" + std::to_string(i) + "&value=v" + std::to_string(i)).body ==
                kOk);
        }
        REQUIRE(http.get("/save?key=k0&value=last").body == kOk);
        stop(kernel); // at once: the writes still queued are flushed before the exit
    }
    const fs::path folder = fs::path(state_dir) / "state_keeper";
    write_file(folder / ".k1.tmp", "half a write");
    write_file(folder / ".orphan.tmp", "half a write");
    auto kernel = start_kernel(state_dir);
    const HttpClient http = client_of(kernel);
    CHECK(http.get("/load?key=k0").body == "last");
    CHECK(http.get("/load?key=k1").body == "v1");
    CHECK(http.get("/load?key=k49").body == "v49");
    CHECK(http.get("/load?key=orphan").status == 404);
    CHECK(http.get("/load?key=.orphan.tmp").status == 404);
}

TEST_CASE("state: bad keys and values too large are refused", "[integration][state]") {
    auto kernel = start_kernel();
    const HttpClient http = client_of(kernel);
    CHECK(http.get("/save?key=&value=x").body == kInvalid);
    CHECK(http.get("/save?key=.hidden&value=x").body == kInvalid);
    CHECK(http.get("/save?key=a%2Fb&value=x").body == kInvalid);
    CHECK(http.get("/save?key=..&value=x").body == kInvalid);
    CHECK(http.get("/save?key=" + std::string(65, 'k') + "&value=x").body == kInvalid);
    CHECK(http.get("/remove?key=a%2Fb").body == kInvalid);
    CHECK(http.get("/fill?key=big&bytes=" + std::to_string((1 << 20) + 1)).body == kInvalid);
    CHECK(http.get("/load?key=big").status == 404);
    CHECK(http.get("/save?key=" + std::string(64, 'k') + "&value=x").body == kOk);
    CHECK(http.get("/fill?key=big&bytes=" + std::to_string(1 << 20) + "&tag=3").body == kOk);
    CHECK(heard(http, "big 3 0"));
    CHECK(fs::file_size(kernel.dir() / "state" / "state_keeper" / "big") == (1u << 20));
}

TEST_CASE("state: an unwritable state_dir fails the write, and the server stays up",
          "[integration][state]") {
    TempDir dir("state");
    write_file(dir.path() / "a-file", "not a folder");
    auto kernel = start_kernel((dir.path() / "a-file" / "state").string());
    const HttpClient http = client_of(kernel);
    CHECK(http.get("/save?key=doomed&value=x&tag=5").body == kOk);
    REQUIRE(heard(http, "doomed 5 " + kFailed));
    // Kept in memory: the next save of the key tries again.
    CHECK(http.get("/load?key=doomed").body == "x");
    CHECK(http.get("/save?key=doomed&value=y&tag=6").body == kOk);
    CHECK(heard(http, "doomed 6 " + kFailed));
    CHECK(kernel.control().get("/api/v1/plugins").status == 200);
}

TEST_CASE("state: a 1.2 plugin saves, and is never called back", "[integration][state]") {
    auto kernel = start_kernel({}, "state_keeper_v1_2");
    const HttpClient http = client_of(kernel, "state_keeper_v1_2");
    CHECK(http.get("/save?key=quiet&value=q&tag=1").body == kOk);
    const fs::path file = kernel.dir() / "state" / "state_keeper_v1_2" / "quiet";
    REQUIRE(wait_until([&] { return contents_of(file) == "q"; }, kWait));
    // A later request runs after the write's report would have: nothing was heard.
    CHECK(http.get("/load?key=quiet").body == "q");
    CHECK(saved(http).empty());
}

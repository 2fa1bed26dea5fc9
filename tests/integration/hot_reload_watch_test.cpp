// With `[kernel] hot_reload = true`, a change of a plugin's library file reloads the
// plugin (DESIGN.md "Hot reload"): once per change however the file is written (renamed
// over, or rewritten in place in several steps), never from a half-written file, and a
// library that does not load leaves the running generation serving until the next change.
// The plugin is the "counter" fixture (tests/plugins/reload_counter): its builds v1 and v2
// say which one answers, and carry a counter across a reload, so the test sees that the
// client connected all along is served by the new generation.
#include "kernel_log_lines.hpp"
#include "kernel_process.hpp"
#include "library_file.hpp"
#include "plugin_list.hpp"
#include "temp_dir.hpp"
#include "toml_text.hpp"
#include "wait_until.hpp"
#include "ws_client.hpp"

#include <catch2/catch.hpp>

#include <elf.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

using namespace switchyard::test;
namespace fs = std::filesystem;

namespace {

constexpr auto kWait = std::chrono::seconds(10);
// A reload is debounced, then loads a library and swaps an instance: allow a slow
// machine more time.
constexpr auto kReloadWait = std::chrono::seconds(30);

std::string read_bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (!in) throw std::runtime_error("cannot read " + path.string());
    return bytes.str();
}

[[noreturn]] void fail_io(const std::string& what, const fs::path& path) {
    throw std::runtime_error(what + " " + path.string() + ": " + std::strerror(errno));
}

// An open file descriptor, closed when it goes out of scope.
class OpenFile {
  public:
    OpenFile(const fs::path& path, int flags)
        : path_(path), fd_(::open(path.c_str(), flags, 0755)) {
        if (fd_ < 0) fail_io("cannot open", path);
    }
    OpenFile(const OpenFile&) = delete;
    OpenFile& operator=(const OpenFile&) = delete;
    ~OpenFile() { ::close(fd_); }

    // Writes all of `bytes` at the current offset.
    void write_all(std::string_view bytes) {
        while (!bytes.empty()) {
            const ssize_t written = ::write(fd_, bytes.data(), bytes.size());
            if (written < 0 && errno == EINTR) continue;
            if (written <= 0) fail_io("cannot write", path_);
            bytes.remove_prefix(size_t(written));
        }
    }
    // Flushes what was written to the disk, so every step is a change a watcher sees.
    void sync() {
        if (::fsync(fd_) != 0) fail_io("cannot fsync", path_);
    }

  private:
    fs::path path_;
    int fd_;
};

// Rewrites `target` in place, the way `cp` onto an existing file does: truncated, then
// written in `steps` parts with an fsync after each, so a watcher sees several changes
// and, between them, a half-written file.
void rewrite_in_place(const fs::path& target, std::string_view bytes, size_t steps) {
    OpenFile file(target, O_WRONLY | O_TRUNC);
    file.sync();
    const size_t step = bytes.size() / steps + 1;
    for (size_t offset = 0; offset < bytes.size(); offset += step) {
        file.write_all(bytes.substr(offset, step));
        file.sync();
    }
}

// Where the loadable segments of ELF64 image `bytes` end in the file: the most bytes
// the loader maps from it (max p_offset + p_filesz of PT_LOAD); 0 when it is no ELF64.
size_t loadable_end(std::string_view bytes) {
    Elf64_Ehdr header{};
    if (bytes.size() < sizeof header) return 0;
    std::memcpy(&header, bytes.data(), sizeof header);
    if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 || header.e_ident[EI_CLASS] != ELFCLASS64)
        return 0;
    size_t end = 0;
    for (size_t i = 0; i < header.e_phnum; ++i) {
        const size_t offset = header.e_phoff + i * header.e_phentsize;
        Elf64_Phdr segment{};
        if (offset + sizeof segment > bytes.size()) return 0;
        std::memcpy(&segment, bytes.data() + offset, sizeof segment);
        if (segment.p_type == PT_LOAD)
            end = std::max<size_t>(end, segment.p_offset + segment.p_filesz);
    }
    return end;
}

// A kernel with hot_reload on, serving the counter plugin from `library`.
KernelProcess start_watching(const fs::path& library) {
    KernelOptions options;
    options.kernel_toml = "hot_reload = true\n";
    options.extra_toml =
        enabled_plugin_table("counter", "library = " + toml_quote(library.string()) + "\n");
    return KernelProcess::start(options);
}

// wait_until(predicate, kReloadWait); on a timeout the failure message shows the plugin
// list as it is then.
bool eventually(const KernelProcess& kernel, const std::function<bool()>& predicate) {
    if (wait_until(predicate, kReloadWait)) return true;
    UNSCOPED_INFO("GET /api/v1/plugins now: " << plugin_list_text(kernel));
    return false;
}

// Successful reloads of the counter the kernel logged ("plugin counter reloaded: ...").
size_t reloads_logged(const KernelProcess& kernel) {
    return count_log_lines(kernel, {"plugin counter reloaded"});
}

// Reloads of the counter the kernel logged as refused or failed.
size_t refusals_logged(const KernelProcess& kernel) {
    return count_log_lines(kernel, {"counter", "reload refused"}) +
           count_log_lines(kernel, {"counter", "reload failed"});
}


// Sends `text` to a counter client and returns its answer.
std::string round_trip(WsClient& client, std::string_view text) {
    if (!client.send_text(text)) return "<send failed: " + client.end_reason() + ">";
    return next_text_or_why(client);
}

// What counter build `v` answers to text message `text`: `n` messages handled by the
// plugin so far (across generations), `n` of them on this connection.
std::string counter_echo(int v, std::string_view text, int n) {
    const std::string count = std::to_string(n);
    return R"({"v":)" + std::to_string(v) + R"(,"echo":")" + std::string(text) + R"(","n":)" +
           count + R"(,"mine":)" + count + "}";
}

} // namespace

TEST_CASE("watch: a library renamed over or rewritten in steps reloads once per change",
          "[integration][reload][watch]") {
    TempDir libraries("watch");
    const fs::path library = libraries.path() / "counter.so";
    fs::copy_file(test_plugin("counter_v1.so"), library);
    auto kernel = start_watching(library);
    auto client = WsClient::connect(kernel.plugin_port("counter"), "/ws");
    REQUIRE(next_text_or_why(client) == R"({"v":1,"hello":true,"n":0})");
    CHECK(round_trip(client, "a") == counter_echo(1, "a", 1));

    // One atomic change: v2 renamed over v1.
    replace_file(test_plugin("counter_v2.so"), library);
    REQUIRE(eventually(kernel, [&] { return settled_generation(kernel, "counter") >= 2; }));
    CHECK(listed_version(kernel, "counter") == "2.0.0");
    CHECK(listed_state(kernel, "counter") == "running");
    CHECK(round_trip(client, "b") == counter_echo(2, "b", 2));

    // Several changes in a row: v1 written in place in four steps. Only the whole file
    // may become the serving generation.
    rewrite_in_place(library, read_bytes(test_plugin("counter_v1.so")), 4);
    REQUIRE(eventually(kernel, [&] { return settled_generation(kernel, "counter") >= 3; }));
    CHECK(listed_version(kernel, "counter") == "1.0.0");
    CHECK(round_trip(client, "c") == counter_echo(1, "c", 3));

    // A third change whose effect is awaited, so that a late second reload of either
    // change above would have shown by now.
    const size_t refusals_before = refusals_logged(kernel);
    replace_file(test_plugin("not_a_library.so"), library);
    REQUIRE(eventually(kernel, [&] { return refusals_logged(kernel) > refusals_before; }));
    CHECK(listed_generation(kernel, "counter") == 3);
    CHECK(reloads_logged(kernel) == 2);
    CHECK(count_log_lines(kernel, {"plugin counter reloaded", "generation 2"}) == 1);
    CHECK(count_log_lines(kernel, {"plugin counter reloaded", "generation 3"}) == 1);
    CHECK(round_trip(client, "d") == counter_echo(1, "d", 4));
}

TEST_CASE("watch: a library that does not load leaves the running generation serving",
          "[integration][reload][watch]") {
    // A file that is no library at all, and a library whose create() refuses v1's snapshot.
    const std::string bad =
        GENERATE(as<std::string>(), "not_a_library.so", "counter_v3_refuses.so");
    CAPTURE(bad);
    TempDir libraries("watch");
    const fs::path library = libraries.path() / "counter.so";
    fs::copy_file(test_plugin("counter_v1.so"), library);
    auto kernel = start_watching(library);
    auto client = WsClient::connect(kernel.plugin_port("counter"), "/ws");
    REQUIRE(next_text_or_why(client) == R"({"v":1,"hello":true,"n":0})");
    CHECK(round_trip(client, "a") == counter_echo(1, "a", 1));

    replace_file(test_plugin(bad), library);
    REQUIRE(eventually(kernel, [&] { return refusals_logged(kernel) > 0; }));
    CHECK(listed_generation(kernel, "counter") == 1);
    CHECK(listed_version(kernel, "counter") == "1.0.0");
    CHECK(listed_state(kernel, "counter") == "running");
    CHECK(round_trip(client, "b") == counter_echo(1, "b", 2));
    CHECK(reloads_logged(kernel) == 0);

    // The next change is tried again, and this one loads.
    replace_file(test_plugin("counter_v2.so"), library);
    REQUIRE(eventually(kernel, [&] { return settled_generation(kernel, "counter") >= 2; }));
    CHECK(listed_generation(kernel, "counter") == 2);
    CHECK(listed_version(kernel, "counter") == "2.0.0");
    CHECK(round_trip(client, "c") == counter_echo(2, "c", 3));
}

TEST_CASE("watch: a library cut off inside its loadable segments is refused, not loaded",
          "[integration][reload][watch]") {
    TempDir libraries("watch");
    const fs::path library = libraries.path() / "counter.so";
    fs::copy_file(test_plugin("counter_v1.so"), library);
    auto kernel = start_watching(library);
    auto client = WsClient::connect(kernel.plugin_port("counter"), "/ws");
    REQUIRE(next_text_or_why(client) == R"({"v":1,"hello":true,"n":0})");

    // What a watcher can catch of a slow writer: the file's first part only, its headers
    // whole but its code and data not all there yet.
    const std::string whole = read_bytes(test_plugin("counter_v2.so"));
    const size_t cut = loadable_end(whole) / 2;
    REQUIRE(cut > sizeof(Elf64_Ehdr));
    replace_file(libraries.write("counter_cut.so", std::string_view(whole).substr(0, cut)),
                 library);

    std::optional<int> exit_status;
    REQUIRE(eventually(kernel, [&] {
        exit_status = kernel.wait_exit(std::chrono::milliseconds(0));
        return exit_status.has_value() || refusals_logged(kernel) > 0;
    }));
    INFO("the kernel exited with status " << exit_status.value_or(-1));
    REQUIRE_FALSE(exit_status.has_value());
    CHECK(listed_generation(kernel, "counter") == 1);
    CHECK(round_trip(client, "a") == counter_echo(1, "a", 1));

    // The whole file, once written, loads.
    replace_file(test_plugin("counter_v2.so"), library);
    REQUIRE(eventually(kernel, [&] { return settled_generation(kernel, "counter") >= 2; }));
    CHECK(listed_version(kernel, "counter") == "2.0.0");
    CHECK(round_trip(client, "b") == counter_echo(2, "b", 2));
}

TEST_CASE("watch: after SIGHUP points `library` at another file, that file is watched",
          "[integration][reload][watch][sighup]") {
    TempDir libraries("watch");
    const fs::path first = libraries.path() / "first.so";
    const fs::path second = libraries.path() / "second.so";
    fs::copy_file(test_plugin("counter_v1.so"), first);
    fs::copy_file(test_plugin("counter_v1.so"), second);
    auto kernel = start_watching(first);
    auto client = WsClient::connect(kernel.plugin_port("counter"), "/ws");
    REQUIRE(next_text_or_why(client) == R"({"v":1,"hello":true,"n":0})");

    KernelOptions options;
    options.kernel_toml = "hot_reload = true\n";
    options.extra_toml =
        enabled_plugin_table("counter", "library = " + toml_quote(second.string()) + "\n");
    {
        std::ofstream out(kernel.config_path(), std::ios::binary | std::ios::trunc);
        out << kernel_config_text(options);
    }
    kernel.send_signal(SIGHUP);
    REQUIRE(eventually(kernel, [&] { return settled_generation(kernel, "counter") >= 2; }));
    CHECK(round_trip(client, "a") == counter_echo(1, "a", 1));

    replace_file(test_plugin("counter_v2.so"), second);
    REQUIRE(eventually(kernel, [&] { return settled_generation(kernel, "counter") >= 3; }));
    CHECK(listed_version(kernel, "counter") == "2.0.0");
    CHECK(round_trip(client, "b") == counter_echo(2, "b", 2));
}

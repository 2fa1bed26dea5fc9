// The kernel under a service manager (packaging/switchyard.service, Type=notify): what it
// tells systemd through sd_notify, read from a fake NOTIFY_SOCKET that the test binds
// itself (PID 1 is not systemd here, so systemd-run cannot be used): READY=1 once the
// control API answers, RELOADING=1 and READY=1 around SIGHUP, STOPPING=1 on SIGTERM, and
// WATCHDOG=1 every half WATCHDOG_USEC only while every network worker runs.
#include "kernel_log_lines.hpp"
#include "kernel_process.hpp"
#include "temp_dir.hpp"
#include "toml_text.hpp"
#include "wait_until.hpp"
#include "ws_client.hpp"

#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace switchyard::test;
using namespace std::chrono_literals;

namespace {

constexpr auto kWait = std::chrono::seconds(10);
using Clock = std::chrono::steady_clock;

// One datagram the kernel sent, and when it arrived.
struct Notification {
    Clock::time_point at;
    std::string text;
};

// The service manager's end of the notify protocol: an AF_UNIX datagram socket bound in a
// temp dir, read by a thread of its own into a list.
class NotifySocket {
  public:
    NotifySocket() : path_(dir_.path() / "notify.sock") {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) throw std::runtime_error("socket(AF_UNIX): " + std::string(strerror(errno)));
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strncpy(address.sun_path, path_.c_str(), sizeof address.sun_path - 1);
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
            throw std::runtime_error("bind " + path_.string() + ": " + strerror(errno));
        reader_ = std::thread([this] { read_all(); });
    }
    ~NotifySocket() {
        stop_ = true;
        reader_.join();
        ::close(fd_);
    }

    // NOTIFY_SOCKET=<path>, for the kernel's environment.
    std::string variable() const { return "NOTIFY_SOCKET=" + path_.string(); }

    std::vector<Notification> received() const {
        std::lock_guard lock(mutex_);
        return received_;
    }

    // The notifications containing the assignment `line` ("READY=1"), in order.
    std::vector<Notification> with(std::string_view line) const {
        std::vector<Notification> found;
        for (auto& n : received()) {
            if (has_line(n.text, line)) found.push_back(n);
        }
        return found;
    }

    // Waits until at least `count` notifications contain `line`.
    bool wait_for(std::string_view line, size_t count = 1) const {
        return wait_until([&] { return with(line).size() >= count; }, kWait);
    }

    static bool has_line(std::string_view text, std::string_view line) {
        size_t start = 0;
        while (start <= text.size()) {
            size_t end = text.find('\n', start);
            if (end == std::string_view::npos) end = text.size();
            if (text.substr(start, end - start) == line) return true;
            start = end + 1;
        }
        return false;
    }

  private:
    void read_all() {
        char buffer[4096];
        while (!stop_) {
            pollfd entry{fd_, POLLIN, 0};
            if (::poll(&entry, 1, 20) <= 0) continue;
            const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
            if (n <= 0) continue;
            std::lock_guard lock(mutex_);
            received_.push_back({Clock::now(), std::string(buffer, size_t(n))});
        }
    }

    TempDir dir_{"notify"};
    std::filesystem::path path_;
    int fd_ = -1;
    std::atomic<bool> stop_{false};
    mutable std::mutex mutex_;
    std::vector<Notification> received_;
    std::thread reader_;
};

KernelOptions notified(const NotifySocket& notify, std::vector<std::string> more_env = {}) {
    KernelOptions options;
    options.environment = std::move(more_env);
    options.environment.push_back(notify.variable());
    return options;
}

// The value of `name=` in a notification, or "".
std::string value_of(std::string_view text, std::string_view name) {
    const std::string key = std::string(name) + "=";
    size_t at = text.rfind(key, 0) == 0 ? 0 : text.find("\n" + key);
    if (at == std::string_view::npos) return {};
    if (at != 0) ++at;
    const size_t end = text.find('\n', at);
    return std::string(text.substr(at + key.size(), end == std::string_view::npos
                                                        ? std::string_view::npos
                                                        : end - at - key.size()));
}

} // namespace

TEST_CASE("service notify: READY=1 once the control API answers, its address in STATUS",
          "[integration][service]") {
    NotifySocket notify;
    auto kernel = KernelProcess::start(notified(notify));
    REQUIRE(notify.wait_for("READY=1"));
    const auto ready = notify.with("READY=1");
    CHECK(ready.size() == 1);
    const std::string status = value_of(ready.front().text, "STATUS");
    // The STATUS names the bound port (not the configured 0): it was bound before READY.
    CHECK(status.find("127.0.0.1:" + std::to_string(kernel.control_port())) != std::string::npos);
    CHECK(kernel.control().get("/readyz").status == 200);
    // No watchdog was asked for: no pings, no watchdog thread.
    CHECK(count_log_lines(kernel, {"service watchdog"}) == 0);
    CHECK(notify.with("WATCHDOG=1").empty());
}

TEST_CASE("service notify: SIGHUP sends RELOADING=1 with MONOTONIC_USEC, then READY=1 again",
          "[integration][service]") {
    NotifySocket notify;
    auto kernel = KernelProcess::start(notified(notify));
    REQUIRE(notify.wait_for("READY=1"));
    kernel.send_signal(SIGHUP);
    REQUIRE(notify.wait_for("READY=1", 2));
    const auto all = notify.received();
    const auto reloading = std::find_if(all.begin(), all.end(), [](const Notification& n) {
        return NotifySocket::has_line(n.text, "RELOADING=1");
    });
    REQUIRE(reloading != all.end());
    const std::string usec = value_of(reloading->text, "MONOTONIC_USEC");
    REQUIRE_FALSE(usec.empty());
    CHECK(usec.find_first_not_of("0123456789") == std::string::npos);
    // RELOADING=1 comes between the first READY=1 and the second.
    const auto second_ready = std::find_if(reloading, all.end(), [](const Notification& n) {
        return NotifySocket::has_line(n.text, "READY=1");
    });
    CHECK(second_ready != all.end());
    CHECK(count_log_lines(kernel, {"SIGHUP: re-reading"}) == 1);
}

TEST_CASE("service notify: SIGTERM sends STOPPING=1 and the kernel exits cleanly",
          "[integration][service]") {
    NotifySocket notify;
    auto kernel = KernelProcess::start(notified(notify));
    REQUIRE(notify.wait_for("READY=1"));
    CHECK(notify.with("STOPPING=1").empty());
    kernel.send_signal(SIGTERM);
    CHECK(kernel.wait_exit(kWait) == 0);
    CHECK(notify.wait_for("STOPPING=1"));
}

TEST_CASE("service watchdog: WATCHDOG=1 keeps coming while the workers answer",
          "[integration][service]") {
    NotifySocket notify;
    // 200 ms: a ping every 100 ms. No WATCHDOG_PID: the pings are for whoever reads.
    auto kernel = KernelProcess::start(notified(notify, {"WATCHDOG_USEC=200000"}));
    REQUIRE(notify.wait_for("WATCHDOG=1", 5));
    CHECK(count_log_lines(kernel, {"service watchdog: 200 ms"}) == 1);
}

TEST_CASE("service watchdog: WATCHDOG_PID naming another process turns the watchdog off",
          "[integration][service]") {
    NotifySocket notify;
    // sd_watchdog_enabled: the watchdog is for the process WATCHDOG_PID names (here PID 1).
    auto kernel =
        KernelProcess::start(notified(notify, {"WATCHDOG_USEC=200000", "WATCHDOG_PID=1"}));
    REQUIRE(notify.wait_for("READY=1"));
    CHECK(count_log_lines(kernel, {"service watchdog"}) == 0);
}

TEST_CASE("service watchdog: a stuck worker stops the pings until it runs again",
          "[integration][service]") {
    NotifySocket notify;
    KernelOptions options = notified(notify, {"WATCHDOG_USEC=200000"});
    options.extra_toml = enabled_plugin_table(
        "host_misuse",
        "library = " + toml_quote(std::string(SWITCHYARD_TEST_PLUGIN_DIR) + "/host_misuse.so"));
    auto kernel = KernelProcess::start(options);
    REQUIRE(notify.wait_for("WATCHDOG=1", 2));
    auto ws = WsClient::connect(kernel.plugin_port("host_misuse"), "/ws");
    // The hook keeps its worker busy for 1.5 s, more than seven whole watchdog intervals.
    const auto before_spin = notify.with("WATCHDOG=1").size();
    REQUIRE(ws.send_text("spin 1500"));
    REQUIRE(next_text_or_why(ws, kWait) == "spin 0");
    REQUIRE(wait_until(
        [&] {
            return count_log_lines(kernel, {"service watchdog: every worker answers again"}) == 1;
        },
        kWait));
    CHECK(count_log_lines(kernel, {"service watchdog: a worker did not run a no-op"}) == 1);
    // The pings come back once the worker runs again.
    const auto after_spin = notify.with("WATCHDOG=1").size();
    REQUIRE(notify.wait_for("WATCHDOG=1", after_spin + 2));
    // While the worker was stuck no ping was sent: somewhere after the spin began there
    // is a gap of at least the spin (less what the reader's scheduling may shave off).
    const auto pings = notify.with("WATCHDOG=1");
    Clock::duration longest{};
    for (size_t i = std::max<size_t>(before_spin, 1); i < pings.size(); ++i)
        longest = std::max(longest, pings[i].at - pings[i - 1].at);
    CHECK(longest >= 1000ms);
}

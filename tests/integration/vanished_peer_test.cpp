// A client that vanishes without a FIN or an RST (its machine lost power, a NAT forgot the
// flow): the kernel's bytes to it are never acknowledged. Without a bound the TCP stack
// retransmits for about 15 minutes (tcp_retries2) while the connection holds its slot (an
// SSE listener slot, a connection cap) and its memory. The kernel bounds it with
// TCP_USER_TIMEOUT = [kernel] io_timeout_ms: the next write to the vanished peer (an
// event, a heartbeat) ends the connection that long after.
//
// The peer is made to vanish by removing its address: the client connects from a second
// loopback address, which is then deleted, so the kernel's packets to it go nowhere and
// nothing (no FIN, no RST) comes back. Changing addresses needs a network namespace of its
// own (root, or user namespaces), so this test is hidden from the normal run ([.netns])
// and registered by tests/CMakeLists.txt to run under `unshare --net`.
#include "kernel_process.hpp"
#include "library_file.hpp"
#include "plugin_list.hpp"
#include "publish.hpp"
#include "toml_text.hpp"
#include "wait_until.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

using namespace switchyard::test;

namespace {

constexpr const char* kVanishingAddress = "10.99.0.2";

// Runs a shell command; true when it exited 0.
bool run(const std::string& command) {
    INFO(command);
    return std::system(command.c_str()) == 0;
}

// A socket connected from `from` to 127.0.0.1:`port`; -1 on failure.
int connect_from(const char* from, uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, from, &local.sin_addr);
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
        ::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// Reads from `fd` until `needle` arrived or 10 s passed.
bool read_until(int fd, const std::string& needle) {
    std::string got;
    char buf[4096];
    pollfd p{fd, POLLIN, 0};
    while (got.find(needle) == std::string::npos) {
        if (::poll(&p, 1, 10000) <= 0) return false;
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) return false;
        got.append(buf, static_cast<size_t>(n));
    }
    return true;
}

int64_t connections_of(const KernelProcess& kernel, const std::string& plugin) {
    const auto listed = listed_plugin(kernel, plugin);
    return listed ? listed->at("connections").to_number<int64_t>() : -1;
}

} // namespace

TEST_CASE(
    "vanished peer: an event stream whose client vanished without a FIN is closed "
    "io_timeout_ms after the next write",
    "[.netns][integration]") {
    KernelOptions options;
    options.kernel_toml = "io_timeout_ms = 1000\n";
    options.extra_toml = enabled_plugin_table(
        "counter", "library = " + toml_quote(test_plugin("counter_v1.so").string()));
    auto kernel = KernelProcess::start(options);
    const uint16_t port = kernel.plugin_port("counter");

    REQUIRE(run(std::string("ip addr add ") + kVanishingAddress + "/32 dev lo"));
    const int listener = connect_from(kVanishingAddress, port);
    REQUIRE(listener >= 0);
    const std::string request =
        "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
    REQUIRE(::write(listener, request.data(), request.size()) == ssize_t(request.size()));
    REQUIRE(read_until(listener, "\r\n\r\n"));
    REQUIRE(wait_until([&] { return connections_of(kernel, "counter") == 1; },
                       std::chrono::seconds(10)));

    // From here on nothing reaches the client, and it sends nothing: it is gone (its
    // socket stays open, so no FIN or RST is ever sent).
    REQUIRE(run(std::string("ip addr del ") + kVanishingAddress + "/32 dev lo"));
    publish(kernel, R"({"topic":"counter","type":"tick","data":{}})");

    // Retransmission alone would hold the connection for minutes; 30 s is far beyond the
    // 1 s bound and far short of that.
    const bool closed = wait_until([&] { return connections_of(kernel, "counter") == 0; },
                                   std::chrono::seconds(30));
    CHECK(closed);
    ::close(listener);
}

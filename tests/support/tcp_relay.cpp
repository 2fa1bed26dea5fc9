#include "tcp_relay.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <list>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace switchyard::test {

namespace {

// Bytes read from one side and not yet written to the other, per direction: past this the
// relay stops reading that side until the other drains (TCP's own back-pressure).
constexpr std::size_t kMaxBuffered = 256 * 1024;

enum class Mode { Forward, Drop, Hold };

void set_nonblocking(int fd) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

void set_nodelay(int fd) {
    // Redis's requests and replies are small: Nagle plus delayed ACKs would stall them.
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// Closes `fd` with a reset instead of a FIN, as a crashed or vanished peer does.
void reset(int fd) {
    if (fd < 0) return;
    const linger abort{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
    ::close(fd);
}

sockaddr_in loopback(uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    return address;
}

// A connection to 127.0.0.1:<port>, non-blocking once connected; -1 when refused.
// Connecting on loopback completes (or is refused) at once, so blocking is harmless.
int connect_to(uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    const sockaddr_in address = loopback(port);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    set_nonblocking(fd);
    set_nodelay(fd);
    return fd;
}

// One relayed connection: the client's socket, the one onward (-1 while held before it
// was connected), and what is on its way each direction.
struct Link {
    int client = -1;
    int server = -1;
    std::string to_server;
    std::string to_client;
    bool client_ended = false; // the client sent its FIN
    bool server_ended = false;
    bool server_shut = false; // the client's FIN passed on
    bool client_shut = false;
    bool broken = false; // an error either side: the link goes, both sides reset
};

// Reads what `from` has into `into`; marks `ended` on its FIN and `broken` on an error.
void read_side(int from, std::string& into, bool& ended, bool& broken) {
    char buffer[16384];
    while (into.size() < kMaxBuffered) {
        const ssize_t n = ::recv(from, buffer, sizeof buffer, 0);
        if (n > 0) {
            into.append(buffer, static_cast<std::size_t>(n));
        } else if (n == 0) {
            ended = true;
            return;
        } else {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) broken = true;
            return;
        }
    }
}

// Writes what it can of `pending` to `to`; marks `broken` on an error.
void write_side(int to, std::string& pending, bool& broken) {
    while (!pending.empty()) {
        const ssize_t n = ::send(to, pending.data(), pending.size(), MSG_NOSIGNAL);
        if (n > 0) {
            pending.erase(0, static_cast<std::size_t>(n));
        } else {
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) broken = true;
            return;
        }
    }
}

} // namespace

struct TcpRelay::Impl {
    uint16_t target_port = 0;
    int listen_fd = -1;
    uint16_t port = 0;
    int wake_read = -1;
    int wake_write = -1;

    // Requests from the test's thread, applied by the relay's thread.
    std::mutex mutex;
    std::condition_variable applied_cv;
    Mode wanted = Mode::Forward;
    bool stopping = false;
    uint64_t requested = 0;
    uint64_t applied = 0;
    bool dead = false; // the relay thread ended on an error: requests are not waited for

    std::atomic<std::size_t> open{0};
    std::atomic<uint64_t> accepted{0};

    // The relay thread's own state.
    Mode mode = Mode::Forward;
    std::list<Link> links;
    std::thread thread;

    void listen() {
        listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (listen_fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
        sockaddr_in address = loopback(0);
        socklen_t length = sizeof address;
        if (::bind(listen_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
            ::listen(listen_fd, 64) != 0 ||
            ::getsockname(listen_fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
            const std::string why = std::strerror(errno);
            ::close(listen_fd);
            throw std::runtime_error("relay: listen on 127.0.0.1: " + why);
        }
        port = ntohs(address.sin_port);
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
            ::close(listen_fd);
            throw std::runtime_error(std::string("relay: pipe: ") + std::strerror(errno));
        }
        wake_read = fds[0];
        wake_write = fds[1];
    }

    // Asks the relay thread for `change` and waits until it took effect.
    void request(Mode new_mode, bool stop) {
        std::unique_lock lock(mutex);
        wanted = new_mode;
        stopping = stopping || stop;
        const uint64_t mine = ++requested;
        const char byte = 1;
        [[maybe_unused]] const ssize_t n = ::write(wake_write, &byte, 1);
        applied_cv.wait(lock, [&] { return applied >= mine || dead; });
    }

    void close_link(Link& link) {
        reset(link.client);
        reset(link.server);
        link.client = link.server = -1;
    }

    void close_all() {
        for (auto& link : links) close_link(link);
        links.clear();
        open = 0;
    }

    // Applies the latest request; false once the relay must stop.
    bool apply_requests() {
        std::lock_guard lock(mutex);
        if (stopping) {
            close_all();
            applied = requested;
            applied_cv.notify_all();
            return false;
        }
        if (wanted != mode) {
            mode = wanted;
            if (mode == Mode::Drop) close_all();
            if (mode == Mode::Forward) connect_held();
        }
        applied = requested;
        applied_cv.notify_all();
        return true;
    }

    // Links accepted while held get their onward connection now.
    void connect_held() {
        for (auto it = links.begin(); it != links.end();) {
            if (it->server < 0 && (it->server = connect_to(target_port)) < 0) {
                close_link(*it);
                it = links.erase(it);
            } else {
                ++it;
            }
        }
        open = links.size();
    }

    void accept_new() {
        for (;;) {
            const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (fd < 0) return;
            ++accepted;
            if (mode == Mode::Drop) {
                reset(fd);
                continue;
            }
            set_nodelay(fd);
            Link link;
            link.client = fd;
            if (mode == Mode::Forward && (link.server = connect_to(target_port)) < 0) {
                reset(fd);
                continue;
            }
            links.push_back(std::move(link));
            open = links.size();
        }
    }

    short events_of(bool ended, const std::string& inbound, const std::string& outbound) const {
        if (mode == Mode::Hold) return POLLRDHUP; // only to notice a side that goes away
        short events = 0;
        if (!ended && inbound.size() < kMaxBuffered) events |= POLLIN;
        if (!outbound.empty()) events |= POLLOUT;
        return events;
    }

    // Moves bytes for `link` after poll said `client_events` and `server_events`.
    void pump(Link& link, short client_events, short server_events) {
        if (mode == Mode::Hold) {
            // A held link whose side hung up or failed is gone: nothing more can pass.
            constexpr short gone = POLLRDHUP | POLLHUP | POLLERR;
            if ((client_events & gone) || (server_events & gone)) link.broken = true;
            return;
        }
        // A side that already sent its FIN and now hangs up or fails cannot take more bytes.
        constexpr short hangup = POLLHUP | POLLERR;
        if ((link.client_ended && (client_events & hangup)) ||
            (link.server_ended && (server_events & hangup))) {
            link.broken = true;
            return;
        }
        if (client_events & (POLLIN | POLLHUP | POLLERR))
            read_side(link.client, link.to_server, link.client_ended, link.broken);
        if (server_events & (POLLIN | POLLHUP | POLLERR))
            read_side(link.server, link.to_client, link.server_ended, link.broken);
        write_side(link.server, link.to_server, link.broken);
        write_side(link.client, link.to_client, link.broken);
        // A FIN passes on once what came before it has.
        if (link.client_ended && link.to_server.empty() && !link.server_shut) {
            ::shutdown(link.server, SHUT_WR);
            link.server_shut = true;
        }
        if (link.server_ended && link.to_client.empty() && !link.client_shut) {
            ::shutdown(link.client, SHUT_WR);
            link.client_shut = true;
        }
    }

    bool finished(const Link& link) const {
        return link.broken || (link.client_shut && link.server_shut);
    }

    // poll failed: nothing can be relayed any more, so every client sees its link end.
    void end_on_error() {
        std::lock_guard lock(mutex);
        close_all();
        dead = true;
        applied_cv.notify_all();
    }

    void run() {
        std::vector<pollfd> fds;
        while (apply_requests()) {
            fds.clear();
            fds.push_back({wake_read, POLLIN, 0});
            fds.push_back({listen_fd, POLLIN, 0});
            for (const auto& link : links) {
                fds.push_back(
                    {link.client, events_of(link.client_ended, link.to_server, link.to_client), 0});
                // A held link not yet connected onward has no server side: fd -1 is ignored.
                fds.push_back(
                    {link.server, events_of(link.server_ended, link.to_client, link.to_server), 0});
            }
            if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) {
                end_on_error();
                return;
            }
            if (fds[0].revents) {
                char drain[64];
                while (::read(wake_read, drain, sizeof drain) > 0) {}
            }
            std::size_t i = 2;
            for (auto it = links.begin(); it != links.end(); i += 2) {
                pump(*it, fds[i].revents, it->server < 0 ? 0 : fds[i + 1].revents);
                if (finished(*it)) {
                    close_link(*it);
                    it = links.erase(it);
                } else {
                    ++it;
                }
            }
            if (fds[1].revents) accept_new();
            open = links.size();
        }
    }
};

TcpRelay::TcpRelay(uint16_t target_port) : impl_(std::make_unique<Impl>()) {
    impl_->target_port = target_port;
    impl_->listen();
    impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
}

TcpRelay::~TcpRelay() {
    impl_->request(Mode::Drop, true);
    impl_->thread.join();
    ::close(impl_->listen_fd);
    ::close(impl_->wake_read);
    ::close(impl_->wake_write);
}

uint16_t TcpRelay::port() const {
    return impl_->port;
}

void TcpRelay::pause(RelayPause mode) {
    impl_->request(mode == RelayPause::Drop ? Mode::Drop : Mode::Hold, false);
}

void TcpRelay::resume() {
    impl_->request(Mode::Forward, false);
}

std::size_t TcpRelay::open_connections() const {
    return impl_->open.load();
}

uint64_t TcpRelay::accepted() const {
    return impl_->accepted.load();
}

} // namespace switchyard::test

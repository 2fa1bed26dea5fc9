#include "connection.hpp"

#include "clock.hpp"

#include <unistd.h>

namespace loadgen {

Connection::~Connection() {
    if (fd_ >= 0) close(fd_);
}

void Connection::start(const Endpoint& endpoint, uint64_t deadline_ns) {
    std::string error;
    deadline_ = deadline_ns;
    state_ = State::connecting;
    fd_ = connect_nonblocking(endpoint, error);
    if (fd_ < 0) return fail(error);
    // Registering also reports the current state: an immediately connected socket gets
    // its EPOLLOUT edge right away, like one whose connect completes later.
    if (!loop_.add(fd_, this)) fail(std::string("epoll_ctl: ") + std::strerror(errno));
}

void Connection::check_deadline(uint64_t now) {
    if ((state_ == State::connecting || state_ == State::handshake) && now > deadline_) {
        fail(state_ == State::connecting ? "connect timed out" : "handshake timed out");
    }
}

void Connection::on_event(uint32_t events) {
    if (state_ == State::connecting) {
        if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0) return;
        connected();
        if (state_ == State::closed) return;
    }
    if (state_ != State::handshake && state_ != State::open) return;
    if ((events & EPOLLOUT) != 0 && !out_.empty() && !flush()) return;
    if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) readable();
}

void Connection::connected() {
    if (std::string error = connect_error(fd_); !error.empty()) return fail(error);
    std::string request = handshake_request();
    if (request.empty()) return opened();
    state_ = State::handshake;
    out_.data() += request;
    flush();
}

void Connection::readable() {
    const ReadEnd end = read_available(
        fd_, leftover_,
        [this](const char* p, size_t n) {
            now_ = now_ns();
            const size_t used = consume(p, n);
            // A handler that failed the connection (a pong that could not be sent, say)
            // closed the socket: stop before reading from a descriptor that is gone.
            return state_ == State::closed ? kStop : used;
        },
        [this] { return partial_message_size(); });
    if (end == ReadEnd::eof) {
        fail(state_ == State::handshake ? "connection closed during the handshake"
                                        : "connection closed by the server");
    } else if (end == ReadEnd::error) {
        fail(std::string("recv: ") + std::strerror(errno));
    }
}

void Connection::opened() {
    state_ = State::open;
    on_open();
}

void Connection::fail(const std::string& why) {
    if (state_ == State::closed) return;
    const bool was_open = state_ == State::open;
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
    state_ = State::closed;
    leftover_.release();
    if (was_open) {
        on_lost(why);
    } else {
        on_failed(why);
    }
}

bool Connection::flush() {
    if (fd_ < 0) return false;
    if (out_.flush(fd_)) return true;
    fail(std::string("send: ") + std::strerror(errno));
    return false;
}

} // namespace loadgen

#include "net/connection.hpp"

#include "log/rate_limited_log.hpp"
#include "net/close_code.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

namespace switchyard {

namespace asio = boost::asio;

namespace {
// How much of one client's input may wait for its plugin before reading pauses.
constexpr uint32_t kInFlightMessages = 64;
constexpr uint32_t kInFlightBytes = 4 << 20;
// Reads of the scratch buffer one connection may do per turn before the others get
// theirs (the rest is read on a task posted behind them).
constexpr int kReadsPerTurn = 4;

uint32_t saturated_ms(std::chrono::milliseconds ms) {
    return static_cast<uint32_t>(
        std::clamp<std::chrono::milliseconds::rep>(ms.count(), 0, UINT32_MAX));
}

// The descriptor taken out of Asio's hands, or -1.
int release_descriptor(Connection::Socket& socket) {
    boost::system::error_code ec;
    const int fd = socket.release(ec);
    return ec ? -1 : fd;
}

RateLimitedLog slow_consumers_log("slow consumers");
} // namespace

struct Connection::CloseState {
    explicit CloseState(asio::io_context& io) : deadline(io) {}
    asio::steady_timer deadline;
    std::string reason;
};

Connection::Connection(Worker& worker, Socket socket, ConnectionObserver& observer,
                       const ConnectionLimits& limits)
    : worker_(worker),
      observer_(observer),
      id_(worker.new_connection_id()),
      queue_(limits.max_queued_frames, limits.max_queued_bytes),
      close_timeout_ms_(saturated_ms(limits.close_timeout)),
      fd_(release_descriptor(socket)) {}

Connection::~Connection() {
    // Normally finish() closed it. Closing removes it from the worker's epoll set; the
    // worker itself may be going (shutdown), so it is not touched here.
    if (fd_ >= 0) ::close(fd_);
}

void Connection::start(std::string_view already_read) {
    if (fd_ < 0) {
        started_ = true;
        finish(1006, "socket lost before start");
        return;
    }
    const int flags = ::fcntl(fd_, F_GETFL, 0);
    if (flags >= 0) ::fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
    const int on = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    // A peer that vanished without a FIN or an RST never acknowledges what is written to
    // it; TCP alone would retransmit for about 15 minutes while the connection holds its
    // slot. Bound how long written bytes may stay unacknowledged by the same deadline as
    // a half-sent frame: the next write (an event, a heartbeat, a ping) finds it gone.
    const unsigned user_timeout = worker_.io_timeout_ms();
    ::setsockopt(fd_, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof user_timeout);
    if (!already_read.empty()) {
        // Parse in a copy: the reader unmasks in place.
        std::string copy(already_read);
        on_bytes(copy.data(), copy.size());
    }
    if (finished_) return;
    // Watching reports what is pending already (bytes the client sent since, a hang-up).
    if (!worker_.watch(fd_, id_)) {
        spdlog::warn("connection {}: cannot watch its socket: {}", id_, std::strerror(errno));
        finish(close_code::internal_error, "cannot watch the socket");
        return;
    }
    started_ = true;
    flush();
}

bool Connection::send(const FrameRef& frame) {
    if (closing_ || finished_) {
        if (WorkerTraffic* traffic = this->traffic()) traffic->frames_dropped.add();
        return false;
    }
    if (!queue_.push(frame)) {
        slow_consumers_log.warn(
            "connection {}: {} frames ({} bytes) queued, client too slow; disconnecting "
            "(bound: {} frames, {} bytes)",
            id_, queue_.size(), queue_.bytes(), queue_.limit(), queue_.byte_limit());
        close_slow_consumer(1);
        return false;
    }
    request_flush();
    return true;
}

void Connection::close_slow_consumer(uint64_t dropped_frames) {
    if (WorkerTraffic* traffic = this->traffic()) {
        traffic->frames_dropped.add(dropped_frames);
        if (is_open()) traffic->slow_consumers.add();
    }
    if (is_open()) close(close_code::policy_violation, "slow consumer");
}

void Connection::send_control(FrameRef frame) {
    if (finished_) return;
    queue_.push_unbounded(std::move(frame));
    request_flush();
}

void Connection::set_keepalive(uint32_t, uint32_t) {}

bool Connection::sweep_due(uint32_t) const noexcept {
    return false;
}

void Connection::run_sweep(uint32_t) {}

void Connection::join_sweep(uint32_t resolution_ms) {
    if (finished_) return;
    if (swept_) {
        worker_.refine_sweep(resolution_ms);
        return;
    }
    swept_ = true;
    worker_.join_sweep(resolution_ms);
}

void Connection::leave_sweep() noexcept {
    if (!swept_) return;
    swept_ = false;
    worker_.leave_sweep();
}

void Connection::request_flush() {
    if (!started_ || finished_ || waiting_writable_ || flush_requested_) return;
    flush_requested_ = true;
    worker_.schedule_flush(shared_from_this());
}

void Connection::flush() {
    flush_requested_ = false;
    if (!started_ || finished_ || waiting_writable_) return;
    while (!queue_.empty()) {
        const auto gather = worker_.gather_buffers();
        const size_t count = std::min(queue_.size(), gather.size());
        for (size_t i = 0; i < count; ++i) {
            auto bytes = wire_bytes(*queue_.at(i));
            if (i == 0) bytes.remove_prefix(front_written_);
            gather[i].iov_base = const_cast<char*>(bytes.data());
            gather[i].iov_len = bytes.size();
        }
        msghdr message{};
        message.msg_iov = gather.data();
        message.msg_iovlen = count;
        // sendmsg rather than writev: MSG_NOSIGNAL, a client gone is an error, not SIGPIPE.
        const ssize_t written = ::sendmsg(fd_, &message, MSG_NOSIGNAL);
        if (written < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                waiting_writable_ = true; // the socket's EPOLLOUT edge resumes (on_ready)
                return;
            }
            finish(close_code_ != 0 ? close_code_ : 1006, "write failed");
            return;
        }
        consume(static_cast<size_t>(written));
        if (front_written_ != 0) { // the socket took part of it: its buffer is full
            waiting_writable_ = true;
            return;
        }
    }
    if (closing_) on_drained_while_closing();
}

void Connection::consume(size_t bytes) {
    WorkerTraffic* traffic = this->traffic();
    if (traffic != nullptr) traffic->bytes_written.add(bytes);
    size_t frames = 0;
    while (frames < queue_.size()) {
        const size_t left = wire_bytes(*queue_.at(frames)).size() - front_written_;
        if (bytes < left) {
            front_written_ += bytes;
            break;
        }
        bytes -= left;
        front_written_ = 0;
        ++frames;
    }
    if (traffic != nullptr) traffic->frames_written.add(frames);
    queue_.pop(frames);
}

void Connection::on_ready(uint32_t events) {
    if (finished_) return;
    if (waiting_writable_ && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) != 0) {
        waiting_writable_ = false;
        flush();
        if (finished_) return;
    }
    if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
        readable_ = true;
        read_available();
    }
}

void Connection::on_drained_while_closing() {
    shutdown_send();
}

void Connection::message_accepted(size_t bytes) noexcept {
    ++in_flight_messages_;
    in_flight_bytes_ +=
        static_cast<uint32_t>(std::min<size_t>(bytes, UINT32_MAX - in_flight_bytes_));
}

void Connection::message_done(size_t bytes) {
    in_flight_messages_ -= std::min(in_flight_messages_, uint32_t{1});
    in_flight_bytes_ -= static_cast<uint32_t>(std::min<size_t>(in_flight_bytes_, bytes));
    // Resume at half the budget, not at the edge, so reading does not flap.
    if (read_paused_ && in_flight_messages_ <= kInFlightMessages / 2 &&
        in_flight_bytes_ <= kInFlightBytes / 2) {
        read_paused_ = false;
        read_available();
    }
}

bool Connection::reading_allowed() const noexcept {
    return in_flight_messages_ < kInFlightMessages && in_flight_bytes_ < kInFlightBytes;
}

void Connection::read_available() {
    if (in_read_ || finished_ || !readable_ || !started_) return;
    auto self = shared_from_this(); // a message may end the connection
    in_read_ = true;
    // Edge-triggered: read until the socket says EAGAIN, or the end, or a pause.
    for (int round = 0; round < kReadsPerTurn; ++round) {
        if (!reading_allowed()) {
            read_paused_ = true;
            break;
        }
        const ssize_t n = ::recv(fd_, worker_.scratch(), worker_.scratch_size(), 0);
        if (n > 0) {
            on_bytes(worker_.scratch(), static_cast<size_t>(n));
            if (finished_) break;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            readable_ = false;
            break;
        }
        readable_ = false; // the end of the stream, or an error
        in_read_ = false;
        on_read_end();
        return;
    }
    in_read_ = false;
    if (readable_ && !read_paused_ && !finished_) {
        // More may wait: let the worker's other connections have their turn first.
        asio::post(worker_.io(), [self] { self->read_available(); });
    }
}

void Connection::begin_closing(uint16_t code, std::string_view reason) {
    closing_ = true;
    close_code_ = code;
    if (!close_state_) close_state_ = std::make_unique<CloseState>(worker_.io());
    close_state_->reason.assign(reason);
    auto& deadline = close_state_->deadline;
    deadline.cancel();
    deadline.expires_after(std::chrono::milliseconds(close_timeout_ms_));
    deadline.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (ec || self->finished_) return;
        self->finish(self->close_code_, self->close_reason());
    });
}

std::string_view Connection::close_reason() const noexcept {
    return close_state_ ? std::string_view(close_state_->reason) : std::string_view();
}

void Connection::shutdown_send() {
    if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

void Connection::abort() {
    finish(close_code_ != 0 ? close_code_ : 1006, "aborted");
}

void Connection::finish(uint16_t code, std::string_view reason) {
    if (finished_) return;
    finished_ = true;
    closing_ = true;
    if (close_state_) close_state_->deadline.cancel();
    leave_sweep();
    if (fd_ >= 0) {
        if (started_) worker_.unwatch(fd_);
        ::shutdown(fd_, SHUT_RDWR);
        ::close(fd_);
        fd_ = -1;
    }
    // Never written. (Counted before the slot goes: the gate may go with it.)
    if (WorkerTraffic* traffic = this->traffic()) traffic->frames_dropped.add(queue_.size());
    slot_.reset();
    queue_.clear();
    auto self = shared_from_this(); // outlive the removal below
    groups_.drain([this](sy_group_id group) { worker_.group_remove(group, this); });
    observer_.on_closed(*this, code, reason);
    worker_.remove(id_);
}

} // namespace switchyard

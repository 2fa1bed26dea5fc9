#include "net/connection.hpp"

#include "log/rate_limited_log.hpp"
#include "net/close_code.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace switchyard {

namespace asio = boost::asio;

namespace {
// How much of one client's input may wait for its plugin before reading pauses.
constexpr size_t kInFlightMessages = 64;
constexpr size_t kInFlightBytes = 4 << 20;

RateLimitedLog slow_consumers_log("slow consumers");
} // namespace

Connection::Connection(Worker& worker, Socket socket, ConnectionObserver& observer,
                       const ConnectionLimits& limits)
    : worker_(worker),
      socket_(std::move(socket)),
      observer_(observer),
      limits_(limits),
      id_(worker.new_connection_id()),
      queue_(limits.max_queued_frames, limits.max_queued_bytes) {}

Connection::~Connection() = default;

void Connection::start(std::string_view already_read) {
    boost::system::error_code ec;
    socket_.non_blocking(true, ec);
    socket_.set_option(asio::ip::tcp::no_delay(true), ec);
    if (!already_read.empty()) {
        // Parse in the scratch buffer: the reader unmasks in place.
        std::string copy(already_read);
        on_bytes(copy.data(), copy.size());
    }
    started_ = true;
    flush();
    if (!finished_) read_some();
}

bool Connection::send(const FrameRef& frame) {
    if (closing_ || finished_) return false;
    if (!queue_.push(frame)) {
        slow_consumers_log.warn(
            "connection {}: {} frames ({} bytes) queued, client too slow; disconnecting", id_,
            queue_.size(), queue_.bytes());
        close(close_code::policy_violation, "slow consumer");
        return false;
    }
    request_flush();
    return true;
}

void Connection::send_control(FrameRef frame) {
    if (finished_) return;
    queue_.push_unbounded(std::move(frame));
    request_flush();
}

void Connection::set_keepalive(uint32_t, uint32_t) {}

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
            gather[i] = asio::const_buffer(bytes.data(), bytes.size());
        }
        boost::system::error_code ec;
        const size_t written = socket_.write_some(gather.first(count), ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) {
            wait_writable();
            return;
        }
        if (ec) {
            finish(close_code_ != 0 ? close_code_ : 1006, "write failed");
            return;
        }
        consume(written);
        if (front_written_ != 0) { // the socket took part of it: its buffer is full
            wait_writable();
            return;
        }
    }
    if (closing_) on_drained_while_closing();
}

void Connection::consume(size_t bytes) {
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
    queue_.pop(frames);
}

void Connection::wait_writable() {
    waiting_writable_ = true;
    socket_.async_wait(
        Socket::wait_write, [self = shared_from_this()](const boost::system::error_code& ec) {
            self->waiting_writable_ = false;
            if (self->finished_) return;
            if (ec) {
                self->finish(self->close_code_ != 0 ? self->close_code_ : 1006, "write failed");
                return;
            }
            self->flush();
        });
}

void Connection::on_drained_while_closing() {
    shutdown_send();
}

void Connection::message_accepted(size_t bytes) noexcept {
    ++in_flight_messages_;
    in_flight_bytes_ += bytes;
}

void Connection::message_done(size_t bytes) {
    in_flight_messages_ -= std::min(in_flight_messages_, size_t{1});
    in_flight_bytes_ -= std::min(in_flight_bytes_, bytes);
    // Resume at half the budget, not at the edge, so reading does not flap.
    if (read_paused_ && in_flight_messages_ <= kInFlightMessages / 2 &&
        in_flight_bytes_ <= kInFlightBytes / 2) {
        read_paused_ = false;
        read_some();
    }
}

void Connection::read_some() {
    if (reading_ || finished_) return;
    if (in_flight_messages_ >= kInFlightMessages || in_flight_bytes_ >= kInFlightBytes) {
        read_paused_ = true;
        return;
    }
    reading_ = true;
    // Wait for readability first and read into the worker's shared scratch buffer, so
    // an idle connection owns no read buffer.
    socket_.async_wait(
        Socket::wait_read, [self = shared_from_this()](const boost::system::error_code& ec) {
            self->reading_ = false;
            if (self->finished_) return;
            if (ec) {
                self->on_read_end();
                return;
            }
            boost::system::error_code read_ec;
            Worker& worker = self->worker_;
            const size_t n = self->socket_.read_some(
                asio::buffer(worker.scratch(), worker.scratch_size()), read_ec);
            if (read_ec == asio::error::would_block || read_ec == asio::error::try_again) {
                self->read_some();
                return;
            }
            if (read_ec) {
                self->on_read_end();
                return;
            }
            self->on_bytes(worker.scratch(), n);
            self->read_some();
        });
}

void Connection::begin_closing(uint16_t code, std::string_view reason) {
    closing_ = true;
    close_code_ = code;
    close_reason_.assign(reason);
    auto& deadline = timer();
    deadline.cancel();
    deadline.expires_after(limits_.close_timeout);
    deadline.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (ec || self->finished_) return;
        self->finish(self->close_code_, self->close_reason_);
    });
}

void Connection::shutdown_send() {
    boost::system::error_code ec;
    socket_.shutdown(Socket::shutdown_send, ec);
}

void Connection::abort() {
    finish(close_code_ != 0 ? close_code_ : 1006, "aborted");
}

asio::steady_timer& Connection::timer() {
    if (!timer_) timer_ = std::make_unique<asio::steady_timer>(worker_.io());
    return *timer_;
}

void Connection::finish(uint16_t code, std::string_view reason) {
    if (finished_) return;
    finished_ = true;
    closing_ = true;
    if (timer_) timer_->cancel();
    boost::system::error_code ec;
    socket_.shutdown(Socket::shutdown_both, ec);
    socket_.close(ec);
    slot_.reset();
    queue_.clear();
    auto self = shared_from_this(); // outlive the removal below
    for (sy_group_id group : std::exchange(groups_, {})) worker_.group_remove(group, this);
    observer_.on_closed(*this, code, reason);
    worker_.remove(id_);
}

} // namespace switchyard

#include "net/event_stream_follower.hpp"

#include "auth/http_fields.hpp"
#include "net/sse_stream_parser.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

#include <array>
#include <cctype>

namespace switchyard {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// The body is read this much at a time: what one read can complete in news.
constexpr size_t kReadChunk = 16 * 1024;
// The response head may be this large (Beast's default for a response is 8 KiB).
constexpr size_t kHeadLimit = 16 * 1024;

bool is_event_stream(std::string_view content_type) {
    const size_t end = content_type.find(';');
    std::string_view type = content_type.substr(0, end);
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
    return auth::iequals(type, "text/event-stream");
}

// "Connection refused", as a reason in lower case: "connection refused".
std::string reason_of(const boost::system::error_code& ec) {
    std::string text = ec.message();
    if (!text.empty())
        text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
    return text;
}

} // namespace

// The Asio and Beast parts, kept out of the header.
struct EventStreamFollower::Io {
    Io(asio::io_context& io, size_t max_event_bytes, SseStreamParser::Sink sink)
        : resolver(io),
          socket(io),
          timer(io),
          buffer(kHeadLimit),
          events(max_event_bytes, std::move(sink)) {
        parser.header_limit(kHeadLimit);
        parser.body_limit(boost::none); // an event stream has no end the kernel knows of
    }

    tcp::resolver resolver;
    tcp::socket socket;
    asio::steady_timer timer;
    boost::beast::flat_buffer buffer;
    http::response_parser<http::buffer_body> parser;
    std::array<char, kReadChunk> chunk{};
    std::string request;
    SseStreamParser events;
};

std::shared_ptr<EventStreamFollower> EventStreamFollower::start(asio::io_context& io,
                                                                FollowSpec spec, Deliver deliver) {
    std::shared_ptr<EventStreamFollower> follower(
        new EventStreamFollower(io, std::move(spec), std::move(deliver)));
    asio::post(io, [follower] { follower->resolve(); });
    return follower;
}

EventStreamFollower::EventStreamFollower(asio::io_context& io, FollowSpec spec, Deliver deliver)
    : io_(io), spec_(std::move(spec)), deliver_(std::move(deliver)) {
    net_ = std::make_unique<Io>(io, spec_.max_event_bytes, [this](const SseEventView& event) {
        FollowNews news;
        news.kind = SY_FOLLOW_EVENT;
        news.id = event.id;
        news.event = event.event;
        news.data = event.data;
        emit(std::move(news));
    });
}

EventStreamFollower::~EventStreamFollower() = default;

void EventStreamFollower::stop() {
    {
        std::lock_guard lock(deliver_mutex_);
        deliver_ = nullptr;
    }
    asio::post(io_, [self = shared_from_this()] {
        self->done_ = true;
        self->shut();
    });
}

void EventStreamFollower::delivered(size_t bytes) {
    waiting_bytes_.fetch_sub(bytes, std::memory_order_relaxed);
    const size_t left = waiting_events_.fetch_sub(1, std::memory_order_acq_rel) - 1;
    // Reading stopped at the bound; it resumes at half of it, or when nothing waits (a
    // few large events can hold the byte bound with few events).
    if (left == spec_.max_waiting_events / 2 || left == 0) {
        asio::post(io_, [self = shared_from_this()] { self->resume(); });
    }
}

bool EventStreamFollower::over_bound() const noexcept {
    return waiting_events_.load(std::memory_order_acquire) >= spec_.max_waiting_events ||
           waiting_bytes_.load(std::memory_order_relaxed) >= spec_.max_waiting_bytes;
}

void EventStreamFollower::emit(FollowNews news) {
    std::lock_guard lock(deliver_mutex_);
    if (!deliver_) return;
    waiting_events_.fetch_add(1, std::memory_order_acq_rel);
    waiting_bytes_.fetch_add(news.bytes(), std::memory_order_relaxed);
    deliver_(std::move(news));
}

void EventStreamFollower::resolve() {
    if (done_) return;
    arm_timer(Clock::now() + spec_.connect_timeout);
    net_->resolver.async_resolve(
        spec_.url.host, std::to_string(spec_.url.port),
        [self = shared_from_this()](const boost::system::error_code& ec,
                                    const tcp::resolver::results_type& results) {
            if (self->done_) return;
            if (ec) return self->finish_error(ec);
            asio::async_connect(self->net_->socket, results,
                                [self](const boost::system::error_code& ec, const tcp::endpoint&) {
                                    if (self->done_) return;
                                    if (ec) return self->finish_error(ec);
                                    self->write_request();
                                });
        });
}

void EventStreamFollower::write_request() {
    std::string& request = net_->request;
    request = "GET " + spec_.url.target + " HTTP/1.1\r\nHost: " + spec_.url.host_header +
              "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n";
    if (!spec_.last_event_id.empty()) request += "Last-Event-ID: " + spec_.last_event_id + "\r\n";
    for (const auto& [name, value] : spec_.headers) request += name + ": " + value + "\r\n";
    request += "\r\n";
    asio::async_write(net_->socket, asio::buffer(request),
                      [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                          if (self->done_) return;
                          if (ec) return self->finish_error(ec);
                          self->net_->request = {};
                          self->read_head();
                      });
}

void EventStreamFollower::read_head() {
    http::async_read_header(
        net_->socket, net_->buffer, net_->parser,
        [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
            if (self->done_) return;
            if (ec) return self->finish_error(ec);
            self->on_head();
        });
}

void EventStreamFollower::on_head() {
    const auto& head = net_->parser.get();
    const unsigned status = head.result_int();
    if (status != 200) return finish(status, "HTTP " + std::to_string(status));
    const auto content_type = head[http::field::content_type];
    if (!is_event_stream(std::string_view(content_type.data(), content_type.size())))
        return finish(status, "not an event stream");
    FollowNews open;
    open.kind = SY_FOLLOW_OPEN;
    open.http_status = 200;
    emit(std::move(open));
    streaming_ = true;
    last_activity_ = Clock::now();
    if (spec_.idle_timeout.count() > 0) {
        arm_timer(last_activity_ + spec_.idle_timeout);
    } else {
        net_->timer.cancel();
    }
    if (net_->parser.is_done()) return finish(0, "end of stream");
    read_body();
}

void EventStreamFollower::read_body() {
    if (done_) return;
    if (over_bound()) {
        paused_ = true; // delivered() resumes
        return;
    }
    auto& body = net_->parser.get().body();
    body.data = net_->chunk.data();
    body.size = net_->chunk.size();
    body.more = true;
    http::async_read_some(
        net_->socket, net_->buffer, net_->parser,
        [self = shared_from_this()](const boost::system::error_code& ec, size_t consumed) {
            self->on_body(ec, consumed);
        });
}

void EventStreamFollower::on_body(const boost::system::error_code& read_error, size_t consumed) {
    if (done_) return;
    boost::system::error_code ec = read_error;
    if (ec == http::error::need_buffer) ec = {}; // the chunk is full: parse it, read on
    const size_t produced = net_->chunk.size() - net_->parser.get().body().size;
    if (consumed > 0 || produced > 0) last_activity_ = Clock::now();
    if (produced > 0 && !net_->events.feed(std::string_view(net_->chunk.data(), produced))) {
        return finish(0, net_->events.error());
    }
    if (ec) return finish_error(ec);
    if (net_->parser.is_done()) return finish(0, "end of stream");
    read_body();
}

void EventStreamFollower::resume() {
    if (done_ || !paused_ || over_bound()) return;
    paused_ = false;
    // Waiting for the plugin is not the server's silence.
    last_activity_ = Clock::now();
    read_body();
}

void EventStreamFollower::arm_timer(Clock::time_point at) {
    net_->timer.expires_at(at);
    net_->timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (ec || self->done_) return;
        self->on_timer();
    });
}

void EventStreamFollower::on_timer() {
    if (!streaming_) {
        return finish(
            0, "no response within " + std::to_string(spec_.connect_timeout.count()) + " ms");
    }
    const auto now = Clock::now();
    if (paused_) last_activity_ = now;
    const auto due = last_activity_ + spec_.idle_timeout;
    if (due > now) return arm_timer(due);
    finish(0, "idle for " + std::to_string(spec_.idle_timeout.count()) + " ms");
}

void EventStreamFollower::finish_error(const boost::system::error_code& ec) {
    if (ec == asio::error::eof || ec == http::error::end_of_stream ||
        ec == http::error::partial_message) {
        return finish(0, "end of stream");
    }
    finish(0, reason_of(ec));
}

void EventStreamFollower::finish(uint32_t http_status, std::string reason) {
    if (done_) return;
    done_ = true;
    shut();
    FollowNews closed;
    closed.kind = SY_FOLLOW_CLOSED;
    closed.http_status = http_status;
    closed.reason = std::move(reason);
    emit(std::move(closed));
}

void EventStreamFollower::shut() {
    boost::system::error_code ignored;
    net_->resolver.cancel();
    net_->timer.cancel();
    net_->socket.shutdown(tcp::socket::shutdown_both, ignored);
    net_->socket.close(ignored);
}

} // namespace switchyard

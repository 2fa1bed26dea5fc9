// One outbound event stream the kernel follows for a plugin (ABI 1.2 follow_open): an
// HTTP/1.1 GET to another server whose text/event-stream answer is parsed as it arrives
// (net/sse_stream_parser.hpp), each event handed on as a piece of news.
//
// It lives on one worker's io_context, with no thread of its own. It connects within the
// connect time-out (resolving, connecting, writing the request and reading the response
// head), then reads the body incrementally through Beast's parser, so chunked coding is
// decoded and an end of body is seen. It never reconnects: every way a follow ends (a
// refusal, a socket error, the end of the body, an idle server, a bad stream) is one
// CLOSED news and then silence.
//
// Bounded: the news handed on but not yet taken by the plugin are counted (delivered()
// takes them off); past max_waiting_events or max_waiting_bytes the follower stops
// reading its socket, so a fast server is slowed down by TCP flow control instead of
// growing a queue, and no event is ever dropped. What can wait is the bound plus one read
// of news (a read of 16 KiB completes at most one event larger than that).
#pragma once

#include "net/follow_url.hpp"
#include "net/http_exchange.hpp"

#include <switchyard/plugin.h>

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace switchyard {

// One piece of news of a follow, as the plugin will hear it (sy_follow_event_v1).
struct FollowNews {
    sy_follow_kind kind = SY_FOLLOW_EVENT;
    std::string id;
    std::string event;
    std::string data;
    uint32_t http_status = 0;
    std::string reason;

    // What it weighs in the waiting bound.
    size_t bytes() const noexcept { return id.size() + event.size() + data.size(); }
};

// What to follow and how.
struct FollowSpec {
    FollowUrl url;
    HeaderList headers; // extra request headers, checked already (is_valid_header_field)
    std::string last_event_id;
    size_t max_event_bytes = 1 << 20;
    std::chrono::milliseconds connect_timeout{10000};
    std::chrono::milliseconds idle_timeout{0}; // 0: never
    size_t max_waiting_events = 256;
    size_t max_waiting_bytes = 4 << 20;
};

class EventStreamFollower : public std::enable_shared_from_this<EventStreamFollower> {
  public:
    // Called on the follower's worker for each piece of news, in order; it must not
    // block (it posts the news to the plugin's dispatcher).
    using Deliver = std::function<void(FollowNews)>;

    // Starts following on `io`.
    static std::shared_ptr<EventStreamFollower> start(boost::asio::io_context& io, FollowSpec spec,
                                                      Deliver deliver);
    ~EventStreamFollower();

    // Any thread: stops at once. Once it returns, `deliver` is never called again.
    void stop();
    // Any thread: one piece of news of `bytes` (FollowNews::bytes) was taken by the
    // plugin; reading resumes when the follower waited for that.
    void delivered(size_t bytes);

  private:
    struct Io;
    EventStreamFollower(boost::asio::io_context& io, FollowSpec spec, Deliver deliver);

    void resolve();
    void write_request();
    void read_head();
    void on_head();
    void read_body();
    void on_body(const boost::system::error_code& ec, size_t consumed);
    void resume();
    void arm_timer(std::chrono::steady_clock::time_point at);
    void on_timer();
    // Ends the follow with CLOSED news (unless it ended already).
    void finish(uint32_t http_status, std::string reason);
    void finish_error(const boost::system::error_code& ec);
    // Closes the socket and the timer; no handler delivers after this.
    void shut();
    void emit(FollowNews news);
    bool over_bound() const noexcept;

    boost::asio::io_context& io_;
    FollowSpec spec_;
    std::unique_ptr<Io> net_;
    std::mutex deliver_mutex_;
    Deliver deliver_; // guarded by deliver_mutex_; empty once stopped
    std::atomic<size_t> waiting_events_{0};
    std::atomic<size_t> waiting_bytes_{0};

    // The worker's thread only:
    bool done_ = false;
    bool streaming_ = false; // the head was accepted: the idle time-out applies
    bool paused_ = false;    // not reading: too much news waits for the plugin
    std::chrono::steady_clock::time_point last_activity_;
};

} // namespace switchyard

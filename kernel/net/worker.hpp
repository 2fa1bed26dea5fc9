// A worker: one thread, one io_context, and everything pinned to it: its connections,
// its share of every group, the round of connections waiting for a flush, and the
// scratch buffers its connections read into and gather writes from (so an idle
// connection holds no buffer of its own).
//
// Time-outs of its connections (keepalive pings, pong deadlines, a frame that stops
// arriving) are checked by one periodic sweep per worker rather than a timer per
// connection: an idle connection holds no timer, and reading a byte re-arms nothing.
#pragma once

#include "net/wire_frame.hpp"

#include <switchyard/plugin.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <span>
#include <unordered_map>
#include <vector>

namespace switchyard {

class Connection;

// Connection ids carry the index of their worker in the low byte, so a send to an id
// goes straight to the right worker without a global table.
inline unsigned worker_index_of(sy_conn_id id) noexcept {
    return static_cast<unsigned>(id & 0xFF);
}

// How long a client may take to send a request or finish a frame it started, unless the
// config ([kernel] io_timeout_ms) says otherwise.
inline constexpr std::chrono::milliseconds kDefaultIoTimeout{30000};

class Worker {
  public:
    explicit Worker(unsigned index, std::chrono::milliseconds io_timeout = kDefaultIoTimeout);
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    unsigned index() const noexcept { return index_; }
    boost::asio::io_context& io() noexcept { return io_; }
    // Shared read buffer; only used from this worker's thread.
    char* scratch() noexcept { return scratch_.data(); }
    size_t scratch_size() const noexcept { return scratch_.size(); }

    // A fresh id whose low byte is this worker's index.
    sy_conn_id new_connection_id() noexcept;

    // -- the rest is called on this worker's thread only --------------------------------
    void add(std::shared_ptr<Connection> conn);
    void remove(sy_conn_id id);
    Connection* find(sy_conn_id id) const;
    // Every connection on this worker (for shutdown).
    std::vector<std::shared_ptr<Connection>> all() const;

    // Group membership of this worker's connections.
    void group_add(sy_group_id group, Connection* conn);
    void group_remove(sy_group_id group, Connection* conn);
    // Queues `frame` on every member of `group` on this worker but `except`.
    void broadcast(sy_group_id group, const FrameRef& frame, sy_conn_id except);

    // Queues `frame` for this worker's connection `id`, from any thread. Sends that pile up
    // before the worker gets to them are handed over in one task, so a thread fanning an
    // event out to many connections posts once per worker, not once per connection. At
    // most kInboxLimit wait; past that a connection's frame is refused and the connection
    // is closed as a slow consumer (1008), so nothing is dropped without its client
    // knowing. Returns false when refused.
    bool post_send(sy_conn_id id, FrameRef frame);
    static constexpr size_t kInboxLimit = size_t{1} << 20;

    // Flushes `conn` once the worker has run the handlers already queued: a burst of
    // broadcasts queues every frame first, then each connection writes them all at once.
    void schedule_flush(std::shared_ptr<Connection> conn);
    // Shared gather list for one connection's write (used synchronously, never held).
    std::span<boost::asio::const_buffer> gather_buffers() noexcept { return gather_; }

    void keep_running();
    void let_finish();

    // -- time-outs (this worker's thread) -----------------------------------------------
    // The deadline for a request or a started frame to arrive whole.
    std::chrono::milliseconds io_timeout() const noexcept { return io_timeout_; }
    // Milliseconds on this worker's clock (wraps after 49 days: compare with
    // ms_since()). now_ms() reads the clock; coarse_now_ms() is the time of the last
    // sweep, free to read and at most one sweep period old while sweeps run.
    uint32_t now_ms() const noexcept;
    uint32_t coarse_now_ms() const noexcept { return coarse_now_ms_; }
    // Milliseconds from `then` to `now` on this clock.
    static uint32_t ms_since(uint32_t then, uint32_t now) noexcept { return now - then; }
    // Makes the sweep run while the worker has connections, often enough to notice a
    // deadline of `resolution` within about a quarter of it (every 1 ms to 1 s). Each
    // sweep calls Connection::on_sweep on every connection.
    void need_sweep(std::chrono::milliseconds resolution);

  private:
    void run_flush_round();
    void run_inbox();
    void arm_sweep();
    void sweep();

    unsigned index_;
    boost::asio::io_context io_{1};
    std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
    std::vector<char> scratch_;
    std::atomic<uint64_t> next_id_{1};
    std::unordered_map<sy_conn_id, std::shared_ptr<Connection>> connections_;
    std::unordered_map<sy_group_id, std::vector<Connection*>> groups_;
    std::vector<std::shared_ptr<Connection>> to_flush_; // the next flush round
    std::vector<std::shared_ptr<Connection>> flushing_; // the round running (capacity kept)
    bool flush_posted_ = false;
    std::mutex inbox_mutex_; // guards the three members below
    std::vector<std::pair<sy_conn_id, FrameRef>> inbox_;
    std::vector<sy_conn_id> inbox_refused_; // connections to close as slow consumers
    bool inbox_posted_ = false;
    std::vector<std::pair<sy_conn_id, FrameRef>> inbox_running_; // worker thread only
    // 64 frames per writev: enough to amortise the system call, within IOV_MAX.
    std::array<boost::asio::const_buffer, 64> gather_{};
    // The sweep.
    std::chrono::milliseconds io_timeout_;
    std::chrono::steady_clock::time_point epoch_ = std::chrono::steady_clock::now();
    uint32_t coarse_now_ms_ = 0;
    boost::asio::steady_timer sweep_timer_{io_};
    std::chrono::milliseconds sweep_period_{1000};
    bool sweep_armed_ = false;
    std::vector<sy_conn_id> sweeping_; // the connections of the sweep running (capacity kept)
};

} // namespace switchyard

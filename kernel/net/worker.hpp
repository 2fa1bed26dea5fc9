// A worker: one thread, one io_context, and everything pinned to it: its connections,
// its share of every group, the round of connections waiting for a flush, the scratch
// buffers its connections read into and gather writes from (so an idle connection holds
// no buffer of its own), the epoll set that watches their sockets, and the one timer
// that checks their time-outs.
//
// Why an epoll set of its own: Asio keeps reactor state (about 170 bytes) for every
// socket it watches and a pending operation (about 250 bytes with its handler) for every
// wait, which is most of what an idle connection would cost. The worker's epoll set is
// watched by Asio as one descriptor; each connection's socket is registered in it once,
// edge-triggered, with its connection id as the event's data, and costs no user-space
// memory at all.
//
// Time-outs of its connections (keepalive pings, pong deadlines, a frame that stops
// arriving) are checked by one periodic sweep per worker rather than a timer per
// connection: an idle connection holds no timer, and reading a byte re-arms nothing.
#pragma once

#include "net/wire_frame.hpp"

#include <switchyard/plugin.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <sys/epoll.h>
#include <sys/uio.h>

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <unordered_map>
#include <vector>

namespace switchyard {

class Connection;

// Connection ids carry the index of their worker in the low byte, so a send to an id
// goes straight to the right worker without a global table (and the node's tag in the
// high bits: node_tag.hpp).
inline unsigned worker_index_of(sy_conn_id id) noexcept {
    return static_cast<unsigned>(id & 0xFF);
}

// How long a client may take to send a request or finish a frame it started, unless the
// config ([kernel] io_timeout_ms) says otherwise.
inline constexpr std::chrono::milliseconds kDefaultIoTimeout{30000};

class Worker {
  public:
    // `node_tag` goes into the high bits of every connection id (node_tag.hpp); 0 for a
    // kernel alone.
    explicit Worker(unsigned index, std::chrono::milliseconds io_timeout = kDefaultIoTimeout,
                    uint32_t node_tag = 0);
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    unsigned index() const noexcept { return index_; }
    boost::asio::io_context& io() noexcept { return io_; }
    // Shared read buffer; only used from this worker's thread.
    char* scratch() noexcept { return scratch_.data(); }
    size_t scratch_size() const noexcept { return scratch_.size(); }

    // A fresh id whose low byte is this worker's index and whose high bits are the node
    // tag. With a tag, the counter has 32 bits and repeats after 2^32 connections of this
    // worker; without one, 56.
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
    // Runs `task` on the worker after every send and task posted before it, from any
    // thread: what a plugin does (sends, broadcasts, group changes, closes) reaches its
    // connections in the order the plugin did it. A task posted on its own while sends
    // wait for an inbox run would let later sends join that run and overtake it; so
    // such a task joins the inbox instead.
    void post_task(std::function<void()> task);

    // Flushes `conn` once the worker has run the handlers already queued: a burst of
    // broadcasts queues every frame first, then each connection writes them all at once.
    void schedule_flush(std::shared_ptr<Connection> conn);
    // Shared gather list for one connection's write (used synchronously, never held).
    std::span<iovec> gather_buffers() noexcept { return gather_; }

    // Reports the events of socket `fd` to connection `id` (Connection::on_ready) until
    // unwatch(fd). Edge-triggered: reading and writing, the hang-up included. False (and
    // errno set) when the epoll set refuses it (out of memory or of epoll watches).
    bool watch(int fd, sy_conn_id id);
    void unwatch(int fd);

    void keep_running();
    void let_finish();

    // -- time-outs (this worker's thread) -----------------------------------------------
    // The deadline for a request or a started frame to arrive whole.
    std::chrono::milliseconds io_timeout() const noexcept { return io_timeout_; }
    uint32_t io_timeout_ms() const noexcept;
    // Milliseconds on this worker's clock (wraps after 49 days: compare with ms_since()).
    uint32_t now_ms() const noexcept;
    // Milliseconds from `then` to `now` on this clock.
    static uint32_t ms_since(uint32_t then, uint32_t now) noexcept { return now - then; }
    // The sweep: a connection with a deadline joins it (join_sweep, with how finely its
    // deadlines need checking) and says when it has none left (leave_sweep); one already
    // in it that needs a finer check says so (refine_sweep). While any is in it, one
    // timer walks the connections at the finest resolution asked for (1 ms to 1 s) and
    // runs what is due (Connection::sweep_due, Connection::run_sweep).
    void join_sweep(uint32_t resolution_ms);
    void refine_sweep(uint32_t resolution_ms);
    void leave_sweep() noexcept;

  private:
    void run_flush_round();
    void run_inbox();
    // Waits (through Asio) for the epoll set to have events, while sockets are watched.
    void await_events();
    void dispatch_events();
    void arm_sweep();
    void sweep();

    unsigned index_;
    boost::asio::io_context io_{1};
    std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
    std::vector<char> scratch_;
    std::atomic<uint64_t> next_id_{1};
    uint64_t id_tag_bits_; // the node tag, in place (0 for a kernel alone)
    std::unordered_map<sy_conn_id, std::shared_ptr<Connection>> connections_;
    std::unordered_map<sy_group_id, std::vector<Connection*>> groups_;
    std::vector<std::shared_ptr<Connection>> to_flush_; // the next flush round
    std::vector<std::shared_ptr<Connection>> flushing_; // the round running (capacity kept)
    bool flush_posted_ = false;
    // A task of the inbox, run before the send at `before` (an index into the sends).
    struct InboxTask {
        size_t before;
        std::function<void()> run;
    };
    // Posts run_inbox unless it is posted already (inbox_mutex_ held).
    void post_inbox_run();

    std::mutex inbox_mutex_; // guards the four members below
    std::vector<std::pair<sy_conn_id, FrameRef>> inbox_;
    std::vector<InboxTask> inbox_tasks_;
    std::vector<sy_conn_id> inbox_refused_; // connections to close as slow consumers
    bool inbox_posted_ = false;
    std::vector<std::pair<sy_conn_id, FrameRef>> inbox_running_; // worker thread only
    std::vector<InboxTask> inbox_tasks_running_;                 // worker thread only
    // 64 frames per writev: enough to amortise the system call, within IOV_MAX.
    std::array<iovec, 64> gather_{};

    boost::asio::posix::stream_descriptor epoll_; // the epoll set, watched by Asio
    size_t watched_ = 0;                          // sockets in the epoll set
    bool awaiting_events_ = false;
    std::array<epoll_event, 256> events_{};

    // The sweep.
    static constexpr uint32_t kSweepMaxResolutionMs = 1000;
    std::chrono::milliseconds io_timeout_;
    std::chrono::steady_clock::time_point epoch_ = std::chrono::steady_clock::now();
    boost::asio::steady_timer sweep_timer_;
    size_t swept_connections_ = 0;
    uint32_t sweep_resolution_ms_ = kSweepMaxResolutionMs;
    bool sweep_armed_ = false;
    std::vector<sy_conn_id> sweep_due_; // the sweep's list (capacity kept)
};

} // namespace switchyard

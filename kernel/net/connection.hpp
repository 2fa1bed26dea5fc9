// A long-lived client connection (WebSocket or SSE) pinned to one worker.
//
// The base class owns what both transports share: the socket, the bounded queue of
// shared frames and the write path, the read loop that reads into the worker's scratch
// buffer, and the one-time teardown. Every member function runs on the connection's
// worker thread.
//
// Writing: send() only queues and asks the worker for a flush; the worker flushes each
// connection once after the work already pending (every broadcast in a burst) has run,
// so frames queued back to back leave in one gather write. The write itself is a plain
// non-blocking writev; only when the socket buffer is full does the connection wait for
// writability. No asynchronous operation, allocation or handler per message.
//
// Memory: an idle connection is this object and nothing else. The socket is a bare
// descriptor watched by the worker's own epoll set (Worker::watch), edge-triggered, so
// it needs no Asio reactor state and no pending operation; it reads into the worker's
// scratch buffer; its queue holds one frame inline; the close state, the reader's
// buffers and a second group are allocated only while needed. The regression test
// (tests/unit/connection_memory_test.cpp) holds it to a stated bound.
#pragma once

#include "net/connection_gate.hpp"
#include "net/group_set.hpp"
#include "net/outbound_queue.hpp"
#include "net/wire_frame.hpp"
#include "net/worker.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace switchyard {

class Connection;

// Who hears about a connection's messages and its end: a plugin runtime or the control
// API. Called on the connection's worker thread.
class ConnectionObserver {
  public:
    virtual ~ConnectionObserver() = default;
    // A complete client message (WebSocket only).
    virtual void on_message(Connection& conn, sy_frame_kind kind, std::string_view payload) = 0;
    // The connection is gone. Called exactly once.
    virtual void on_closed(Connection& conn, uint16_t code, std::string_view reason) = 0;
};

// The outbound byte bound of an endpoint that states none: twice its largest message
// (room for the message being written and the next), at least 1 MiB.
constexpr uint64_t default_queued_bytes(uint64_t max_message_bytes) noexcept {
    constexpr uint64_t kFloor = uint64_t{1} << 20;
    return max_message_bytes > kFloor / 2 ? 2 * max_message_bytes : kFloor;
}

// Per-connection limits, from the endpoint.
struct ConnectionLimits {
    uint64_t max_message_bytes = 1 << 20;
    size_t max_queued_frames = 1024;
    // Bytes that may wait: a client too slow to read is cut off as a slow consumer once
    // this much waits for it (frames are shared, but each pins its buffer while queued).
    size_t max_queued_bytes = default_queued_bytes(1 << 20);
    std::chrono::milliseconds close_timeout{3000}; // how long a closing peer may linger
};

class Connection : public std::enable_shared_from_this<Connection> {
  public:
    using Socket = boost::asio::ip::tcp::socket;

    // Takes the descriptor out of `socket` (Asio no longer watches it).
    Connection(Worker& worker, Socket socket, ConnectionObserver& observer,
               const ConnectionLimits& limits);
    virtual ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    sy_conn_id id() const noexcept { return id_; }
    Worker& worker() noexcept { return worker_; }
    bool is_open() const noexcept { return !closing_ && !finished_; }

    // Starts reading; `already_read` are bytes that arrived with the HTTP request.
    void start(std::string_view already_read);
    // Queues a frame. When the queue is full the client is too slow: the connection is
    // closed (policy: disconnect, never grow without bound) and false is returned.
    bool send(const FrameRef& frame);
    // Queues bytes to write as they are, ahead of any frame (the handshake response).
    void send_raw(std::string_view bytes) {
        send_control(FrameRef::adopt(make_wire_frame(SY_FRAME_RAW, bytes)));
    }
    // Closes gracefully: frames queued before are written first.
    virtual void close(uint16_t code, std::string_view reason) = 0;
    // Ping every interval, close when no pong within timeout (WebSocket only; 0, 0: off).
    virtual void set_keepalive(uint32_t interval_ms, uint32_t timeout_ms);
    // Holds the connection's place under the connection caps until it ends; what it
    // writes and drops is counted in that gate's block for this worker (/metrics).
    void keep_slot(ConnectionSlot slot) noexcept { slot_ = std::move(slot); }
    // Closes the connection as a slow consumer (1008) and counts it so, with
    // `dropped_frames` frames it was refused. No-op once closing.
    void close_slow_consumer(uint64_t dropped_frames);
    // Drops the connection at once (shutdown deadline passed).
    void abort();

    // Flow control of client messages: the observer counts each message it accepted
    // and reports it done once handled. While too much is in flight the connection stops
    // reading, so a slow plugin slows its own clients down (TCP back-pressure) instead of
    // queueing without bound.
    void message_accepted(size_t bytes) noexcept;
    void message_done(size_t bytes);

    // Writes what is queued now, as much as the socket takes (called by the worker's flush
    // round; see Worker::schedule_flush).
    void flush();
    // The worker's epoll set reports `events` (EPOLLIN, EPOLLOUT, ...) on the socket.
    void on_ready(uint32_t events);
    // Time-outs (keepalive, a frame that stops arriving), driven by the worker's one
    // sweep timer rather than a timer per connection: true when something is due at
    // `now_ms` (the worker's clock, Worker::now_ms); run_sweep then does what is due.
    virtual bool sweep_due(uint32_t now_ms) const noexcept;
    virtual void run_sweep(uint32_t now_ms);

    // True when `observer` hears of this connection (which plugin serves it).
    bool is_observed_by(const ConnectionObserver* observer) const noexcept {
        return &observer_ == observer;
    }

    // Group membership, kept here so a closing connection leaves every group.
    GroupSet& groups() noexcept { return groups_; }

    // Slots the outbound queue holds on the heap: none for a connection sent one frame
    // at a time (for the memory regression test).
    size_t queue_capacity() const noexcept { return queue_.capacity(); }

  protected:
    // The bytes of `frame` this transport writes.
    virtual std::string_view wire_bytes(const WireFrame& frame) const = 0;
    // Bytes read from the client.
    virtual void on_bytes(char* data, size_t size) = 0;
    // The client closed its side or the socket failed.
    virtual void on_read_end() = 0;
    // Called when everything queued, the close frame included, is written while
    // closing.
    virtual void on_drained_while_closing();

    // Queues a frame past the bound (control frames).
    void send_control(FrameRef frame);
    // Starts the close handshake deadline and marks the connection closing.
    void begin_closing(uint16_t code, std::string_view reason);
    // Tears the connection down once: tells the observer, leaves the worker.
    void finish(uint16_t code, std::string_view reason);
    void shutdown_send();
    bool closing() const noexcept { return closing_; }
    bool finished() const noexcept { return finished_; }
    // True while reading waits for the observer to catch up (message_done).
    bool read_paused() const noexcept { return read_paused_; }
    size_t queued_frames() const noexcept { return queue_.size(); }
    size_t max_queued_frames() const noexcept { return queue_.limit(); }
    ConnectionObserver& observer() noexcept { return observer_; }
    // Time-outs are checked by the worker's sweep while the connection is in it (see
    // Worker::join_sweep), at least every `resolution_ms`; finish() takes it out.
    void join_sweep(uint32_t resolution_ms);
    void leave_sweep() noexcept;
    // The worker's deadline for a started frame to arrive whole (Worker::io_timeout_ms).
    uint32_t io_timeout_ms() const noexcept { return worker_.io_timeout_ms(); }
    // The code and reason given when closing began (0 and "" before).
    uint16_t close_code() const noexcept { return close_code_; }
    std::string_view close_reason() const noexcept;

  private:
    // What only a closing connection needs: its deadline and why it closes.
    struct CloseState;

    // Reads what the socket has, while reading is allowed (see message_accepted).
    void read_available();
    // Asks the worker for a flush round, unless one is pending or a write waits already.
    void request_flush();
    // Drops what the last write took from the queue: whole frames, then a partial one.
    void consume(size_t bytes);
    bool reading_allowed() const noexcept;
    // Its gate's counts for this worker; null without a gate. Found from the slot when
    // needed rather than kept: a member would cost every idle connection 8 bytes.
    WorkerTraffic* traffic() const noexcept {
        return slot_ ? slot_.gate()->traffic().of_worker(worker_.index()) : nullptr;
    }

    Worker& worker_;
    ConnectionObserver& observer_;
    sy_conn_id id_;
    OutboundQueue queue_;
    size_t front_written_ = 0; // bytes of the front frame already written
    std::unique_ptr<CloseState> close_state_;
    GroupSet groups_;
    ConnectionSlot slot_; // its place under the caps, given back when it finishes
    uint32_t in_flight_messages_ = 0;
    uint32_t in_flight_bytes_ = 0;
    uint32_t close_timeout_ms_;
    int fd_ = -1;
    uint16_t close_code_ = 0;
    bool readable_ = false;         // the socket may have bytes (edge-triggered: until EAGAIN)
    bool read_paused_ = false;      // too much in flight: reading waits for message_done
    bool in_read_ = false;          // inside read_available (message_done may call in)
    bool waiting_writable_ = false; // a write is parked until the socket drains
    bool flush_requested_ = false;  // this connection is in the worker's flush round
    bool started_ = false;          // nothing is written before start(): the owner registers first
    bool closing_ = false;
    bool finished_ = false;
    bool swept_ = false; // counted in the worker's sweep
};

} // namespace switchyard

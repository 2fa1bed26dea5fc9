// The publishing window. A message is in flight from its send until (a) its publish is
// answered (HTTP; a WebSocket publish has no answer) and (b) every subscriber tracked at
// the start of publishing has received it or has gone away. At most `window` messages
// are in flight, so the publisher runs exactly as fast as the slowest subscriber's
// deliveries, and a server that cannot keep up slows the run down instead of queueing
// without bound.
//
// Open loop (pace()): message i is due at begin + i / rate and goes then, however many are
// in flight (the window may still cap them when given); the publishing rate is then the
// machine's, not the server's, and latency shows what a server that falls behind does.
#pragma once

#include <cstdint>
#include <vector>

namespace loadgen {

class Flow {
  public:
    // Message i goes to group (i / run) % groups (groups 1: every message to every
    // subscriber).
    Flow(uint64_t messages, uint32_t window, uint32_t groups = 1, uint32_t run = 1);

    // Publishing starts with this many tracked subscribers in each group.
    void begin(const std::vector<uint32_t>& subscribers_per_group, uint64_t now);
    // The group message i goes to.
    uint32_t group_of(uint64_t i) const { return uint32_t((i / run_) % groups_); }
    uint32_t groups() const { return groups_; }

    // Open loop: at most `per_second` sends per second from begin(). Before begin().
    void pace(uint64_t per_second) { rate_ = per_second; }
    bool paced() const { return rate_ > 0; }
    // When the next message is due (paced), or 0 when it may go as soon as the window lets it.
    uint64_t next_due_ns() const;

    bool can_send(uint64_t now) const {
        return sending_ && next_ < messages_ && in_flight_ < window_ &&
               (rate_ == 0 || now >= next_due_ns());
    }
    // Claims the next index to send; needs_answer: the publish will be answered.
    uint64_t send_next(bool needs_answer, uint64_t now);
    void on_answered(uint64_t i, bool ok, uint64_t now);
    // A tracked subscriber received message i for the first time.
    void on_delivered(uint64_t i, uint64_t now);
    // A tracked subscriber of `group` went away; seen is its bitset of received indices.
    // In-flight messages of its group it had not received no longer wait for it.
    void on_subscriber_gone(const std::vector<uint64_t>& seen, uint32_t group);
    // No further sends (the publisher failed or the run gave up).
    void stop_sending() { sending_ = false; }

    // Everything sent has completed and nothing more will be sent.
    bool finished() const { return completed_ == next_ && (next_ == messages_ || !sending_); }
    uint64_t sent() const { return next_; }
    uint64_t completed() const { return completed_; }
    uint32_t in_flight() const { return in_flight_; }
    // When the last answer or first-time delivery arrived.
    uint64_t last_progress_ns() const { return last_progress_; }
    // Paced: how late the latest send was against its due time, at most (ns).
    uint64_t max_late_ns() const { return max_late_; }

  private:
    static constexpr uint8_t kAnswered = 1, kDone = 2;
    void maybe_complete(uint64_t i);

    uint64_t messages_;
    uint32_t window_;
    std::vector<uint32_t> waiting_; // per message: tracked subscribers still to receive it
    std::vector<uint8_t> flags_;    // per message: kAnswered, kDone
    uint64_t next_ = 0;
    uint64_t completed_ = 0;
    uint64_t oldest_ = 0; // every message below it is done
    uint32_t in_flight_ = 0;
    uint32_t groups_;
    uint32_t run_;
    std::vector<uint32_t> alive_; // per group: tracked subscribers still connected
    bool sending_ = false;
    uint64_t last_progress_ = 0;
    uint64_t rate_ = 0;     // paced sends per second (0: closed loop)
    uint64_t begin_ns_ = 0; // when message 0 was due
    uint64_t max_late_ = 0;
};

} // namespace loadgen

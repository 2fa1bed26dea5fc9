// The publishing window. A message is in flight from its send until (a) its publish is
// answered (HTTP; a WebSocket publish has no answer) and (b) every subscriber tracked at
// the start of publishing has received it or has gone away. At most `window` messages
// are in flight, so the publisher runs exactly as fast as the slowest subscriber's
// deliveries, and a server that cannot keep up slows the run down instead of queueing
// without bound.
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

    bool can_send() const { return sending_ && next_ < messages_ && in_flight_ < window_; }
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
};

} // namespace loadgen

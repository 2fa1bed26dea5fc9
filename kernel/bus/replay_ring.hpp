// The newest events of one stream, kept so a reconnecting client can resume after a cursor.
//
// A fixed array of event pointers allocated once: pushing overwrites the oldest slot, so
// publishing costs no allocation here. Besides a count the ring has a byte budget: when
// the events held would take more memory than it allows, the oldest go first, so a
// stream of large events (16 MiB of microphone audio, a 64 MiB dex) cannot make the
// ring hold gigabytes. The newest event is always held. Not thread-safe; the engine
// owning it locks.
#pragma once

#include "bus/event.hpp"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace switchyard {

// What a replay "after seq N" found.
struct ReplayResult {
    std::vector<EventPtr> events; // held events with seq > N, oldest first
    bool gap = false;             // some event after N is lost, or N is ahead of the stream
    uint64_t last_seq = 0;        // the stream's newest seq when the replay was taken
};

class ReplayRing {
  public:
    // Holds at most `capacity` events taking at most `max_bytes` (by footprint()), but
    // always the newest; capacity 0 keeps none but still tracks the last seq.
    explicit ReplayRing(size_t capacity, size_t max_bytes = std::numeric_limits<size_t>::max());

    // Stores `event`, evicting the oldest when full. Throws std::logic_error unless
    // event->seq == last_seq() + 1.
    void push(EventPtr event);

    // The held events with seq > `seq`, oldest first. `gap` is true when an event after
    // `seq` is no longer held (seq < oldest_seq() - 1), or when `seq` is past last_seq()
    // (the client's cursor comes from before a server restart).
    ReplayResult after(uint64_t seq) const;

    // Drops every held event and takes `last_seq` as the newest seq, so the next push is
    // last_seq + 1: the events between were lost (replay across them reports a gap), or the
    // stream's store went back and numbers again from there.
    void restart_at(uint64_t last_seq) noexcept;

    // The seq of the newest event ever pushed; 0 before the first.
    uint64_t last_seq() const noexcept { return last_seq_; }
    // The seq of the oldest event held; 0 when empty.
    uint64_t oldest_seq() const noexcept { return count_ == 0 ? 0 : last_seq_ - count_ + 1; }
    // How many events are held.
    size_t size() const noexcept { return count_; }
    // How many events can be held.
    size_t capacity() const noexcept { return slots_.size(); }
    // The footprint of the events held.
    size_t bytes() const noexcept { return bytes_; }
    // The byte limit it was made with.
    size_t max_bytes() const noexcept { return max_bytes_; }

  private:
    // The slot holding the i-th oldest held event.
    size_t slot_of(size_t i) const noexcept;
    // Drops the oldest held event.
    void evict_oldest() noexcept;

    std::vector<EventPtr> slots_;
    size_t next_ = 0; // the slot the next push writes
    size_t count_ = 0;
    uint64_t last_seq_ = 0;
    size_t bytes_ = 0;
    size_t max_bytes_;
};

} // namespace switchyard

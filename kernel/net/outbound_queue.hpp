// The bounded queue of frames waiting to be written to one connection.
//
// A ring of shared frames: queuing a broadcast frame costs one reference count, not a
// copy. One frame waits in a slot inside the queue itself, so a connection that is sent
// one frame at a time (and the handshake answer every connection starts with) never
// allocates; a second waiting frame moves the queue to a ring on the heap that grows on
// demand (powers of two) up to its bound. Once drained the ring keeps up to
// kKeptCapacity slots (512 bytes), so a connection that gets bursts does not allocate
// per burst, and gives back anything larger. A connection that was never sent more than
// one frame at once holds no queue storage at all.
#pragma once

#include "net/wire_frame.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>

namespace switchyard {

class OutboundQueue {
  public:
    // `limit`: how many frames may wait; `byte_limit`: how many bytes they may hold (a
    // frame larger than that alone is still taken into an empty queue). Control frames
    // may exceed both by a few.
    explicit OutboundQueue(size_t limit, size_t byte_limit = std::numeric_limits<size_t>::max())
        : byte_limit_(byte_limit),
          limit_(static_cast<uint32_t>(std::min<size_t>(limit, UINT32_MAX))) {}

    size_t size() const noexcept { return count_; }
    bool empty() const noexcept { return count_ == 0; }
    size_t limit() const noexcept { return limit_; }
    size_t byte_limit() const noexcept { return byte_limit_; }
    // The bytes of the frames waiting (their encoded size).
    size_t bytes() const noexcept { return bytes_; }

    // Queues a data frame; false (nothing queued) when `limit` frames already wait or it
    // would take the queue past `byte_limit`.
    bool push(FrameRef frame) {
        if (count_ >= limit_) return false;
        if (count_ > 0 && frame->encoded.size() > byte_limit_ - std::min(bytes_, byte_limit_))
            return false;
        push_unbounded(std::move(frame));
        return true;
    }
    // Queues a control frame (pong, close) even when the queue is full.
    void push_unbounded(FrameRef frame) {
        bytes_ += frame->encoded.size();
        if (capacity_ == 0 && count_ == 0) {
            single_ = std::move(frame);
            count_ = 1;
            return;
        }
        if (capacity_ == 0 || count_ == capacity_) grow(); // no ring yet, or it is full
        slots_[(head_ + count_) & (capacity_ - 1)] = std::move(frame);
        ++count_;
    }
    // The i-th frame from the front.
    const FrameRef& at(size_t i) const noexcept {
        return capacity_ == 0 ? single_ : slots_[(head_ + i) & (capacity_ - 1)];
    }
    // Slots allocated on the heap now (for tests and memory accounting).
    size_t capacity() const noexcept { return capacity_; }
    // Drops `n` frames from the front (they were written).
    void pop(size_t n) noexcept {
        if (capacity_ == 0) {
            if (n > 0 && count_ > 0) {
                bytes_ -= single_->encoded.size();
                single_ = FrameRef();
                count_ = 0;
            }
            return;
        }
        for (size_t i = 0; i < n && count_ > 0; ++i) {
            bytes_ -= slots_[head_]->encoded.size();
            slots_[head_] = FrameRef();
            head_ = (head_ + 1) & (capacity_ - 1);
            --count_;
        }
        if (count_ == 0) {
            head_ = 0;
            if (capacity_ > kKeptCapacity) release_storage();
        }
    }
    // Drops everything (the connection is gone).
    void clear() noexcept {
        pop(count_);
        release_storage();
    }

  private:
    static constexpr uint32_t kFirstCapacity = 8;
    static constexpr uint32_t kKeptCapacity = 64;

    void grow() {
        const uint32_t capacity = capacity_ == 0 ? kFirstCapacity : capacity_ * 2;
        auto slots = std::make_unique<FrameRef[]>(capacity);
        if (capacity_ == 0) {
            if (count_ > 0) slots[0] = std::move(single_); // the frame waiting inline
        } else {
            for (uint32_t i = 0; i < count_; ++i)
                slots[i] = std::move(slots_[(head_ + i) & (capacity_ - 1)]);
        }
        slots_ = std::move(slots);
        capacity_ = capacity;
        head_ = 0;
    }
    void release_storage() noexcept {
        slots_.reset();
        capacity_ = 0;
        head_ = 0;
    }

    std::unique_ptr<FrameRef[]> slots_; // the ring, once more than one frame waited
    FrameRef single_;                   // the one frame waiting while there is no ring
    size_t bytes_ = 0;
    size_t byte_limit_;
    uint32_t limit_;
    uint32_t capacity_ = 0;
    uint32_t head_ = 0;
    uint32_t count_ = 0;
};

} // namespace switchyard

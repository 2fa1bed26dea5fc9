#include "bus/replay_ring.hpp"

#include <stdexcept>
#include <string>

namespace switchyard {

ReplayRing::ReplayRing(size_t capacity, size_t max_bytes)
    : slots_(capacity), max_bytes_(max_bytes) {}

void ReplayRing::push(EventPtr event) {
    if (!event || event->seq != last_seq_ + 1) {
        throw std::logic_error("replay ring: expected seq " + std::to_string(last_seq_ + 1));
    }
    last_seq_ = event->seq;
    if (slots_.empty()) return;
    if (count_ == slots_.size()) evict_oldest(); // the slot about to be overwritten
    const size_t size = footprint(*event);
    while (count_ > 0 && bytes_ + size > max_bytes_) evict_oldest();
    slots_[next_] = std::move(event);
    next_ = (next_ + 1) % slots_.size();
    ++count_;
    bytes_ += size;
}

void ReplayRing::evict_oldest() noexcept {
    EventPtr& oldest = slots_[slot_of(0)];
    bytes_ -= footprint(*oldest);
    oldest.reset();
    --count_;
}

void ReplayRing::restart_at(uint64_t last_seq) noexcept {
    while (count_ > 0) evict_oldest();
    last_seq_ = last_seq;
}

ReplayResult ReplayRing::after(uint64_t seq) const {
    ReplayResult result;
    result.last_seq = last_seq_;
    if (seq >= last_seq_) {
        result.gap = seq > last_seq_;
        return result;
    }
    const uint64_t missing = last_seq_ - seq; // events after the cursor, held or not
    result.gap = missing > count_;
    const size_t wanted = result.gap ? count_ : static_cast<size_t>(missing);
    result.events.reserve(wanted);
    for (size_t i = count_ - wanted; i < count_; ++i) result.events.push_back(slots_[slot_of(i)]);
    return result;
}

size_t ReplayRing::slot_of(size_t i) const noexcept {
    // The oldest held event sits `count_` slots behind the next write position.
    return (next_ + slots_.size() - count_ + i) % slots_.size();
}

} // namespace switchyard

// What the bus tests check deliveries with: a sink that keeps what it gets, and seq lists.
#pragma once

#include "bus/bus_engine.hpp"

#include <cstdint>
#include <mutex>
#include <vector>

namespace switchyard::test {

// A sink that keeps what it is given, safe to read from another thread.
class Collector {
  public:
    EventSink sink() {
        return [this](const EventPtr& event) {
            std::lock_guard lock(mutex_);
            events_.push_back(event);
        };
    }
    std::vector<EventPtr> events() const {
        std::lock_guard lock(mutex_);
        return events_;
    }
    std::vector<uint64_t> seqs() const {
        std::vector<uint64_t> seqs;
        for (const EventPtr& event : events()) seqs.push_back(event->seq);
        return seqs;
    }
    size_t size() const {
        std::lock_guard lock(mutex_);
        return events_.size();
    }

  private:
    mutable std::mutex mutex_;
    std::vector<EventPtr> events_;
};

// first, first+1, ..., last.
inline std::vector<uint64_t> seq_range(uint64_t first, uint64_t last) {
    std::vector<uint64_t> seqs;
    for (uint64_t seq = first; seq <= last; ++seq) seqs.push_back(seq);
    return seqs;
}

// The seqs of `events`, in order.
inline std::vector<uint64_t> seqs_of(const std::vector<EventPtr>& events) {
    std::vector<uint64_t> seqs;
    for (const EventPtr& event : events) seqs.push_back(event->seq);
    return seqs;
}

} // namespace switchyard::test

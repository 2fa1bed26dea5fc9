#include "flow.hpp"

namespace loadgen {

Flow::Flow(uint64_t messages, uint32_t window, uint32_t groups, uint32_t run)
    : messages_(messages),
      window_(window),
      waiting_(messages),
      flags_(messages),
      groups_(groups == 0 ? 1 : groups),
      run_(run == 0 ? 1 : run),
      alive_(groups_) {}

void Flow::begin(const std::vector<uint32_t>& subscribers_per_group, uint64_t now) {
    for (uint32_t g = 0; g < groups_ && g < subscribers_per_group.size(); ++g)
        alive_[g] = subscribers_per_group[g];
    sending_ = true;
    last_progress_ = now;
    begin_ns_ = now;
}

uint64_t Flow::next_due_ns() const {
    if (rate_ == 0) return 0;
    // next * 1e9 / rate, split so that it cannot overflow (rate <= 1e8, see --rate).
    constexpr uint64_t kNs = 1000000000u;
    return begin_ns_ + next_ / rate_ * kNs + next_ % rate_ * kNs / rate_;
}

uint64_t Flow::send_next(bool needs_answer, uint64_t now) {
    if (rate_ > 0) {
        const uint64_t due = next_due_ns();
        if (now > due && now - due > max_late_) max_late_ = now - due;
    }
    const uint64_t i = next_++;
    waiting_[i] = alive_[group_of(i)];
    flags_[i] = needs_answer ? 0 : kAnswered;
    ++in_flight_;
    if (!needs_answer && waiting_[i] == 0) { // nothing to wait for: done once written
        last_progress_ = now;
        maybe_complete(i);
    }
    return i;
}

void Flow::on_answered(uint64_t i, bool ok, uint64_t now) {
    last_progress_ = now;
    if (i >= next_ || (flags_[i] & kDone) != 0) return;
    flags_[i] |= kAnswered;
    if (!ok) waiting_[i] = 0; // a refused publish is never delivered: stop waiting for it
    maybe_complete(i);
}

void Flow::on_delivered(uint64_t i, uint64_t now) {
    last_progress_ = now;
    if (i >= next_ || (flags_[i] & kDone) != 0 || waiting_[i] == 0) return;
    --waiting_[i];
    maybe_complete(i);
}

void Flow::on_subscriber_gone(const std::vector<uint64_t>& seen, uint32_t group) {
    if (alive_[group] > 0) --alive_[group];
    for (uint64_t i = oldest_; i < next_; ++i) {
        if (group_of(i) != group || (flags_[i] & kDone) != 0 || waiting_[i] == 0) continue;
        if ((seen[i >> 6] >> (i & 63) & 1) == 0) {
            --waiting_[i];
            maybe_complete(i);
        }
    }
}

void Flow::maybe_complete(uint64_t i) {
    if (flags_[i] != kAnswered || waiting_[i] != 0) return; // not answered, or already done
    flags_[i] |= kDone;
    --in_flight_;
    ++completed_;
    while (oldest_ < next_ && (flags_[oldest_] & kDone) != 0) ++oldest_;
}

} // namespace loadgen

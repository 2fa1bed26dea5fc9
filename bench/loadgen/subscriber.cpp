#include "subscriber.hpp"

#include "payload.hpp"

namespace loadgen {

void Subscriber::record(const char* p, size_t n) {
    if (state() != State::open) return; // a frame parsed after the connection failed
    Counters& c = run_.counters;
    uint64_t i = 0, t = 0;
    const char* after = nullptr;
    if (!scan_message(p, n, i, t, &after) || seen_.empty() || i >= run_.options.messages ||
        run_.flow.group_of(i) != group_ ||
        (run_.payload.verifying() && !run_.payload.intact(after, p + n, i, t))) {
        ++c.malformed;
        RunState::note(c.first_malformed, std::string(p, n < 200 ? n : 200));
        return;
    }
    uint64_t& word = seen_[i >> 6];
    const uint64_t bit = uint64_t(1) << (i & 63);
    if ((word & bit) != 0) {
        ++c.duplicated;
        return;
    }
    word |= bit;
    ++c.delivered;
    const uint64_t latency = now_ > t ? now_ - t : 0;
    run_.latency.record(latency);
    if (!run_.latency_by_node.empty()) run_.latency_by_node[node_].record(latency);
    run_.flow.on_delivered(i, now_);
}

void Subscriber::protocol_error(const std::string& why) {
    ++run_.counters.malformed;
    RunState::note(run_.counters.first_malformed, why);
    fail(why);
}

void Subscriber::on_open() {
    --run_.handshakes_in_progress;
    ++run_.open_subscribers;
    ++run_.counters.connected;
}

void Subscriber::on_failed(const std::string& why) {
    --run_.handshakes_in_progress;
    ++run_.counters.connect_failures;
    RunState::note(run_.counters.first_connect_error, why);
}

void Subscriber::on_lost(const std::string& why) {
    --run_.open_subscribers;
    ++run_.counters.disconnects;
    RunState::note(run_.counters.first_disconnect, why);
    if (!seen_.empty()) run_.flow.on_subscriber_gone(seen_, group_);
}

} // namespace loadgen

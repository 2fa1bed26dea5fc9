// What WebSocket and SSE subscribers share: counting connects, and the bookkeeping of
// each received message (index bitset, duplicates, latency, the window).
#pragma once

#include "connection.hpp"
#include "run_state.hpp"

#include <cstdint>
#include <vector>

namespace loadgen {

class Subscriber : public Connection {
  public:
    // A subscriber of `group` (0 unless --groups).
    Subscriber(RunState& run, uint32_t group) : Connection(run.loop), run_(run), group_(group) {}

    uint32_t group() const { return group_; }
    // Which --subscribe URL (node) it connects to, for latency per node.
    void set_node(uint32_t node) { node_ = node; }

    // Publishing starts: from now on this subscriber must receive every message once.
    void track(uint64_t messages) { seen_.assign((messages + 63) / 64, 0); }

  protected:
    // One received message (a WebSocket text/binary message or an SSE event's data).
    void record(const char* p, size_t n);
    // The protocol is broken: counted as malformed, and the connection ends.
    void protocol_error(const std::string& why);

    void on_open() override;
    void on_failed(const std::string& why) override;
    void on_lost(const std::string& why) override;

    RunState& run_;
    const uint32_t group_;
    uint32_t node_ = 0;

  private:
    std::vector<uint64_t> seen_; // bit i: message i received; empty until tracked
};

} // namespace loadgen

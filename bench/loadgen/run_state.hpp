// What every connection of a run shares: the loop, the window, the counters. One
// instance lives for the whole run; connections hold a reference to it.
#pragma once

#include "event_loop.hpp"
#include "flow.hpp"
#include "latency_histogram.hpp"
#include "options.hpp"
#include "payload.hpp"
#include "random.hpp"
#include "socket.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace loadgen {

struct Counters {
    uint64_t connected = 0; // subscriber handshakes that succeeded
    uint64_t connect_failures = 0;
    uint64_t delivered = 0; // first-time deliveries to tracked subscribers
    uint64_t duplicated = 0;
    uint64_t malformed = 0;   // no "i"/"t", index out of range, protocol errors
    uint64_t disconnects = 0; // open subscribers the server closed or dropped
    uint64_t published = 0;
    uint64_t publish_errors = 0;
    std::string first_connect_error;
    std::string first_malformed;
    std::string first_disconnect;
    std::string publish_error;
};

struct RunState {
    RunState(const Options& o)
        : options(o), flow(o.messages, window_of(o), o.groups, o.group_run), payload(o) {
        flow.pace(o.rate);
        if (o.subscribe.size() > 1) latency_by_node.resize(o.subscribe.size());
    }

    // Open loop (--rate) without --window: nothing in flight holds a publish back.
    static uint32_t window_of(const Options& o) {
        return o.rate > 0 && !o.window_given ? UINT32_MAX : o.window;
    }

    const Options& options;
    EventLoop loop;
    Flow flow;
    PayloadFormat payload; // what is published, and what every delivery must carry
    Random random;
    Counters counters;
    LatencyHistogram latency;
    // With several --subscribe URLs (nodes): the same per URL, so that a node reached
    // through the bus's store shows apart from the one published to. Empty with one URL.
    std::vector<LatencyHistogram> latency_by_node;
    uint32_t handshakes_in_progress = 0;
    uint32_t open_subscribers = 0;

    // Keeps the first example of each kind of problem for the report.
    static void note(std::string& slot, const std::string& text) {
        if (slot.empty()) slot = text;
    }
};

} // namespace loadgen

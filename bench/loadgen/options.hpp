// Command-line options of the load generator (all long options; see --help).
#pragma once

#include "url.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace loadgen {

struct Options {
    // Required unless --subscribers 0. Subscriber k connects to subscribe[k % size]: one
    // URL per node when several nodes share a bus (all of one scheme).
    std::vector<Url> subscribe;
    uint32_t subscribers = 100;
    std::vector<std::string> headers; // "Name: value", sent by every subscriber
    std::optional<std::string> first_message;
    std::optional<std::string> await_reply; // a subscriber opens once a message holds this
    std::optional<Url> publish;             // required unless --messages 0
    std::vector<std::string> publish_headers;
    std::string topic = "groove";
    std::string type = "bench";
    uint64_t messages = 1000;
    uint64_t size = 128;
    std::string payload_key = "p"; // the data object's padding member
    std::string data_extra;        // raw JSON members after the padding, e.g. "k":[1]
    bool verify_payload = false;   // compare every delivery's padding byte for byte
    uint32_t window = 64;
    bool window_given = false; // --window was on the command line
    // Open loop: at most this many publishes per second, message i due at i / rate after
    // the first, whatever is in flight (0: closed loop, paced by the window alone). With a
    // rate the window caps nothing unless --window is given too.
    uint64_t rate = 0;
    std::vector<int> server_pids; // CPU and memory are summed over these (several nodes)
    int redis_pid = 0;            // the bus's redis-server: its CPU reported apart (0: none)
    uint32_t settle_ms = 500;
    uint32_t connect_batch = 256;
    uint32_t connect_timeout_ms = 10000;
    double timeout_s = 120;
    uint32_t drain_ms = 5000;
    std::optional<std::string> label;
    // Rooms (workspaces): 0 = off. Subscriber k is in group k % groups and message i goes
    // to group i % groups only; "{group}" in --topic and --first-message is replaced by
    // the group's zero-padded index.
    uint32_t groups = 0;
    // Consecutive messages to one group before the next group's (1: round-robin). A
    // workspace's events come in runs (an agent's output); a run lets a subscriber's
    // messages share a write, as a broadcast's do.
    uint32_t group_run = 1;
};

// `text` with every "{group}" replaced by `group` zero-padded to the width of the largest
// index of `groups` (so that every group's text has the same length).
std::string with_group(const std::string& text, uint32_t group, uint32_t groups);

enum class ParseResult { ok, help, error };

// Fills out from argv; on ParseResult::error, error says what is wrong.
ParseResult parse_options(int argc, char** argv, Options& out, std::string& error);

// The --help text.
const char* usage_text();

} // namespace loadgen

// Bytes in, bytes out: one loopback TCP connection that writes exactly what a test gives
// it and collects everything the server sends back, for what a well-behaved client
// library would never send (pipelined requests, malformed ones, several in one write).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace switchyard::test {

struct RawExchange {
    std::string received; // everything the server sent, in order
    bool closed = false;  // the server closed the connection
};

// Connects to 127.0.0.1:<port>, writes `bytes` in one write, then reads until
// `enough(received)` holds, the server closes, or `timeout` passes (throws
// std::runtime_error only when it cannot connect or write).
RawExchange raw_tcp_exchange(uint16_t port, std::string_view bytes,
                             const std::function<bool(const std::string&)>& enough,
                             std::chrono::milliseconds timeout = std::chrono::seconds(10));

// How many times `needle` occurs in `text`.
size_t count_of(std::string_view text, std::string_view needle);

} // namespace switchyard::test

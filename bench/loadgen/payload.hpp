// The benchmark message: a data object of exactly S bytes,
//   {"i":<index>,"t":<CLOCK_MONOTONIC ns at send>,"p":"xxxx…"}
// and the fast scan a subscriber uses to get i and t back out of whatever envelope the
// server wraps it in (WebSocket text, SSE data line): two memmem calls, no JSON parser,
// because the subscriber side must stay far cheaper per message than the server.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace loadgen {

class PayloadFormat {
  public:
    explicit PayloadFormat(size_t size) : size_(size), padding_(size, 'x') {}

    // Smallest S that holds every index below `messages` and any 64-bit time stamp.
    static size_t min_size(uint64_t messages);

    // Appends the data object of message i, stamped t: exactly size() bytes.
    void append(std::string& out, uint64_t i, uint64_t t) const;

    size_t size() const { return size_; }

  private:
    size_t size_;
    std::string padding_;
};

// Finds "i":<digits> and, after it, "t":<digits> in a received message.
bool scan_message(const char* p, size_t n, uint64_t& i, uint64_t& t);

} // namespace loadgen

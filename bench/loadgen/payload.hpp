// The benchmark message: a data object of exactly S bytes,
//   {"i":<index>,"t":<CLOCK_MONOTONIC ns at send>,"<key>":"xxxx…"<,extra members>}
// (key "p" and no extra members unless --payload-key / --data-extra say otherwise), and
// the fast scan a subscriber uses to get i and t back out of whatever envelope the server
// wraps it in (WebSocket text, SSE data line): two memmem calls, no JSON parser, because
// the subscriber side must stay far cheaper per message than the server. With
// --verify-payload the padding is a fixed pseudo-random run of letters and digits (valid
// base64 text, never escaped in JSON) and every delivery's padding is compared byte for
// byte, so a truncated, reordered or corrupted payload counts as malformed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace loadgen {

struct Options;

class PayloadFormat {
  public:
    explicit PayloadFormat(const Options& options);

    // Smallest S that holds every index below `messages`, any 64-bit time stamp, the key
    // and the extra members.
    static size_t min_size(const Options& options);

    // Appends the data object of message i, stamped t: exactly size() bytes.
    void append(std::string& out, uint64_t i, uint64_t t) const;

    // Whether a received message carries message i's padding (stamped t) intact: after
    // `from` (where the scan for t stopped) comes "<key>":" and the padding, byte for byte.
    bool intact(const char* from, const char* end, uint64_t i, uint64_t t) const;

    size_t size() const { return size_; }
    bool verifying() const { return verify_; }

  private:
    // Bytes of the padding of message i stamped t.
    size_t padding_length(uint64_t i, uint64_t t) const;

    size_t size_;
    bool verify_;
    std::string key_open_; // ,"<key>":"
    std::string close_;    // "  or  ",<extra>}  without the }
    std::string padding_;
};

// Finds "i":<digits> and, after it, "t":<digits> in a received message; *after points
// just past t's digits.
bool scan_message(const char* p, size_t n, uint64_t& i, uint64_t& t, const char** after);

} // namespace loadgen

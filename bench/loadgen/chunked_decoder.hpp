// Streaming decoder for "Transfer-Encoding: chunked" bodies (RFC 9112 section 7.1):
// an SSE stream may arrive chunked, and a publish answer may too.
#pragma once

#include <cstddef>
#include <cstdint>

namespace loadgen {

class ChunkedDecoder {
  public:
    enum class Status { more, done, error };

    // Consumes p[0..n), handing chunk data to sink(const char*, size_t); returns the
    // bytes used. Stops right after the final chunk's trailer (Status::done), so bytes
    // of a following pipelined response are left to the caller.
    template <class Sink>
    size_t feed(const char* p, size_t n, Status& status, Sink&& sink);

    void reset() { *this = ChunkedDecoder(); }

  private:
    enum class State { size, extension, data, data_end, trailer, done };
    // Handles one byte of the framing (everything but chunk data).
    Status framing(char c);

    State state_ = State::size;
    uint64_t remaining_ = 0;
    bool size_digits_ = false;
    size_t trailer_line_ = 0;
};

template <class Sink>
size_t ChunkedDecoder::feed(const char* p, size_t n, Status& status, Sink&& sink) {
    size_t pos = 0;
    status = Status::more;
    while (pos < n) {
        if (state_ == State::data) {
            const size_t take = remaining_ < n - pos ? size_t(remaining_) : n - pos;
            sink(p + pos, take);
            pos += take;
            remaining_ -= take;
            if (remaining_ == 0) state_ = State::data_end;
            continue;
        }
        status = framing(p[pos++]);
        if (status != Status::more) return pos;
    }
    return pos;
}

} // namespace loadgen

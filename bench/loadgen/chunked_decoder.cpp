#include "chunked_decoder.hpp"

namespace loadgen {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

} // namespace

ChunkedDecoder::Status ChunkedDecoder::framing(char c) {
    switch (state_) {
        case State::size:
            if (const int v = hex_value(c); v >= 0) {
                if (remaining_ >> 59) return Status::error; // would overflow 64 bits
                remaining_ = remaining_ * 16 + unsigned(v);
                size_digits_ = true;
                return Status::more;
            }
            if (c == ';' || c == ' ' || c == '\t') {
                state_ = State::extension;
                return Status::more;
            }
            [[fallthrough]];
        case State::extension:
            if (c == '\r') return Status::more;
            if (c != '\n') return state_ == State::extension ? Status::more : Status::error;
            if (!size_digits_) return Status::error;
            size_digits_ = false;
            state_ = remaining_ == 0 ? State::trailer : State::data;
            trailer_line_ = 0;
            return Status::more;
        case State::data_end:
            if (c == '\r') return Status::more;
            if (c != '\n') return Status::error;
            state_ = State::size;
            return Status::more;
        case State::trailer:
            if (c == '\r') return Status::more;
            if (c != '\n') {
                ++trailer_line_;
                return Status::more;
            }
            if (trailer_line_ > 0) {
                trailer_line_ = 0;
                return Status::more;
            }
            state_ = State::done;
            return Status::done;
        case State::data:
        case State::done: break;
    }
    return Status::error;
}

} // namespace loadgen

#include "http_response_stream.hpp"

#include <charconv>

namespace loadgen {

bool ResponseStream::start_body(std::string_view head, bool& complete) {
    if (!parse_response_head(head, parsed_, error_)) return false;
    status_ = parsed_.status;
    complete = false;
    if (status_ < 200 || status_ == 204 || status_ == 304) { // never a body
        complete = true;
        return true;
    }
    if (parsed_.has_token("Transfer-Encoding", "chunked")) {
        chunked_.reset();
        state_ = State::body_chunked;
        return true;
    }
    if (const std::string_view* length = parsed_.field("Content-Length")) {
        uint64_t value = 0;
        auto [end, ec] = std::from_chars(length->data(), length->data() + length->size(), value);
        if (ec != std::errc() || end != length->data() + length->size()) {
            error_ = "bad Content-Length '" + std::string(*length) + "'";
            return false;
        }
        remaining_ = value;
        complete = value == 0;
        state_ = State::body_length;
        return true;
    }
    error_ = "HTTP " + std::to_string(status_) +
             " response without Content-Length or chunked encoding on a keep-alive connection";
    return false;
}

} // namespace loadgen

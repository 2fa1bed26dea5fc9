// Splits a keep-alive connection's bytes into successive HTTP responses, so pipelined
// publish requests can be matched to their answers in order. Bodies are skipped, framed
// by Content-Length or chunked encoding; a response framed by neither (read until
// close) cannot be followed by another one and is refused.
#pragma once

#include "chunked_decoder.hpp"
#include "http_head.hpp"

#include <cstdint>
#include <string>

namespace loadgen {

class ResponseStream {
  public:
    // Feeds the next bytes; calls on_response(status) for each complete response.
    // false on a protocol error (error() says which).
    template <class OnResponse>
    bool feed(const char* p, size_t n, OnResponse&& on_response);

    const std::string& error() const { return error_; }

  private:
    enum class State { head, body_length, body_chunked };
    // Parses head_ and chooses how the body is framed; false on error.
    bool start_body(std::string_view head, bool& complete);
    bool fail(const char* what) {
        error_ = what;
        return false;
    }

    State state_ = State::head;
    std::string head_;
    ResponseHead parsed_;
    int status_ = 0;
    uint64_t remaining_ = 0;
    ChunkedDecoder chunked_;
    std::string error_;
};

template <class OnResponse>
bool ResponseStream::feed(const char* p, size_t n, OnResponse&& on_response) {
    size_t pos = 0;
    while (pos < n) {
        if (state_ == State::head) {
            // Usually the whole head is in this read: parse it in place. Only a head
            // split across reads is collected in head_.
            std::string_view head;
            if (head_.empty()) {
                const size_t end = find_head_end(p + pos, n - pos);
                if (end == std::string::npos) {
                    head_.assign(p + pos, n - pos);
                    pos = n;
                    if (head_.size() > kMaxHeadBytes)
                        return fail("response head larger than 16 KiB");
                    continue;
                }
                head = std::string_view(p + pos, end);
                pos += end;
            } else {
                const size_t old = head_.size();
                const size_t take = n - pos < kMaxHeadBytes ? n - pos : kMaxHeadBytes;
                head_.append(p + pos, take);
                const size_t end = find_head_end(head_.data(), head_.size(), old);
                if (end == std::string::npos) {
                    pos += take;
                    if (head_.size() > kMaxHeadBytes)
                        return fail("response head larger than 16 KiB");
                    continue;
                }
                pos += end - old; // what follows the head is body or the next response
                head = std::string_view(head_.data(), end);
            }
            bool complete = false;
            const bool ok = start_body(head, complete);
            head_.clear();
            if (!ok) return false;
            if (complete) {
                if (status_ >= 200) on_response(status_); // 1xx: the real answer follows
                state_ = State::head;
            }
        } else if (state_ == State::body_length) {
            const size_t take = remaining_ < n - pos ? size_t(remaining_) : n - pos;
            pos += take;
            remaining_ -= take;
            if (remaining_ == 0) {
                on_response(status_);
                state_ = State::head;
            }
        } else {
            ChunkedDecoder::Status status;
            pos += chunked_.feed(p + pos, n - pos, status, [](const char*, size_t) {});
            if (status == ChunkedDecoder::Status::error) {
                error_ = "bad chunked encoding in a response";
                return false;
            }
            if (status == ChunkedDecoder::Status::done) {
                on_response(status_);
                state_ = State::head;
            }
        }
    }
    return true;
}

} // namespace loadgen

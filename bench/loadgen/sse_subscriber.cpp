#include "sse_subscriber.hpp"

#include "http_head.hpp"

#include <cstring>

namespace loadgen {

std::string SseSubscriber::handshake_request() {
    std::string out = "GET " + url_.target + " HTTP/1.1\r\nHost: " + url_.authority +
                      "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n";
    for (const auto& header : run_.options.headers) out += header + "\r\n";
    out += "\r\n";
    return out;
}

size_t SseSubscriber::consume(const char* p, size_t n) {
    size_t pos = 0;
    if (state() == State::handshake) {
        pos = find_head_end(p, n);
        if (pos == std::string::npos) {
            if (n <= kMaxHeadBytes) return 0; // keep the partial head as leftover
            fail("response head larger than 16 KiB");
            return kStop;
        }
        if (!accept_head(p, pos)) return kStop;
        opened();
    }
    if (!chunked_) {
        body(p + pos, n - pos);
    } else {
        ChunkedDecoder::Status status = ChunkedDecoder::Status::more;
        while (pos < n && status == ChunkedDecoder::Status::more) {
            pos += decoder_.feed(p + pos, n - pos, status,
                                 [this](const char* q, size_t m) { body(q, m); });
        }
        if (status == ChunkedDecoder::Status::error) {
            protocol_error("bad chunked encoding in the event stream");
            return kStop;
        }
        if (status == ChunkedDecoder::Status::done) {
            fail("the server ended the event stream");
            return kStop;
        }
    }
    return state() == State::open ? n : kStop; // partial lines are kept in partial_line_
}

bool SseSubscriber::accept_head(const char* p, size_t n) {
    ResponseHead head;
    std::string why;
    if (!parse_response_head(std::string_view(p, n), head, why)) {
        fail(why);
        return false;
    }
    if (head.status != 200) {
        fail("event stream answered HTTP " + std::to_string(head.status));
        return false;
    }
    const std::string_view* type = head.field("Content-Type");
    if (type == nullptr || type->find("text/event-stream") == std::string_view::npos) {
        fail("200 without Content-Type: text/event-stream");
        return false;
    }
    chunked_ = head.has_token("Transfer-Encoding", "chunked");
    return true;
}

void SseSubscriber::body(const char* p, size_t n) {
    while (n > 0 && state() == State::open) {
        const char* nl = static_cast<const char*>(std::memchr(p, '\n', n));
        if (nl == nullptr) {
            partial_line_.append(p, n);
            if (partial_line_.size() > kMaxLine) protocol_error("event stream line too long");
            return;
        }
        const size_t len = size_t(nl - p);
        if (partial_line_.empty()) {
            line(p, len); // the usual case: the whole line is in this read, no copy
        } else {
            partial_line_.append(p, len);
            line(partial_line_.data(), partial_line_.size());
            partial_line_.clear();
        }
        p = nl + 1;
        n -= len + 1;
    }
}

void SseSubscriber::line(const char* p, size_t n) {
    if (n > 0 && p[n - 1] == '\r') --n; // CRLF line ends
    if (n == 0) {                       // blank line: the event is complete
        if (has_data_) record(data_.data(), data_.size());
        data_.clear();
        has_data_ = false;
        return;
    }
    if (p[0] == ':') return; // comment (keep-alive)
    const char* colon = static_cast<const char*>(std::memchr(p, ':', n));
    const size_t name_len = colon == nullptr ? n : size_t(colon - p);
    if (name_len != 4 || std::memcmp(p, "data", 4) != 0) return; // id, event, retry
    size_t value = colon == nullptr ? n : name_len + 1;
    if (value < n && p[value] == ' ') ++value;
    if (has_data_) data_ += '\n';
    data_.append(p + value, n - value);
    has_data_ = true;
}

} // namespace loadgen

#include "net/sse_stream_parser.hpp"

#include <utility>

namespace switchyard {

namespace {

constexpr char kBom[] = "\xEF\xBB\xBF";
constexpr size_t kBomSize = 3;

} // namespace

SseStreamParser::SseStreamParser(size_t max_event_bytes, Sink sink)
    : max_event_bytes_(max_event_bytes), sink_(std::move(sink)) {}

bool SseStreamParser::feed(std::string_view bytes) {
    if (!error_.empty()) return false;
    for (const char c : bytes) {
        if (!started_) {
            if (c == kBom[bom_matched_]) {
                if (++bom_matched_ == kBomSize) started_ = true;
                continue;
            }
            started_ = true;
            // Not a BOM after all: what matched of it was the first line's bytes.
            for (size_t i = 0; i < bom_matched_; ++i) {
                if (!take_line_byte(kBom[i])) return false;
            }
        }
        if (c == '\n') {
            // The LF of a CRLF whose CR ended the line already.
            if (std::exchange(after_cr_, false)) continue;
            if (!end_line()) return false;
            continue;
        }
        after_cr_ = false;
        if (c == '\r') {
            after_cr_ = true;
            if (!end_line()) return false;
            continue;
        }
        if (!take_line_byte(c)) return false;
    }
    return true;
}

bool SseStreamParser::take_line_byte(char c) {
    if (line_.size() >= max_event_bytes_ + kFieldSlack) return fail("event too large");
    line_.push_back(c);
    return true;
}

bool SseStreamParser::end_line() {
    const std::string_view line(line_);
    if (line.empty()) {
        dispatch();
    } else if (line.front() != ':') { // a comment counts only as activity
        const size_t colon = line.find(':');
        if (colon == std::string_view::npos) {
            process_field(line, {});
        } else {
            std::string_view value = line.substr(colon + 1);
            if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
            process_field(line.substr(0, colon), value);
        }
    }
    line_.clear();
    if (data_.size() > max_event_bytes_) return fail("event too large");
    return true;
}

void SseStreamParser::process_field(std::string_view field, std::string_view value) {
    if (field == "data") {
        if (has_data_) data_.push_back('\n');
        data_.append(value);
        has_data_ = true;
    } else if (field == "event") {
        event_.assign(value);
    } else if (field == "id") {
        if (value.find('\0') == std::string_view::npos) last_id_.assign(value);
    }
    // "retry" (the reconnection time) and unknown fields are ignored: the kernel never
    // reconnects by itself.
}

void SseStreamParser::dispatch() {
    // The spec: an event without a data line is not dispatched; the id it set stays.
    if (has_data_) sink_(SseEventView{last_id_, event_, data_});
    data_.clear();
    event_.clear();
    has_data_ = false;
}

bool SseStreamParser::fail(std::string why) {
    error_ = std::move(why);
    line_.clear();
    line_.shrink_to_fit();
    data_.clear();
    data_.shrink_to_fit();
    return false;
}

} // namespace switchyard

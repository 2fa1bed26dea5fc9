#include "bus/event.hpp"

#include <chrono>
#include <stdexcept>

namespace switchyard {

namespace {

constexpr size_t kMaxTopicLength = 255;

bool is_topic_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == ':' || c == '-';
}

} // namespace

std::string_view stream_of(std::string_view topic) noexcept {
    return topic.substr(0, topic.find('/'));
}

size_t footprint(const Event& event) noexcept {
    return sizeof(Event) + event.stream.size() + event.topic.size() + event.type.size() +
           event.data.size() + event.id.size() + event.priority.size() + event.scope.size();
}

bool is_valid_topic(std::string_view topic) noexcept {
    if (topic.empty() || topic.size() > kMaxTopicLength) return false;
    bool segment_empty = true;
    for (char c : topic) {
        if (c == '/') {
            if (segment_empty) return false; // leading '/' or "//"
            segment_empty = true;
        } else if (is_topic_char(c)) {
            segment_empty = false;
        } else {
            return false;
        }
    }
    return !segment_empty; // a trailing '/'
}

void check_publishable(Event& event) {
    if (!is_valid_topic(event.topic)) {
        throw std::invalid_argument("invalid topic '" + event.topic + "'");
    }
    if (event.type.empty()) throw std::invalid_argument("event type is empty");
    event.stream = std::string(stream_of(event.topic));
}

int64_t unix_time_ms() noexcept {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace switchyard

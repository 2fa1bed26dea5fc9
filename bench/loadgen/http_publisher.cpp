#include "http_publisher.hpp"

#include "clock.hpp"

namespace loadgen {

HttpPublisher::HttpPublisher(RunState& run, const Url& url) : Publisher(run) {
    const Options& o = run.options;
    const uint32_t groups = run.flow.groups();
    for (uint32_t g = 0; g < groups; ++g) {
        const std::string topic = o.groups > 0 ? with_group(o.topic, g, o.groups) : o.topic;
        body_prefixes_.push_back("{\"topic\":" + json_string(topic) +
                                 ",\"type\":" + json_string(o.type) + ",\"data\":");
    }
    // Every body has the same length (the data object is exactly --size bytes, group
    // indices are zero-padded), so the whole request head is built once.
    const size_t body_len = body_prefixes_.front().size() + o.size + 1;
    head_ = "POST " + url.target + " HTTP/1.1\r\nHost: " + url.authority +
            "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body_len) +
            "\r\n";
    for (const auto& header : o.publish_headers) head_ += header + "\r\n";
    head_ += "\r\n";
}

void HttpPublisher::pump() {
    if (!ready()) return;
    std::string& out = out_.data();
    bool any = false;
    for (uint64_t now = now_ns(); room() && run_.flow.can_send(now); now = now_ns()) {
        const uint64_t i = run_.flow.send_next(true, now);
        out += head_;
        out += body_prefixes_[run_.flow.group_of(i)];
        payload_.append(out, i, now);
        out += '}';
        ++run_.counters.published;
        any = true;
    }
    if (any) flush();
}

size_t HttpPublisher::consume(const char* p, size_t n) {
    if (!responses_.feed(p, n, [this](int status) { answer(status); })) {
        fail("bad HTTP response: " + responses_.error());
        return kStop;
    }
    return n;
}

void HttpPublisher::answer(int status) {
    if (answered_ >= run_.flow.sent()) return; // an answer to nothing: ignore it
    const bool ok = status >= 200 && status < 300;
    if (!ok) {
        ++run_.counters.publish_errors;
        RunState::note(run_.counters.publish_error,
                       "publish answered HTTP " + std::to_string(status));
    }
    run_.flow.on_answered(answered_++, ok, now_);
}

void HttpPublisher::on_lost(const std::string& why) {
    Publisher::on_lost(why);
    // Requests sent but never answered count as failed, and stop holding the window.
    const uint64_t now = now_ns();
    while (answered_ < run_.flow.sent()) {
        ++run_.counters.publish_errors;
        run_.flow.on_answered(answered_++, false, now);
    }
}

} // namespace loadgen

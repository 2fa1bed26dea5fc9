#include "ws_publisher.hpp"

#include "clock.hpp"
#include "ws_handshake.hpp"

namespace loadgen {

WsPublisher::WsPublisher(RunState& run, const Url& url) : Publisher(run), url_(url) {
    envelope_prefix_ = "{\"event\":" + json_string(run.options.type) + ",\"data\":";
}

std::string WsPublisher::handshake_request() {
    key_ = ws::make_key(run_.random);
    return ws::upgrade_request(url_, key_, run_.options.publish_headers);
}

size_t WsPublisher::consume(const char* p, size_t n) {
    size_t pos = 0;
    if (state() == State::handshake) {
        std::string why;
        switch (ws::read_upgrade_answer(p, n, key_, pos, why)) {
            case ws::UpgradeAnswer::incomplete: return 0; // keep the partial head as leftover
            case ws::UpgradeAnswer::refused: fail(why); return kStop;
            case ws::UpgradeAnswer::accepted: break;
        }
        opened();
    }
    const size_t used = reader_.parse(p + pos, n - pos, *this);
    return used == kStop ? kStop : pos + used;
}

void WsPublisher::pump() {
    if (!ready()) return;
    bool any = false;
    for (uint64_t now = now_ns(); room() && run_.flow.can_send(now); now = now_ns()) {
        const uint64_t i = run_.flow.send_next(false, now);
        text_.assign(envelope_prefix_);
        payload_.append(text_, i, now);
        text_ += '}';
        ws::append_masked_frame(out_.data(), ws::kText, text_.data(), text_.size(),
                                run_.random.next32());
        ++run_.counters.published;
        any = true;
    }
    if (any) flush();
}

void WsPublisher::on_ping(const char* p, size_t n) {
    ws::append_masked_frame(out_.data(), ws::kPong, p, n, run_.random.next32());
    flush();
}

void WsPublisher::on_close(const char* p, size_t n) {
    ws::append_masked_frame(out_.data(), ws::kClose, p, n >= 2 ? 2 : 0, run_.random.next32());
    flush();
    fail("close frame from the server");
}

} // namespace loadgen

#include "ws_subscriber.hpp"

#include "ws_handshake.hpp"

#include <cstring>

namespace loadgen {

std::string WsSubscriber::handshake_request() {
    key_ = ws::make_key(run_.random);
    return ws::upgrade_request(url_, key_, run_.options.headers);
}

size_t WsSubscriber::consume(const char* p, size_t n) {
    size_t pos = 0;
    if (state() == State::handshake && !awaiting_reply_) {
        std::string why;
        switch (ws::read_upgrade_answer(p, n, key_, pos, why)) {
            case ws::UpgradeAnswer::incomplete: return 0; // keep the partial head as leftover
            case ws::UpgradeAnswer::refused: fail(why); return kStop;
            case ws::UpgradeAnswer::accepted: break;
        }
        key_.clear();
        key_.shrink_to_fit();
        // With --await-reply the connection stays in its handshake (and under its
        // connect deadline) until the answer comes; only then is it a subscriber.
        awaiting_reply_ = run_.options.await_reply.has_value();
        if (!awaiting_reply_) opened();
        if (const auto& first = run_.options.first_message) {
            const std::string text =
                run_.options.groups > 0 ? with_group(*first, group_, run_.options.groups) : *first;
            ws::append_masked_frame(out_.data(), ws::kText, text.data(), text.size(),
                                    run_.random.next32());
            if (!flush()) return kStop;
        }
    }
    const size_t used = reader_.parse(p + pos, n - pos, *this);
    return used == kStop ? kStop : pos + used;
}

void WsSubscriber::on_message(const char* p, size_t n) {
    if (!awaiting_reply_) return record(p, n);
    const std::string& want = *run_.options.await_reply;
    if (memmem(p, n, want.data(), want.size()) == nullptr) {
        return fail("first message was not the awaited reply: " +
                    std::string(p, n < 120 ? n : 120));
    }
    awaiting_reply_ = false;
    opened();
}

void WsSubscriber::on_ping(const char* p, size_t n) {
    ws::append_masked_frame(out_.data(), ws::kPong, p, n, run_.random.next32());
    flush();
}

void WsSubscriber::on_close(const char* p, size_t n) {
    // Echo the status code, as RFC 6455 section 5.5.1 asks, then end the connection.
    ws::append_masked_frame(out_.data(), ws::kClose, p, n >= 2 ? 2 : 0, run_.random.next32());
    flush();
    std::string why = "close frame from the server";
    if (n >= 2) why += " (" + std::to_string(uint8_t(p[0]) << 8 | uint8_t(p[1])) + ")";
    fail(why);
}

} // namespace loadgen

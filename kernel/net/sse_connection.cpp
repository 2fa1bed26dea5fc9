#include "net/sse_connection.hpp"

namespace switchyard {

SseConnection::SseConnection(Worker& worker, Socket socket, ConnectionObserver& observer,
                             const ConnectionLimits& limits)
    : Connection(worker, std::move(socket), observer, limits) {}

std::string_view SseConnection::wire_bytes(const WireFrame& frame) const {
    return sse_bytes(frame);
}

void SseConnection::on_bytes(char*, size_t) {
    // Nothing a client sends on an event stream means anything; ignore it.
}

void SseConnection::on_read_end() {
    finish(closing() ? close_code() : 1006, closing() ? close_reason() : "client went away");
}

void SseConnection::close(uint16_t code, std::string_view reason) {
    if (closing()) return;
    begin_closing(code, reason);
    send_control(FrameRef::adopt(make_wire_frame(SY_FRAME_RAW, {})));
}

void SseConnection::on_drained_while_closing() {
    finish(close_code(), close_reason());
}

std::string sse_response_head(const std::vector<std::pair<std::string, std::string>>& extra) {
    std::string head =
        "HTTP/1.1 200 OK\r\n"
        "Content-Type: text/event-stream\r\n"
        "Cache-Control: no-cache, no-transform\r\n"
        "X-Accel-Buffering: no\r\n"
        "Connection: keep-alive\r\n";
    for (const auto& [name, value] : extra) head += name + ": " + value + "\r\n";
    head += "\r\n";
    return head;
}

} // namespace switchyard

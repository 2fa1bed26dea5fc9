// A Server-Sent Events stream: a long-lived HTTP response the kernel writes events into.
// The client never speaks after its request, so reading only watches for it leaving.
#pragma once

#include "net/connection.hpp"

#include <string>
#include <utility>
#include <vector>

namespace switchyard {

class SseConnection final : public Connection {
  public:
    SseConnection(Worker& worker, Socket socket, ConnectionObserver& observer,
                  const ConnectionLimits& limits);

    // Writes what is queued, then ends the response. Code and reason are not sent.
    void close(uint16_t code, std::string_view reason) override;

  private:
    std::string_view wire_bytes(const WireFrame& frame) const override;
    void on_bytes(char* data, size_t size) override;
    void on_read_end() override;
    void on_drained_while_closing() override;
};

// The response head of an SSE stream, with the headers every proxy needs to pass events
// through unbuffered, then `extra` (the plugin's: CORS, ...). The caller has checked the
// extra headers (is_valid_header_field) and left out those the head already has.
std::string sse_response_head(const std::vector<std::pair<std::string, std::string>>& extra = {});

} // namespace switchyard

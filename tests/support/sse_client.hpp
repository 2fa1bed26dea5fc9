// A Server-Sent Events client over loopback: a raw HTTP GET whose response is parsed as
// an event stream while it arrives. Every wait has a timeout; a timed-out wait leaves the
// client usable.
#pragma once

#include "http_headers.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::test {

// One dispatched event: the fields of the lines before a blank line.
struct SseEvent {
    std::optional<std::string> id; // the `id:` field, when the event had one
    std::string event;             // the `event:` field; "" for the default "message"
    std::string data;              // the `data:` lines joined with "\n"
};

class SseClient {
  public:
    // Sends GET <target> to 127.0.0.1:<port> with `headers` (Last-Event-ID,
    // Authorization...) and waits for the response head. Throws std::runtime_error when
    // none arrives within `timeout`. Any status is returned: check status().
    static SseClient connect(uint16_t port, std::string_view target,
                             const HttpHeaders& headers = {},
                             std::chrono::milliseconds timeout = std::chrono::seconds(10));

    SseClient(SseClient&&) noexcept;
    SseClient& operator=(SseClient&&) noexcept;
    // Drops the connection.
    ~SseClient();

    // The response's status code.
    unsigned status() const;
    // The value of response header `name` (any case), or "" when absent.
    std::string header(std::string_view name) const;
    // The next event (a block with at least one id, event or data line), or nothing when
    // none arrived within `timeout` or the stream ended (see ended()).
    std::optional<SseEvent> next(std::chrono::milliseconds timeout);
    // The comment lines (": ...") received so far, without the colon.
    const std::vector<std::string>& comments() const;
    // The body received so far that has not been parsed into events (for a non-200
    // response, its whole body once ended()).
    std::string unparsed() const;
    // Waits until the server ends the stream. False on the timeout.
    bool wait_ended(std::chrono::milliseconds timeout);
    // True once the server ended the stream or the connection failed.
    bool ended() const;

  private:
    struct Impl;
    explicit SseClient(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace switchyard::test

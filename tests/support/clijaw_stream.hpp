// What the CLI-JAW tests share: a kernel with the clijaw plugin, events published into
// its stream `clijaw/<topic>` through the control API, and /api/events read the way a
// CLI-JAW client reads it (seed 002, PROTOCOLS.md "clijaw").
#pragma once

#include "http_headers.hpp"
#include "kernel_process.hpp"
#include "sse_client.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchyard::test {

// A kernel with [plugins.clijaw] on 127.0.0.1:0 plus `plugin_lines`, and `bus_lines`
// inside [bus] (e.g. "replay = 10\n").
KernelProcess start_clijaw(std::string_view plugin_lines = {}, std::string_view bus_lines = {});

// The control API's JSON for one event on topic clijaw/<topic> (topic "" = the stream
// itself), `data` a JSON object text, internal = "visibility":"internal".
std::string clijaw_event_json(std::string_view topic, std::string_view type,
                              std::string_view data = "{}", bool internal = false);

// Publishes one such event; returns its seq.
uint64_t publish_clijaw(const KernelProcess& kernel, std::string_view topic, std::string_view type,
                        std::string_view data = "{}", bool internal = false);

// Publishes events (each a JSON object text) in one POST; returns their seqs in order.
std::vector<uint64_t> publish_all(const KernelProcess& kernel,
                                  const std::vector<std::string>& events_json);

// An open GET /api/events (or another target) whose ": connected" comment has arrived,
// so what is published from now on reaches it. Events that arrived with the comment are
// kept for next().
class ClijawStream {
  public:
    // Throws std::runtime_error unless the answer is 200 and ": connected" arrives
    // within `timeout`.
    static ClijawStream open(uint16_t port, std::string_view target = "/api/events",
                             const HttpHeaders& headers = {},
                             std::chrono::milliseconds timeout = std::chrono::seconds(10));

    // The next event, or nothing when none came within `timeout` or the stream ended.
    std::optional<SseEvent> next(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // The events that come until one satisfies `last` (included), the stream ends or
    // `timeout` passes.
    template <class Last>
    std::vector<SseEvent> until(Last&& last,
                                std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        std::vector<SseEvent> events;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            auto event = next(std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now()));
            if (!event) break;
            events.push_back(std::move(*event));
            if (last(events.back())) break;
        }
        return events;
    }
    // The client beneath (headers, comments, ended()).
    SseClient& client() { return client_; }

  private:
    explicit ClijawStream(SseClient client) : client_(std::move(client)) {}
    SseClient client_;
    std::deque<SseEvent> early_;
};

// An event's data parsed as a JSON object; throws std::runtime_error quoting it otherwise.
boost::json::object data_object(const SseEvent& event);
// The event's "event" member ("" when absent or not a string).
std::string event_name(const SseEvent& event);
// The event's id as a number; nothing when it has no id line or it is not a number.
std::optional<uint64_t> event_seq(const SseEvent& event);
// The events' ids, in order (0 for an event without one), for failure messages and checks.
std::vector<uint64_t> seqs_of(const std::vector<SseEvent>& events);
// The events' raw data lines, one per line, for failure messages.
std::string describe(const std::vector<SseEvent>& events);

// The complete events (blocks ended by a blank line) in `body`, an SSE body received
// raw; comments are skipped, an unfinished last block is left out.
std::vector<SseEvent> parse_sse_events(std::string_view body);

// An HTTP response received raw (TcpPeer): its status, headers (names in lower case, in
// order, repeats kept) and the body bytes that followed the head.
struct RawResponse {
    unsigned status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    // The value of the first header `name` (lower case), or "" when absent.
    std::string header(std::string_view name) const;
    // How many times header `name` (lower case) was sent.
    size_t header_count(std::string_view name) const;
};

// `received` split into status, headers and body; status 0 while the head is incomplete.
RawResponse split_response(const std::string& received);
// True once `received` holds a whole head and, when it states a Content-Length, that
// many body bytes.
bool response_complete(const std::string& received);

} // namespace switchyard::test

// CLI-JAW's wire formats (seed 002, PROTOCOLS.md "clijaw"): the data-only SSE frame
// `id: <seq>\ndata: {...data, "topic", "event"}\n\n`, the legacy WebSocket frame
// `{type, ...data, ts}`, the replay cursor, the WebSocket client messages, and a worker's
// events as a manager reads them. Pure functions over JSON text; no host calls.
#pragma once

#include <switchyard/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::clijaw {

// The bus stream the plugin serves; its subtopics are CLI-JAW's topics.
inline constexpr std::string_view kStream = "clijaw";
// Where WebSocket clients' messages go for the backend.
inline constexpr std::string_view kInboundTopic = "inbound/clijaw";

// The first write of every SSE listener, the heartbeat, and the gap notice (no id: line).
inline constexpr std::string_view kConnectedComment = ": connected\n\n";
inline constexpr std::string_view kPingComment = ": ping\n\n";
inline constexpr std::string_view kReplayGapFrame =
    "data: {\"topic\":\"system\",\"event\":\"replay_gap\"}\n\n";

// The CLI-JAW topic of a bus topic: "clijaw/agent" -> "agent". The bare stream "clijaw"
// (a publisher that named no subtopic) is "system".
std::string_view clijaw_topic(std::string_view bus_topic);

// Whether an event stays off every public client: visibility internal, or topic "trace"
// whatever the publisher said.
bool is_private_event(bool internal, std::string_view clijaw_topic);

// An event's data as object members, ready to be spread into a frame: an object's own
// members (a key sent twice keeps its first place and its last value, as JSON.parse
// does); anything else (an array, a string, a number...) as the one member "data".
json::Object data_members(std::string_view data_json);

// Appends the SSE frame `id: <seq>\ndata: {...members, "topic": topic, "event": event}\n\n`
// (topic and event replace members of those names).
void append_sse_frame(std::string& out, uint64_t seq, std::string_view topic,
                      std::string_view event, const json::Object& members);

// Appends the WebSocket frame text `{"type": event, ...members, "ts": ts}`, the spread of
// the shipping server: a member "type" replaces the event name, "ts" is always the bus's.
void append_ws_frame(std::string& out, std::string_view event, const json::Object& members,
                     int64_t ts);

// Encodes one event's frames without building a DOM: the data's members are copied as
// they were published (numbers keep their digits: a DOM would round an integer above
// 2^63 to a double) with the whitespace between tokens dropped, so a frame is always one
// data: line, and spliced into the SSE and the WebSocket frame. A key sent twice keeps
// its first place and its last value; an escaped key is compared unescaped; data that is
// not an object is the member "data". Text that is not JSON (the bus never hands such
// data out) goes through data_members() and the functions above. Reused from event to
// event, it allocates nothing once warmed up.
class EventEncoder {
  public:
    // Reads an event's data (a JSON text); the append functions encode that event.
    void load(std::string_view data_json);
    // As append_sse_frame.
    void append_sse(std::string& out, uint64_t seq, std::string_view topic,
                    std::string_view event) const;
    // As append_ws_frame.
    void append_ws(std::string& out, std::string_view event, int64_t ts) const;
    // The data a manager republishes for a worker's event (read_worker_event said it is
    // one): `{...data without topic, event and worker, "worker": worker_url}`.
    void append_worker_data(std::string& out, std::string_view worker_url) const;
    // Whether the data took the splicing path (for the tests).
    bool spliced() const noexcept { return spliced_; }

  private:
    struct Member {
        std::string_view raw_key; // as sent, without quotes (escapes kept)
        std::string_view key;     // unescaped, for comparisons
        size_t begin, end;        // the value's compact text in values_
        bool repeated;            // a later copy of an earlier key: not written
    };
    bool scan(std::string_view text);
    bool scan_object(std::string_view text, size_t i);
    void merge_repeated_keys();
    std::string_view value(const Member& member) const {
        return std::string_view(values_).substr(member.begin, member.end - member.begin);
    }

    std::string text_; // the data, kept: raw keys are views into it
    std::string keys_; // unescaped keys (reserved: views into it stay valid)
    std::string values_;
    std::vector<Member> members_;
    std::vector<size_t> order_; // members_ indices sorted by key, for wide objects
    json::Object dom_;
    bool spliced_ = false;
};

// The replay cursor of a Last-Event-ID header or ?lastEventId= value: a positive decimal
// integer (digits only, below 2^64); anything else means no replay.
std::optional<uint64_t> parse_cursor(std::string_view text);

// The event types whose latest frame a WebSocket client gets on connect, in the order
// they are pushed.
inline constexpr std::string_view kLatestStatusTypes[] = {"agent_status", "queue_update",
                                                          "orc_state", "memory_status"};
inline constexpr size_t kLatestStatusCount = std::size(kLatestStatusTypes);
// The index of `event` in kLatestStatusTypes; nullopt when it is none of them.
std::optional<size_t> latest_status_slot(std::string_view event);

// What a WebSocket client sent.
struct ClientMessage {
    // True for {type:"send_message", text:<string>} and {type:"stop"}.
    bool valid = false;
    // The message type ("send_message", "stop") when valid.
    std::string type;
    // Why it is ignored, for the log, when not valid.
    std::string problem;
};
// Reads one client message (a JSON text); bounded in depth and size of the DOM.
ClientMessage read_client_message(std::string_view payload);

// One event of a worker's /api/events, as the manager republishes it.
struct WorkerEvent {
    std::string topic;    // the worker's CLI-JAW topic ("agent")
    std::string event;    // the event type ("agent_status")
    json::Object members; // the rest of the data, without topic and event
};
// Reads a worker's SSE data: a JSON object with string topic and event. nullopt for
// anything else (not JSON, not an object, topic or event missing or not a string, or a
// topic that cannot be a bus subtopic): the worker is then sending garbage.
std::optional<WorkerEvent> read_worker_event(std::string_view data);

// The data the manager publishes for a worker's event: its members plus
// "worker": <base url> (replacing a member of that name).
std::string worker_event_data(const json::Object& members, std::string_view worker_url);

} // namespace switchyard::clijaw

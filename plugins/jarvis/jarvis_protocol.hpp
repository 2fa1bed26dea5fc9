// JARVIS wire protocol (seed 000 and PROTOCOLS.md): what a client of ws://<listen>/ws
// sends and receives (reading its messages, the envelopes of replies and bus events), and
// the body of GET /health. Who may connect is jarvis_auth.hpp's.
//
// Pure functions, no host and no state, so they are unit-tested on their own.
#pragma once

#include "jarvis_settings.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard::jarvis {

// The largest client message the endpoint accepts (PROTOCOLS.md: 16 MiB).
inline constexpr uint64_t kMaxMessageBytes = 16 * 1024 * 1024;

// What one client message may hold, parsed: the SDK's default nesting depth and at most
// this many JSON values. A 16 MiB message of tiny elements would otherwise become a DOM
// of millions of values (each far larger than its text) for every message a client sends;
// the seed's messages hold a handful.
inline constexpr size_t kMaxMessageValues = 100'000;

// The longest voice_start payload.requestId, in bytes. It is copied into the data and
// scope of every audio event of the session, so an unbounded one would multiply a
// client's bytes on the bus; its characters are limited to [A-Za-z0-9._:-] for the same
// reason (nothing a JSON escape would inflate) and so it can be logged as it is.
inline constexpr size_t kMaxRequestIdBytes = 128;

// What the plugin does with one text message from a client.
enum class Action {
    Error,      // answer `error` with ClientMessage::error
    Health,     // command "health": answer status {status, service, clients}
    Ping,       // command "ping": answer status {pong: true}
    Status,     // type "status": answer status {service, status, clients, port}
    Chat,       // forward to the backend (payload.text is a non-empty string)
    Command,    // a command the backend answers (backend_commands): forward to it
    VoiceStart, // open a voice session named ClientMessage::request_id, forward
    VoiceEnd,   // close the voice session, forward
    VoiceText,  // the dashboard's own transcript: end any voice session (as the daemon
                // drops it), forward
    Forward,    // another type the backend answers (the dashboard's interview_* and
                // cancel, or one in forward_types): forward as sent
};

// The client message types the JARVIS dashboard sends besides the seed's (read from the
// public daemon and dashboard, which the seed's list of thirteen predates): voice_text
// (a transcript the browser made itself), interview_start, interview_user_message,
// interview_listen, interview_listen_stop (the onboarding interview) and cancel.
// Forwarded to the backend like chat.
bool is_dashboard_type(std::string_view type);

// One client text message, read and validated.
struct ClientMessage {
    Action action = Action::Error;
    std::string type;       // the message's type as sent ("" when it had none)
    std::string id_json;    // the id as JSON text, to echo in replies; "" when absent
    std::string id;         // the id as a string (a number's JSON text), for the bus
    std::string priority;   // "urgent", "normal" or "low"; "" when absent
    std::string request_id; // voice_start's payload.requestId (checked: kMaxRequestIdBytes)
    std::string command;    // a command's payload.command
    std::string error;      // Action::Error: the message for the client
};

// Reads one client text message. Never throws on bad input: malformed JSON, a message
// that is not an object, wrong field types (type, id, priority, timestamp, payload and
// the payload members a type needs or the daemon reads), `data` sent instead of
// `payload`, an unknown priority, unknown types and commands all come back as
// Action::Error with the message the client gets (and the id to echo, when it had one).
// `settings.backend_commands` says which commands besides health and ping exist (they
// are the backend's), `settings.forward_types` which types besides the seed's and the
// dashboard's go to the backend.
ClientMessage read_client_message(std::string_view text, const JarvisSettings& settings = {});

// A reply envelope: {"type":..,"payload":..,"id":..,"timestamp":..}; `id_json` is omitted
// when empty. `payload_json` is JSON text.
std::string reply(std::string_view type, std::string_view payload_json, std::string_view id_json,
                  int64_t timestamp);
// An `error` reply with payload {"message": message}.
std::string error_reply(std::string_view message, std::string_view id_json, int64_t timestamp);
// The payload of the answer to command "health".
std::string health_command_payload(size_t clients);
// The payload of the answer to command "ping".
std::string ping_payload();
// The payload of the answer to a client `status` message.
std::string status_payload(size_t clients, uint16_t port);

// Appends the wire message for one bus event to `out` (DESIGN.md, bus <-> wire):
// {"type":type,"payload":data,"id":id?,"priority":priority or "normal","timestamp":ts}.
// `data_json` goes in as it is (empty means {}); `id` is omitted when empty.
void append_event_envelope(std::string& out, std::string_view type, std::string_view data_json,
                           std::string_view id, std::string_view priority, int64_t timestamp);

// The body of GET /health: {"status":"ok","version","uptime","clients","timestamp"}, with
// uptime in whole seconds.
std::string health_body(std::string_view version, int64_t uptime_seconds, size_t clients,
                        int64_t timestamp);

// Where a bus event goes, from its scope (JSON object text, possibly empty).
struct Target {
    bool valid = true; // false: scope is not an object or scope.conn is not a connection id
    uint64_t conn = 0; // scope.conn ("123" or 123); 0: every client
};
Target event_target(std::string_view scope_json);

// The bytes of a `binary` bus event: data {"binary": "<base64>", ...}; nullopt when data
// is not an object with a valid, padded standard base64 string member "binary".
std::optional<std::string> event_binary(std::string_view data_json);

// The data of the inbound event for a binary client frame: {"binary":"<base64>",
// "requestId":"..."} (DESIGN.md: binary frames travel as base64 with their context).
std::string binary_inbound_data(std::string_view bytes, std::string_view request_id);
// The data of the voice_end the plugin publishes itself when a connection closes with a
// voice session open, shaped like a client's message so a backend reads both alike:
// {"type":"voice_end","payload":{"requestId":"...","reason":"closed"},"timestamp":T}.
// "reason":"closed" says the client went away rather than ended the session.
// `reason` is "closed" by default; "voice_text" when the client's own transcript replaced
// the session's audio (the daemon drops the audio then).
std::string closed_voice_end_data(std::string_view request_id, int64_t timestamp,
                                  std::string_view reason = "closed");
// The scope of an inbound event: {"conn":"<id>"} and, when not empty, "requestId".
std::string inbound_scope(uint64_t conn, std::string_view request_id);

} // namespace switchyard::jarvis

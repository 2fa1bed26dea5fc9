// GROOVE wire encoding: what a client of the groove plugin receives, in the seed's envelope
// (seed 001: {"event", "data"}) or in the shipping daemon's ({"type", ...data}), and what
// the daemon's GUI may send.
//
// Pure functions, no host and no state, so they are unit-tested on their own.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace switchyard::groove {

// Where the GUI's messages go for the backend (daemon envelope).
inline constexpr std::string_view kInboundTopic = "inbound/groove";
// The event type whose latest data every new client gets first (daemon envelope): the
// daemon's full agent list, which the GUI waits for before it leaves its loading screen.
inline constexpr std::string_view kStateType = "state";
// The inbound type that tells the backend a client has gone (the daemon then stops that
// client's terminals and file watches). No client message has it: it is not one of
// kClientTypes.
inline constexpr std::string_view kClosedType = "connection:closed";

// The client message types the shipping daemon accepts (its whitelist); anything else is
// ignored, as the daemon does.
inline constexpr std::string_view kClientTypes[] = {
    "editor:watch",  "editor:unwatch",  "editor:watchdir", "editor:unwatchdir",
    "editor:save",   "terminal:spawn",  "terminal:input",  "terminal:resize",
    "terminal:kill", "terminal:rename", "terminal:close",  "ping"};

// Appends the wire message for one bus event, `{"event":<type>,"data":<data>}`, to `out`.
// `type` is escaped as a JSON string; `data_json` is JSON text from the bus and goes in
// as it is (empty means {}).
void append_event_message(std::string& out, std::string_view type, std::string_view data_json);

// The wire message for one bus event (see append_event_message).
std::string event_message(std::string_view type, std::string_view data_json);

// Appends the daemon's message for one bus event to `out`: `{"type":<type>, ...data}` when
// `data_json` is an object (its members as published, without whitespace between tokens
// removed or added; a member "type" of the data is dropped: the event's type wins), and
// `{"type":<type>,"data":<data>}` for any other value (the daemon's `state`, an array of
// agents). Empty data means {}. False, with `out` as it was, when `data_json` is not one
// well-formed JSON value.
bool append_daemon_message(std::string& out, std::string_view type, std::string_view data_json);

// What a client sent, as the daemon judges it.
struct ClientMessage {
    // True for a JSON object whose "type" is one of kClientTypes and that has no own
    // "__proto__" or "constructor" member (the daemon drops those too).
    bool accepted = false;
    // Its type, when accepted.
    std::string type;
    // Why it is ignored, for the log, when not accepted.
    std::string problem;
};

// Reads one text message from a client (bounded in depth and in the size of its DOM).
ClientMessage read_client_message(std::string_view payload);

// The data of the kClosedType inbound event: {"code":<close code>}.
std::string closed_data(uint16_t code);

} // namespace switchyard::groove

// GROOVE wire encoding (seed 001): what a client of ws://localhost:31415/ws receives.
//
// Pure functions, no host and no state, so they are unit-tested on their own.
#pragma once

#include <string>
#include <string_view>

namespace switchyard::groove {

// Appends the wire message for one bus event, `{"event":<type>,"data":<data>}`, to `out`.
// `type` is escaped as a JSON string; `data_json` is JSON text from the bus and goes in
// as it is (empty means {}).
void append_event_message(std::string& out, std::string_view type, std::string_view data_json);

// The wire message for one bus event (see append_event_message).
std::string event_message(std::string_view type, std::string_view data_json);

} // namespace switchyard::groove

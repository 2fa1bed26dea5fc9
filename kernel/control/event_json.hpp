// The control API's JSON: parsing publish bodies into bus events, and writing bus events
// out. The only kernel files besides the control API that include Boost.JSON.
#pragma once

#include "bus/event.hpp"

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace switchyard {

// Why a publish body was refused: "BAD_JSON" or "BAD_EVENT", and a message for people.
struct PublishError {
    std::string code;
    std::string message;
};

// The events of a publish body, and whether it was an array.
struct PublishBody {
    std::vector<Event> events;
    bool is_array = false;
};

// Parses and validates a publish body: one event object or a non-empty array of them.
// `topic` and `type` are required strings; `data` defaults to {}; `id` and `priority`
// are strings; `visibility` is "public" or "internal"; `scope` is an object. Nothing is
// published unless every event is valid.
// A body taken by value gives its bytes to the event's data when it holds one event
// (no copy of a multi-megabyte data).
std::variant<PublishBody, PublishError> parse_publish_body(std::string body);
std::variant<PublishBody, PublishError> parse_publish_body(std::string_view body);

// One event as the control API's event stream carries it:
// {"seq","topic","type","data","ts"} plus "id", "priority", "scope" and
// "visibility":"internal" when present.
std::string event_to_json(const Event& event);

} // namespace switchyard

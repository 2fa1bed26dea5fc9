// A bus event: what a publisher hands the bus and what every subscriber receives.
//
// Once published an event never changes, so one allocation is shared by pointer between the
// replay ring and every subscriber's queue, whatever the fan-out.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace switchyard {

// Whether an event may reach public clients (internal events take a sequence number and a
// replay slot but only trusted consumers see them).
enum class Visibility { Public, Internal };

// One event on the bus. `seq`, `ts` and `stream` are assigned by the bus on publish.
struct Event {
    std::string stream;      // "clijaw": the topic up to its first '/'
    std::string topic;       // "clijaw/agent" or "groove"
    std::string type;        // never empty
    std::string data = "{}"; // JSON text, validated by the publisher
    std::string id;          // the publisher's correlation id, "" when absent
    std::string priority;    // "" when absent
    std::string scope;       // a JSON object's text (routing keys), "" when absent
    Visibility visibility = Visibility::Public;
    uint64_t seq = 0; // per stream, from 1, strictly increasing
    int64_t ts = 0;   // ms since the Unix epoch
};

// A published event, shared by everyone who holds it.
using EventPtr = std::shared_ptr<const Event>;

// The memory an event holds: its strings and the struct itself (what a replay ring
// counts against its byte budget).
size_t footprint(const Event& event) noexcept;

// The stream a topic belongs to: "a/b" -> "a", "a" -> "a". A view into `topic`.
std::string_view stream_of(std::string_view topic) noexcept;

// What every engine checks of an event handed to publish: throws std::invalid_argument
// on an invalid topic or an empty type; sets `event.stream` from the topic.
void check_publishable(Event& event);

// The time events are stamped with: ms since the Unix epoch.
int64_t unix_time_ms() noexcept;

// True when `topic` is one or more '/'-separated non-empty segments of [A-Za-z0-9_.:-],
// at most 255 characters in all.
bool is_valid_topic(std::string_view topic) noexcept;

} // namespace switchyard

// What one generation of the groove plugin hands to the next on a reload (its snapshot):
// the data of the latest `state` event, so that a client connecting after the reload is
// still hydrated first. The data is kept as published, not as a wire message, so a reload
// that changes the envelope sends it in the new one.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace switchyard::groove {

struct Snapshot {
    // The latest public, untargeted `state` event's data (JSON text); nullopt: none yet.
    std::optional<std::string> state_data;
};

// {"state":"<data as a JSON string>"} or {"state":null}.
std::string encode_snapshot(const Snapshot& snapshot);
// The snapshot in `text`; nullopt when it is not one.
std::optional<Snapshot> decode_snapshot(std::string_view text);

} // namespace switchyard::groove

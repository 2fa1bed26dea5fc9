#include "groove_snapshot.hpp"

#include <switchyard/json.hpp>

namespace switchyard::groove {

std::string encode_snapshot(const Snapshot& snapshot) {
    std::string out = R"({"state":)";
    if (snapshot.state_data) {
        json::append_escaped(out, *snapshot.state_data);
    } else {
        out += "null";
    }
    out += '}';
    return out;
}

std::optional<Snapshot> decode_snapshot(std::string_view text) {
    const std::optional<json::Value> value = json::parse(text);
    if (!value || !value->is_object()) return std::nullopt;
    const json::Value* state = value->find("state");
    if (state == nullptr) return std::nullopt;
    // Built in the return statements: a local Snapshot destroyed on an early return trips
    // GCC 12's -Wmaybe-uninitialized in the sanitizer build.
    if (state->is_null()) return Snapshot{};
    if (!state->is_string()) return std::nullopt;
    return Snapshot{std::string(state->as_string())};
}

} // namespace switchyard::groove

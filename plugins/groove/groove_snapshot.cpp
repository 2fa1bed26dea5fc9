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
    Snapshot snapshot;
    if (state->is_string()) {
        snapshot.state_data = state->as_string();
    } else if (!state->is_null()) {
        return std::nullopt;
    }
    return snapshot;
}

} // namespace switchyard::groove

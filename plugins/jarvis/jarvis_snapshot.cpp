#include "jarvis_snapshot.hpp"

#include <switchyard/json.hpp>

#include <charconv>
#include <utility>

namespace switchyard::jarvis {

std::string encode_snapshot(const Snapshot& snapshot) {
    std::string out = R"({"started":)" + std::to_string(snapshot.started_ms) + R"(,"voice":{)";
    bool first = true;
    for (const auto& [conn, request_id] : snapshot.voice_sessions) {
        if (!std::exchange(first, false)) out += ',';
        json::append_escaped(out, std::to_string(conn));
        out += ':';
        json::append_escaped(out, request_id);
    }
    out += "}}";
    return out;
}

std::optional<Snapshot> decode_snapshot(std::string_view text) {
    const std::optional<json::Value> value = json::parse(text);
    if (!value) return std::nullopt;
    Snapshot snapshot;
    if (std::optional<int64_t> started = value->as_int64()) {
        snapshot.started_ms = *started;
        return snapshot;
    }
    const json::Value* started = value->find("started");
    const json::Value* voice = value->find("voice");
    if (started == nullptr || !started->as_int64() || voice == nullptr || !voice->is_object())
        return std::nullopt;
    snapshot.started_ms = *started->as_int64();
    for (const auto& [key, request_id] : voice->as_object()) {
        uint64_t conn = 0;
        auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), conn);
        if (ec != std::errc() || end != key.data() + key.size() || conn == 0 ||
            !request_id.is_string())
            return std::nullopt;
        snapshot.voice_sessions[conn] = request_id.as_string();
    }
    return snapshot;
}

} // namespace switchyard::jarvis

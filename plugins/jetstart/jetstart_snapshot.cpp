#include "jetstart_snapshot.hpp"

#include <switchyard/json.hpp>

namespace switchyard::jetstart {
namespace {

std::optional<uint64_t> unsigned_member(const json::Value& object, std::string_view key) {
    const json::Value* member = object.find(key);
    if (member == nullptr) return std::nullopt;
    const std::optional<int64_t> n = member->as_int64();
    if (!n || *n < 0) return std::nullopt;
    return static_cast<uint64_t>(*n);
}

const std::string* string_member(const json::Value& object, std::string_view key) {
    const json::Value* member = object.find(key);
    if (member == nullptr || !member->is_string()) return nullptr;
    return &member->as_string();
}

} // namespace

std::string encode_snapshot(const Snapshot& snapshot) {
    size_t size = 128;
    for (const std::string& entry : snapshot.logs) size += entry.size() + 1;
    std::string out;
    out.reserve(size);
    out += "{\"sessionId\":";
    json::append_escaped(out, snapshot.session_id);
    out += ",\"token\":";
    json::append_escaped(out, snapshot.token);
    out += ",\"sweepTimer\":" + std::to_string(snapshot.sweep_timer);
    out += ",\"devices\":[";
    for (size_t i = 0; i < snapshot.devices.size(); ++i) {
        const Device& device = snapshot.devices[i];
        if (i != 0) out += ',';
        out += "{\"conn\":" + std::to_string(device.conn) + ",\"platform\":";
        json::append_escaped(out, device.platform);
        out += ",\"lastSeen\":" + std::to_string(device.last_seen_ms);
        out += device.heartbeats ? ",\"heartbeats\":true}" : ",\"heartbeats\":false}";
    }
    out += "],\"connectTimers\":[";
    for (size_t i = 0; i < snapshot.connect_timers.size(); ++i) {
        if (i != 0) out += ',';
        out += '[' + std::to_string(snapshot.connect_timers[i].first) + ',' +
               std::to_string(snapshot.connect_timers[i].second) + ']';
    }
    out += "],\"logs\":[";
    for (size_t i = 0; i < snapshot.logs.size(); ++i) {
        if (i != 0) out += ',';
        out += snapshot.logs[i];
    }
    out += "]}";
    return out;
}

std::optional<Snapshot> decode_snapshot(std::string_view text) {
    std::optional<json::Value> value = json::parse(text);
    if (!value || !value->is_object()) return std::nullopt;
    Snapshot snapshot;
    const std::string* session = string_member(*value, "sessionId");
    const std::string* token = string_member(*value, "token");
    const std::optional<uint64_t> sweep = unsigned_member(*value, "sweepTimer");
    const json::Value* devices = value->find("devices");
    const json::Value* logs = value->find("logs");
    if (session == nullptr || token == nullptr || !sweep || devices == nullptr ||
        !devices->is_array() || logs == nullptr || !logs->is_array())
        return std::nullopt;
    snapshot.session_id = *session;
    snapshot.token = *token;
    snapshot.sweep_timer = *sweep;
    for (const json::Value& item : devices->as_array()) {
        const std::optional<uint64_t> conn = unsigned_member(item, "conn");
        const std::string* platform = string_member(item, "platform");
        const json::Value* last_seen = item.find("lastSeen");
        const json::Value* heartbeats = item.find("heartbeats");
        if (!conn || platform == nullptr || last_seen == nullptr || !last_seen->as_int64() ||
            heartbeats == nullptr || !heartbeats->is_bool())
            return std::nullopt;
        snapshot.devices.push_back(
            Device{*conn, *platform, *last_seen->as_int64(), heartbeats->as_bool()});
    }
    const json::Value* timers = value->find("connectTimers");
    if (timers == nullptr || !timers->is_array()) return std::nullopt;
    for (const json::Value& pair : timers->as_array()) {
        if (!pair.is_array() || pair.as_array().size() != 2) return std::nullopt;
        const std::optional<int64_t> conn = pair.as_array()[0].as_int64();
        const std::optional<int64_t> timer = pair.as_array()[1].as_int64();
        if (!conn || !timer || *conn < 0 || *timer < 0) return std::nullopt;
        snapshot.connect_timers.emplace_back(static_cast<uint64_t>(*conn),
                                             static_cast<uint64_t>(*timer));
    }
    for (const json::Value& entry : logs->as_array())
        snapshot.logs.push_back(json::serialize(entry));
    return snapshot;
}

} // namespace switchyard::jetstart

#include "clijaw_snapshot.hpp"

#include <switchyard/json.hpp>

#include <utility>

namespace switchyard::clijaw {
namespace {

json::Value worker_value(const WorkerState& worker) {
    json::Value value;
    value.set("url", worker.url);
    value.set("follow", worker.follow);
    value.set("retryTimer", worker.retry_timer);
    value.set("connected", worker.connected);
    value.set("disconnectReported", worker.disconnect_reported);
    value.set("stallReported", worker.stall_reported);
    value.set("lastSeen", worker.last_seen_ms ? json::Value(*worker.last_seen_ms) : json::Value());
    value.set("quietSince", worker.quiet_since_ms);
    value.set("lastEventId", worker.last_event_id);
    value.set("latest", worker.latest);
    value.set("retryMs", worker.retry_ms);
    return value;
}

std::optional<uint64_t> unsigned_member(const json::Value& object, std::string_view key) {
    const json::Value* member = object.find(key);
    if (member == nullptr) return std::nullopt;
    const std::optional<int64_t> n = member->as_int64();
    if (!n || *n < 0) return std::nullopt;
    return static_cast<uint64_t>(*n);
}

std::optional<std::string> string_member(const json::Value& object, std::string_view key) {
    const json::Value* member = object.find(key);
    if (member == nullptr || !member->is_string()) return std::nullopt;
    return member->as_string();
}

std::optional<bool> bool_member(const json::Value& object, std::string_view key) {
    const json::Value* member = object.find(key);
    if (member == nullptr || !member->is_bool()) return std::nullopt;
    return member->as_bool();
}

std::optional<WorkerState> read_worker(const json::Value& value) {
    WorkerState worker;
    const auto url = string_member(value, "url");
    const auto follow = unsigned_member(value, "follow");
    const auto retry_timer = unsigned_member(value, "retryTimer");
    const auto connected = bool_member(value, "connected");
    const auto disconnect_reported = bool_member(value, "disconnectReported");
    const auto stall_reported = bool_member(value, "stallReported");
    const json::Value* last_seen = value.find("lastSeen");
    const auto quiet_since = value.find("quietSince");
    const auto last_event_id = string_member(value, "lastEventId");
    const auto latest = string_member(value, "latest");
    const auto retry_ms = unsigned_member(value, "retryMs");
    if (!url || !follow || !retry_timer || !connected || !disconnect_reported || !stall_reported ||
        last_seen == nullptr || quiet_since == nullptr || !quiet_since->as_int64() ||
        !last_event_id || !latest || !retry_ms || *retry_ms > UINT32_MAX)
        return std::nullopt;
    if (!last_seen->is_null() && !last_seen->as_int64()) return std::nullopt;
    worker.url = *url;
    worker.follow = *follow;
    worker.retry_timer = *retry_timer;
    worker.connected = *connected;
    worker.disconnect_reported = *disconnect_reported;
    worker.stall_reported = *stall_reported;
    if (!last_seen->is_null()) worker.last_seen_ms = *last_seen->as_int64();
    worker.quiet_since_ms = *quiet_since->as_int64();
    worker.last_event_id = *last_event_id;
    worker.latest = *latest;
    worker.retry_ms = static_cast<uint32_t>(*retry_ms);
    return worker;
}

} // namespace

std::string encode_snapshot(const Snapshot& snapshot) {
    json::Value value;
    value.set("seq", snapshot.last_handled_seq);
    json::Value status = json::Array{};
    for (const std::string& text : snapshot.latest_status) status.push_back(text);
    value.set("status", std::move(status));
    value.set("heartbeatTimer", snapshot.heartbeat_timer);
    value.set("stallTimer", snapshot.stall_timer);
    json::Value workers = json::Array{};
    for (const WorkerState& worker : snapshot.workers) workers.push_back(worker_value(worker));
    value.set("workers", std::move(workers));
    return json::serialize(value);
}

std::optional<Snapshot> decode_snapshot(std::string_view text) {
    const std::optional<json::Value> value = json::parse(text);
    if (!value || !value->is_object()) return std::nullopt;
    Snapshot snapshot;
    const auto seq = unsigned_member(*value, "seq");
    const auto heartbeat = unsigned_member(*value, "heartbeatTimer");
    const auto stall = unsigned_member(*value, "stallTimer");
    const json::Value* status = value->find("status");
    const json::Value* workers = value->find("workers");
    if (!seq || !heartbeat || !stall || status == nullptr || !status->is_array() ||
        status->as_array().size() != kLatestStatusCount || workers == nullptr ||
        !workers->is_array())
        return std::nullopt;
    snapshot.last_handled_seq = *seq;
    snapshot.heartbeat_timer = *heartbeat;
    snapshot.stall_timer = *stall;
    for (size_t i = 0; i < kLatestStatusCount; ++i) {
        const json::Value& text = status->as_array()[i];
        if (!text.is_string()) return std::nullopt;
        snapshot.latest_status[i] = text.as_string();
    }
    for (const json::Value& item : workers->as_array()) {
        std::optional<WorkerState> worker = read_worker(item);
        if (!worker) return std::nullopt;
        snapshot.workers.push_back(std::move(*worker));
    }
    return snapshot;
}

} // namespace switchyard::clijaw

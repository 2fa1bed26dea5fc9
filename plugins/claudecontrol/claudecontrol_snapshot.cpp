#include "claudecontrol_snapshot.hpp"

#include <switchyard/json.hpp>

#include <utility>

namespace switchyard::claudecontrol {
namespace {

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

const json::Array* array_member(const json::Value& object, std::string_view key) {
    const json::Value* member = object.find(key);
    if (member == nullptr || !member->is_array()) return nullptr;
    return &member->as_array();
}

bool is_token(std::string_view token) {
    if (token.empty()) return true;
    if (token.size() != 64) return false;
    for (char c : token) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

} // namespace

std::string encode_snapshot(const Snapshot& snapshot) {
    json::Value value;
    value.set("token", snapshot.token);
    value.set("tokenInMemoryOnly", snapshot.token_in_memory_only);
    json::Value changes = json::Array{};
    for (const PinChange& change : snapshot.pin_changes) {
        json::Value item;
        item.set("request", change.request);
        item.set("token", change.token);
        item.set("previous",
                 change.previous_state ? json::Value(*change.previous_state) : json::Value());
        item.set("origin", change.origin);
        changes.push_back(std::move(item));
    }
    value.set("pinChanges", std::move(changes));
    json::Value clients = json::Array{};
    for (const ClientState& client : snapshot.clients)
        clients.push_back(json::Array{json::Value(client.conn), json::Value(client.workspace)});
    value.set("clients", std::move(clients));
    json::Value pending = json::Array{};
    for (const PendingPermission& request : snapshot.pending)
        pending.push_back(
            json::Array{json::Value(request.request_id), json::Value(request.workspace)});
    value.set("pending", std::move(pending));
    json::Value failures = json::Array{};
    for (const FailureLimiter::Entry& entry : snapshot.failures)
        failures.push_back(json::Array{json::Value(entry.address), json::Value(entry.failures),
                                       json::Value(entry.since_ms)});
    value.set("failures", std::move(failures));
    return json::serialize(value);
}

std::optional<Snapshot> decode_snapshot(std::string_view text) {
    const std::optional<json::Value> value = json::parse(text);
    if (!value || !value->is_object()) return std::nullopt;
    Snapshot snapshot;
    const auto token = string_member(*value, "token");
    const json::Value* memory_only = value->find("tokenInMemoryOnly");
    const json::Array* changes = array_member(*value, "pinChanges");
    const json::Array* clients = array_member(*value, "clients");
    const json::Array* pending = array_member(*value, "pending");
    const json::Array* failures = array_member(*value, "failures");
    if (!token || !is_token(*token) || memory_only == nullptr || !memory_only->is_bool() ||
        changes == nullptr || clients == nullptr || pending == nullptr || failures == nullptr)
        return std::nullopt;
    snapshot.token = *token;
    snapshot.token_in_memory_only = memory_only->as_bool();
    for (const json::Value& item : *changes) {
        const auto request = unsigned_member(item, "request");
        const auto next = string_member(item, "token");
        const json::Value* previous = item.find("previous");
        const auto origin = string_member(item, "origin");
        if (!request || !next || !is_token(*next) || !origin || previous == nullptr ||
            !(previous->is_null() || previous->is_string()))
            return std::nullopt;
        PinChange change{*request, *next, std::nullopt, *origin};
        if (previous->is_string()) change.previous_state = previous->as_string();
        snapshot.pin_changes.push_back(std::move(change));
    }
    for (const json::Value& item : *clients) {
        if (!item.is_array() || item.as_array().size() != 2) return std::nullopt;
        const auto conn = item.as_array()[0].as_int64();
        const json::Value& workspace = item.as_array()[1];
        if (!conn || *conn <= 0 || !workspace.is_string()) return std::nullopt;
        snapshot.clients.push_back(
            ClientState{static_cast<sy_conn_id>(*conn), workspace.as_string()});
    }
    for (const json::Value& item : *pending) {
        if (!item.is_array() || item.as_array().size() != 2 || !item.as_array()[0].is_string() ||
            !item.as_array()[1].is_string())
            return std::nullopt;
        snapshot.pending.push_back(
            PendingPermission{item.as_array()[0].as_string(), item.as_array()[1].as_string()});
    }
    for (const json::Value& item : *failures) {
        if (!item.is_array() || item.as_array().size() != 3 || !item.as_array()[0].is_string())
            return std::nullopt;
        const auto count = item.as_array()[1].as_int64();
        const auto since = item.as_array()[2].as_int64();
        if (!count || *count < 0 || *count > UINT32_MAX || !since) return std::nullopt;
        snapshot.failures.push_back(FailureLimiter::Entry{item.as_array()[0].as_string(),
                                                          static_cast<uint32_t>(*count), *since});
    }
    return snapshot;
}

std::string encode_pin_state(std::string_view token) {
    std::string out = R"({"token":)";
    json::append_escaped(out, token);
    out += '}';
    return out;
}

std::optional<std::string> decode_pin_state(std::string_view value) {
    const std::optional<json::Value> parsed = json::parse(value);
    if (!parsed || !parsed->is_object()) return std::nullopt;
    const auto token = string_member(*parsed, "token");
    if (!token || !is_token(*token)) return std::nullopt;
    return token;
}

} // namespace switchyard::claudecontrol

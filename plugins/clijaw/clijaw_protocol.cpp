#include "clijaw_protocol.hpp"

#include <charconv>
#include <unordered_map>
#include <utility>

namespace switchyard::clijaw {
namespace {

// Bounds on a DOM built from a client message or a worker event: enough for any real
// message, small enough that a hostile one cannot grow a DOM many times its text.
constexpr json::ParseLimits kClientLimits{16, 10'000};
constexpr json::ParseLimits kWorkerLimits{json::kMaxDepth, 1'000'000};
// The longest topic a worker may name.
constexpr size_t kMaxTopicBytes = 128;

// Appends `"key":value` after a separator when the object already has a member.
void append_member(std::string& out, bool& first, std::string_view key, const json::Value& value) {
    if (!std::exchange(first, false)) out.push_back(',');
    json::append_escaped(out, key);
    out.push_back(':');
    json::append_serialized(out, value);
}

void append_string_member(std::string& out, bool& first, std::string_view key,
                          std::string_view value) {
    if (!std::exchange(first, false)) out.push_back(',');
    json::append_escaped(out, key);
    out.push_back(':');
    json::append_escaped(out, value);
}

// A topic the bus takes as a subtopic: letters, digits, '_', '-' and '.'.
bool is_subtopic(std::string_view topic) {
    if (topic.empty() || topic.size() > kMaxTopicBytes) return false;
    for (char c : topic) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
        if (!ok) return false;
    }
    return true;
}

// Members with each key once: the first place, the last value (JSON.parse).
json::Object without_duplicates(json::Object members) {
    if (members.size() < 2) return members;
    // The usual event has a handful of members: a scan finds a repeat without building
    // an index; only a large object pays for one.
    constexpr size_t kScanLimit = 16;
    if (members.size() <= kScanLimit) {
        bool repeated = false;
        for (size_t i = 1; i < members.size() && !repeated; ++i) {
            for (size_t j = 0; j < i && !repeated; ++j)
                repeated = members[i].first == members[j].first;
        }
        if (!repeated) return members;
    }
    json::Object unique;
    unique.reserve(members.size());
    std::unordered_map<std::string_view, size_t> index;
    index.reserve(members.size());
    for (auto& [key, value] : members) {
        if (const auto seen = index.find(key); seen != index.end()) {
            unique[seen->second].second = std::move(value);
            continue;
        }
        unique.emplace_back(std::move(key), std::move(value));
        // A view of the stored key: `unique` never reallocates (reserved above).
        index.emplace(unique.back().first, unique.size() - 1);
    }
    return unique;
}

} // namespace

std::string_view clijaw_topic(std::string_view bus_topic) {
    if (bus_topic.size() > kStream.size() && bus_topic.starts_with(kStream) &&
        bus_topic[kStream.size()] == '/')
        return bus_topic.substr(kStream.size() + 1);
    return "system";
}

bool is_private_event(bool internal, std::string_view topic) {
    return internal || topic == "trace";
}

json::Object data_members(std::string_view data_json) {
    std::optional<json::Value> data = json::parse(data_json);
    if (!data) return {};
    if (data->is_object()) return without_duplicates(std::move(data->as_object()));
    json::Object wrapped;
    wrapped.emplace_back("data", std::move(*data));
    return wrapped;
}

void append_sse_frame(std::string& out, uint64_t seq, std::string_view topic,
                      std::string_view event, const json::Object& members) {
    out += "id: ";
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, seq).ptr;
    out.append(digits, end);
    out += "\ndata: {";
    bool first = true;
    for (const auto& [key, value] : members) {
        if (key == "topic" || key == "event") continue;
        append_member(out, first, key, value);
    }
    append_string_member(out, first, "topic", topic);
    append_string_member(out, first, "event", event);
    out += "}\n\n";
}

void append_ws_frame(std::string& out, std::string_view event, const json::Object& members,
                     int64_t ts) {
    out.push_back('{');
    bool first = true;
    // {type, ...data, ts}: a data member "type" takes the first place's value.
    const json::Value* own_type = nullptr;
    for (const auto& [key, value] : members) {
        if (key == "type") own_type = &value;
    }
    if (own_type != nullptr) {
        append_member(out, first, "type", *own_type);
    } else {
        append_string_member(out, first, "type", event);
    }
    for (const auto& [key, value] : members) {
        if (key == "type" || key == "ts") continue;
        append_member(out, first, key, value);
    }
    append_member(out, first, "ts", json::Value(ts));
    out.push_back('}');
}

std::optional<uint64_t> parse_cursor(std::string_view text) {
    if (text.empty()) return std::nullopt;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
    }
    uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value == 0) return std::nullopt;
    return value;
}

std::optional<size_t> latest_status_slot(std::string_view event) {
    for (size_t i = 0; i < kLatestStatusCount; ++i) {
        if (kLatestStatusTypes[i] == event) return i;
    }
    return std::nullopt;
}

ClientMessage read_client_message(std::string_view payload) {
    ClientMessage message;
    std::string error;
    const std::optional<json::Value> value = json::parse(payload, &error, kClientLimits);
    if (!value) {
        message.problem = "not JSON: " + error;
        return message;
    }
    const json::Value* type = value->find("type");
    if (type == nullptr || !type->is_string()) {
        message.problem = "not an object with a string type";
        return message;
    }
    if (type->as_string() == "send_message") {
        const json::Value* text = value->find("text");
        if (text == nullptr || !text->is_string()) {
            message.problem = "send_message without a string text";
            return message;
        }
    } else if (type->as_string() != "stop") {
        message.problem = "unknown type";
        return message;
    }
    message.valid = true;
    message.type = type->as_string();
    return message;
}

std::string inbound_scope(uint64_t conn) {
    return R"({"conn":")" + std::to_string(conn) + "\"}";
}

std::optional<WorkerEvent> read_worker_event(std::string_view data) {
    std::optional<json::Value> value = json::parse(data, nullptr, kWorkerLimits);
    if (!value || !value->is_object()) return std::nullopt;
    json::Object members = without_duplicates(std::move(value->as_object()));
    WorkerEvent event;
    bool has_topic = false;
    bool has_event = false;
    for (auto& [key, member] : members) {
        if (key == "topic" && member.is_string()) {
            event.topic = member.as_string();
            has_topic = true;
        } else if (key == "event" && member.is_string()) {
            event.event = member.as_string();
            has_event = true;
        }
    }
    if (!has_topic || !has_event || !is_subtopic(event.topic) || event.event.empty())
        return std::nullopt;
    for (auto& member : members) {
        if (member.first != "topic" && member.first != "event")
            event.members.push_back(std::move(member));
    }
    return event;
}

std::string worker_event_data(const json::Object& members, std::string_view worker_url) {
    std::string out = "{";
    bool first = true;
    for (const auto& [key, value] : members) {
        if (key == "worker") continue;
        append_member(out, first, key, value);
    }
    append_string_member(out, first, "worker", worker_url);
    out.push_back('}');
    return out;
}

} // namespace switchyard::clijaw

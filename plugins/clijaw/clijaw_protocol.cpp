#include "clijaw_protocol.hpp"

#include <algorithm>
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

namespace {

// Up to this many members, repeated keys are found pair by pair; wider objects sort.
constexpr size_t kPairwiseMembers = 16;

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

size_t skip_space(std::string_view text, size_t i) {
    while (i < text.size() && is_space(text[i])) ++i;
    return i;
}

// Copies the value starting at text[i] into `out` without whitespace between tokens, up
// to the ',' or '}' that ends it at depth 0; `i` ends there. False on anything a valid
// JSON value would not hold, a raw control character in a string included (so the copy
// can never split an SSE data: line).
bool copy_value(std::string_view text, size_t& i, std::string& out) {
    int depth = 0;
    bool any = false;
    while (i < text.size()) {
        const char c = text[i];
        if (c == '"') {
            out.push_back('"');
            for (++i; i < text.size() && text[i] != '"'; ++i) {
                if (static_cast<unsigned char>(text[i]) < 0x20) return false;
                if (text[i] == '\\') {
                    if (i + 1 >= text.size() || static_cast<unsigned char>(text[i + 1]) < 0x20)
                        return false;
                    out.push_back(text[i++]);
                }
                out.push_back(text[i]);
            }
            if (i >= text.size()) return false;
            out.push_back('"');
            ++i;
            any = true;
            continue;
        }
        if (is_space(c)) {
            ++i;
            continue;
        }
        if (depth == 0 && (c == ',' || c == '}')) break;
        if (static_cast<unsigned char>(c) < 0x20) return false;
        if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            if (--depth < 0) return false;
        }
        out.push_back(c);
        ++i;
        any = true;
    }
    return any && depth == 0;
}

// Decodes the body of a JSON string (between its quotes) onto `out`; false on an escape
// JSON does not have or a lone surrogate. The SDK's parser does the decoding: a key with
// escapes is rare, so the quoted copy it needs does not matter.
bool unescape(std::string_view raw, std::string& out) {
    std::string quoted;
    quoted.reserve(raw.size() + 2);
    quoted.push_back('"');
    quoted.append(raw);
    quoted.push_back('"');
    const std::optional<json::Value> decoded = json::parse(quoted);
    if (!decoded || !decoded->is_string()) return false;
    out += decoded->as_string();
    return true;
}

void append_key(std::string& out, std::string_view key) {
    out.push_back('"');
    out += key;
    out += "\":";
}

} // namespace

void EventEncoder::load(std::string_view data_json) {
    spliced_ = scan(data_json);
    dom_.clear();
    if (!spliced_) dom_ = data_members(data_json);
}

bool EventEncoder::scan(std::string_view data) {
    text_.assign(data);
    keys_.clear();
    keys_.reserve(text_.size());
    values_.clear();
    members_.clear();
    const std::string_view text(text_);
    const size_t i = skip_space(text, 0);
    if (i < text.size() && text[i] == '{') return scan_object(text, i + 1);
    // Not an object: the member "data", as it was published.
    size_t end = i;
    if (!copy_value(text, end, values_) || skip_space(text, end) != text.size()) return false;
    members_.push_back(Member{"data", "data", 0, values_.size(), false});
    return true;
}

bool EventEncoder::scan_object(std::string_view text, size_t i) {
    i = skip_space(text, i);
    if (i < text.size() && text[i] == '}') return skip_space(text, i + 1) == text.size();
    for (;;) {
        if (i >= text.size() || text[i] != '"') return false;
        const size_t key_begin = ++i;
        bool escaped = false;
        while (i < text.size() && text[i] != '"') {
            if (static_cast<unsigned char>(text[i]) < 0x20) return false;
            if (text[i] == '\\') {
                escaped = true;
                ++i;
            }
            ++i;
        }
        if (i >= text.size()) return false;
        const std::string_view raw_key = text.substr(key_begin, i - key_begin);
        std::string_view key = raw_key;
        if (escaped) {
            const size_t at = keys_.size();
            if (!unescape(raw_key, keys_)) return false;
            key = std::string_view(keys_).substr(at);
        }
        i = skip_space(text, i + 1);
        if (i >= text.size() || text[i] != ':') return false;
        i = skip_space(text, i + 1);
        const size_t begin = values_.size();
        if (!copy_value(text, i, values_)) return false;
        members_.push_back(Member{raw_key, key, begin, values_.size(), false});
        if (i >= text.size()) return false;
        if (text[i] == '}') break;
        i = skip_space(text, i + 1); // past the ','
    }
    if (skip_space(text, i + 1) != text.size()) return false;
    merge_repeated_keys();
    return true;
}

// A key sent twice keeps its first place and takes its last value (JSON.parse).
void EventEncoder::merge_repeated_keys() {
    const size_t n = members_.size();
    if (n < 2) return;
    if (n <= kPairwiseMembers) {
        for (size_t j = 1; j < n; ++j) {
            for (size_t k = 0; k < j; ++k) {
                Member& first = members_[k];
                if (first.repeated || first.key != members_[j].key) continue;
                first.begin = members_[j].begin;
                first.end = members_[j].end;
                members_[j].repeated = true;
                break;
            }
        }
        return;
    }
    order_.resize(n);
    for (size_t k = 0; k < n; ++k) order_[k] = k;
    std::sort(order_.begin(), order_.end(), [&](size_t a, size_t b) {
        return members_[a].key != members_[b].key ? members_[a].key < members_[b].key : a < b;
    });
    for (size_t run = 0; run < n;) {
        size_t end = run + 1;
        while (end < n && members_[order_[end]].key == members_[order_[run]].key) ++end;
        if (end - run > 1) {
            Member& first = members_[order_[run]];
            const Member& last = members_[order_[end - 1]];
            first.begin = last.begin;
            first.end = last.end;
            for (size_t k = run + 1; k < end; ++k) members_[order_[k]].repeated = true;
        }
        run = end;
    }
}

void EventEncoder::append_sse(std::string& out, uint64_t seq, std::string_view topic,
                              std::string_view event) const {
    if (!spliced_) {
        append_sse_frame(out, seq, topic, event, dom_);
        return;
    }
    out += "id: ";
    char digits[24];
    out.append(digits, std::to_chars(digits, digits + sizeof digits, seq).ptr);
    out += "\ndata: {";
    for (const Member& member : members_) {
        if (member.repeated || member.key == "topic" || member.key == "event") continue;
        append_key(out, member.raw_key);
        out += value(member);
        out.push_back(',');
    }
    out += "\"topic\":";
    json::append_escaped(out, topic);
    out += ",\"event\":";
    json::append_escaped(out, event);
    out += "}\n\n";
}

void EventEncoder::append_ws(std::string& out, std::string_view event, int64_t ts) const {
    if (!spliced_) {
        append_ws_frame(out, event, dom_, ts);
        return;
    }
    out += "{\"type\":";
    const Member* own_type = nullptr;
    for (const Member& member : members_) {
        if (!member.repeated && member.key == "type") own_type = &member;
    }
    if (own_type != nullptr) {
        out += value(*own_type);
    } else {
        json::append_escaped(out, event);
    }
    for (const Member& member : members_) {
        if (member.repeated || member.key == "type" || member.key == "ts") continue;
        out.push_back(',');
        append_key(out, member.raw_key);
        out += value(member);
    }
    out += ",\"ts\":";
    char digits[24];
    out.append(digits, std::to_chars(digits, digits + sizeof digits, ts).ptr);
    out.push_back('}');
}

void EventEncoder::append_worker_data(std::string& out, std::string_view worker_url) const {
    if (!spliced_) {
        json::Object members;
        for (const auto& [key, value] : dom_) {
            if (key != "topic" && key != "event") members.emplace_back(key, value);
        }
        out += worker_event_data(members, worker_url);
        return;
    }
    out.push_back('{');
    for (const Member& member : members_) {
        if (member.repeated || member.key == "topic" || member.key == "event" ||
            member.key == "worker")
            continue;
        append_key(out, member.raw_key);
        out += value(member);
        out.push_back(',');
    }
    out += "\"worker\":";
    json::append_escaped(out, worker_url);
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

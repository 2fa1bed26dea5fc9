#include "claudecontrol_protocol.hpp"

#include <switchyard/json.hpp>

#include <cstring>

namespace switchyard::claudecontrol {
namespace {

// A client message is small; this bounds the DOM a crafted one could build.
constexpr json::ParseLimits kClientLimits{32, 50'000};

size_t skip_ws(std::string_view text, size_t i) {
    while (i < text.size() &&
           (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
        ++i;
    return i;
}

// `i` at an opening quote: the index just past the closing one; npos when unterminated.
size_t skip_string(std::string_view text, size_t i) {
    size_t from = i + 1;
    while (from < text.size()) {
        const void* hit = std::memchr(text.data() + from, '"', text.size() - from);
        if (hit == nullptr) return std::string_view::npos;
        const size_t quote = static_cast<size_t>(static_cast<const char*>(hit) - text.data());
        size_t backslashes = 0;
        while (quote - backslashes > i + 1 && text[quote - backslashes - 1] == '\\') ++backslashes;
        if (backslashes % 2 == 0) return quote + 1;
        from = quote + 1;
    }
    return std::string_view::npos;
}

// `i` at a value: the index just past it; npos when malformed.
size_t skip_value(std::string_view text, size_t i) {
    if (i >= text.size()) return std::string_view::npos;
    const char c = text[i];
    if (c == '"') return skip_string(text, i);
    if (c == '{' || c == '[') {
        size_t depth = 0;
        while (i < text.size()) {
            const char d = text[i];
            if (d == '"') {
                i = skip_string(text, i);
                if (i == std::string_view::npos) return i;
                continue;
            }
            if (d == '{' || d == '[') ++depth;
            if (d == '}' || d == ']') {
                if (--depth == 0) return i + 1;
            }
            ++i;
        }
        return std::string_view::npos;
    }
    while (i < text.size() && text[i] != ',' && text[i] != '}' && text[i] != ']' &&
           text[i] != ' ' && text[i] != '\t' && text[i] != '\n' && text[i] != '\r')
        ++i;
    return i;
}

// Whether a raw key token (quotes included) names type or workspaceId; an escaped key is
// compared unescaped.
bool is_reserved_key(std::string_view token) {
    std::string_view inner = token.substr(1, token.size() - 2);
    std::string unescaped;
    if (inner.find('\\') != std::string_view::npos) {
        std::optional<json::Value> key = json::parse(token);
        if (!key || !key->is_string()) return false;
        unescaped = key->as_string();
        inner = unescaped;
    }
    return inner == "type" || inner == "workspaceId";
}

// Splices the members of the object data_json[i..] after what `out` holds. False when it
// is not a well-formed object ending the text.
bool splice_members(std::string& out, std::string_view data_json, size_t i) {
    i = skip_ws(data_json, i + 1);
    if (i < data_json.size() && data_json[i] == '}') {
        out += '}';
        return skip_ws(data_json, i + 1) == data_json.size();
    }
    while (i < data_json.size()) {
        if (data_json[i] != '"') return false;
        const size_t key_end = skip_string(data_json, i);
        if (key_end == std::string_view::npos) return false;
        const std::string_view key = data_json.substr(i, key_end - i);
        size_t j = skip_ws(data_json, key_end);
        if (j >= data_json.size() || data_json[j] != ':') return false;
        j = skip_ws(data_json, j + 1);
        const size_t value_end = skip_value(data_json, j);
        if (value_end == std::string_view::npos || value_end == j) return false;
        if (!is_reserved_key(key)) {
            out += ',';
            out.append(key);
            out += ':';
            out.append(data_json.substr(j, value_end - j));
        }
        i = skip_ws(data_json, value_end);
        if (i < data_json.size() && data_json[i] == ',') {
            i = skip_ws(data_json, i + 1);
            continue;
        }
        if (i < data_json.size() && data_json[i] == '}' &&
            skip_ws(data_json, i + 1) == data_json.size()) {
            out += '}';
            return true;
        }
        return false;
    }
    return false;
}

const json::Value* member(const json::Value& object, std::string_view key) {
    return object.find(key);
}

} // namespace

std::optional<std::string_view> workspace_of_topic(std::string_view topic) {
    if (topic.size() > kStream.size() + 1 && topic.starts_with(kStream) &&
        topic[kStream.size()] == '/')
        return topic.substr(kStream.size() + 1);
    return std::nullopt;
}

bool append_event(std::string& out, std::string_view type,
                  std::optional<std::string_view> workspace, std::string_view data_json) {
    const size_t start = out.size();
    out += "{\"type\":";
    json::append_escaped(out, type);
    if (workspace) {
        out += ",\"workspaceId\":";
        json::append_escaped(out, *workspace);
    }
    const size_t i = skip_ws(data_json, 0);
    bool ok = false;
    if (i < data_json.size() && data_json[i] == '{') {
        ok = splice_members(out, data_json, i);
    } else if (i < data_json.size()) {
        // Not an object: the member "data", as published.
        const size_t end = skip_value(data_json, i);
        if (end != std::string_view::npos && skip_ws(data_json, end) == data_json.size()) {
            out += ",\"data\":";
            out.append(data_json.substr(i, end - i));
            out += '}';
            ok = true;
        }
    }
    if (!ok) out.resize(start);
    return ok;
}

std::optional<std::string> permission_request_id(std::string_view data_json) {
    const std::optional<json::Value> data = json::parse(data_json);
    if (!data || !data->is_object()) return std::nullopt;
    const json::Value* id = member(*data, "requestId");
    if (id == nullptr || !id->is_string() || id->as_string().empty()) return std::nullopt;
    return id->as_string();
}

ClientMessage read_client_message(std::string_view payload) {
    ClientMessage out;
    std::string error;
    bool over_limit = false;
    const std::optional<json::Value> message =
        json::parse(payload, &error, kClientLimits, &over_limit);
    if (!message) {
        out.problem = over_limit ? "message too complex: " + error : "invalid JSON: " + error;
        return out;
    }
    if (!message->is_object()) {
        out.problem = "a message must be a JSON object";
        return out;
    }
    const json::Value* type = member(*message, "type");
    if (type == nullptr || !type->is_string()) {
        out.problem = "type must be a string";
        return out;
    }
    const std::string& name = type->as_string();
    const json::Value* workspace = member(*message, "workspaceId");
    if (name == "subscribe") {
        if (workspace == nullptr || !workspace->is_string() || workspace->as_string().empty()) {
            out.problem = "subscribe needs workspaceId, a non-empty string";
        } else if (workspace->as_string().size() > kMaxWorkspaceIdBytes) {
            out.problem =
                "workspaceId is longer than " + std::to_string(kMaxWorkspaceIdBytes) + " bytes";
        } else {
            out.type = ClientType::Subscribe;
            out.workspace_id = workspace->as_string();
        }
        return out;
    }
    if (name == "unsubscribe") {
        if (workspace != nullptr && !workspace->is_string()) {
            out.problem = "workspaceId must be a string";
        } else {
            out.type = ClientType::Unsubscribe;
            if (workspace != nullptr) out.workspace_id = workspace->as_string();
        }
        return out;
    }
    if (name == "permission_response") {
        const json::Value* request = member(*message, "requestId");
        const json::Value* approved = member(*message, "approved");
        const json::Value* updated = member(*message, "updatedInput");
        if (request == nullptr || !request->is_string() || request->as_string().empty()) {
            out.problem = "requestId is required (a non-empty string)";
        } else if (approved == nullptr || !approved->is_bool()) {
            out.problem = "approved is required (a boolean)";
        } else if (updated != nullptr && !updated->is_object()) {
            out.problem = "updatedInput must be an object";
        } else {
            out.type = ClientType::PermissionResponse;
        }
        if (request != nullptr && request->is_string()) out.request_id = request->as_string();
        return out;
    }
    out.problem = "Unknown message type: " + name;
    return out;
}

std::string error_event(std::string_view message, std::string_view request_id) {
    std::string out = R"({"type":"error","error":)";
    json::append_escaped(out, message);
    if (!request_id.empty()) {
        out += ",\"requestId\":";
        json::append_escaped(out, request_id);
    }
    out += '}';
    return out;
}

std::optional<std::string> read_pin_body(std::string_view body, std::string& problem) {
    const std::optional<json::Value> value = json::parse(body, nullptr, kClientLimits);
    if (!value || !value->is_object()) {
        problem = "the body must be a JSON object {\"pin\": \"...\"}";
        return std::nullopt;
    }
    const json::Value* pin = member(*value, "pin");
    if (pin == nullptr || !pin->is_string()) {
        problem = "pin is required (a string)";
        return std::nullopt;
    }
    return pin->as_string();
}

std::string error_body(std::string_view message) {
    std::string out = R"({"error":)";
    json::append_escaped(out, message);
    out += '}';
    return out;
}

} // namespace switchyard::claudecontrol

#include "claudecontrol_protocol.hpp"

#include <switchyard/json.hpp>
#include <switchyard/json_splice.hpp>

namespace switchyard::claudecontrol {
namespace {

// A client message is small; this bounds the DOM a crafted one could build.
constexpr json::ParseLimits kClientLimits{32, 50'000};

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
    // The head's keys win over the data's.
    if (json::splice_data(out, data_json, [](std::string_view key) {
            return key == "type" || key == "workspaceId";
        }))
        return true;
    out.resize(start);
    return false;
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

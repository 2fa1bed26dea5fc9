#include "jetstart_protocol.hpp"

#include <switchyard/json_splice.hpp>

#include <vector>

namespace switchyard::jetstart {
namespace {

// A client message is small (the core endpoint takes at most 1 MiB); this bounds the DOM
// a crafted one of tiny elements could build.
constexpr json::ParseLimits kClientLimits{16, 20'000};

template <size_t N>
bool one_of(std::string_view value, const std::string_view (&names)[N]) {
    for (std::string_view name : names) {
        if (value == name) return true;
    }
    return false;
}

constexpr std::string_view kLevels[] = {"verbose", "debug", "info", "warn", "error", "fatal"};
constexpr std::string_view kSources[] = {"cli", "core", "client", "build", "network", "system"};
constexpr std::string_view kStatuses[] = {"connecting", "connected", "idle", "disconnected",
                                          "error"};
constexpr std::string_view kPlatforms[] = {"android", "web"};
constexpr std::string_view kArchitectures[] = {"arm64", "x86_64", "x86"};

// The checks below return an empty string when the field is fine, else the problem.

std::string need_string(const json::Value& object, std::string_view key, std::string_view prefix,
                        bool required) {
    const json::Value* member = object.find(key);
    if (member == nullptr)
        return required ? std::string(prefix) + std::string(key) + " is required" : std::string();
    if (!member->is_string()) return std::string(prefix) + std::string(key) + " must be a string";
    return {};
}

std::string need_number(const json::Value& object, std::string_view key, std::string_view prefix,
                        bool required) {
    const json::Value* member = object.find(key);
    if (member == nullptr)
        return required ? std::string(prefix) + std::string(key) + " is required" : std::string();
    if (!member->is_number()) return std::string(prefix) + std::string(key) + " must be a number";
    return {};
}

template <size_t N>
std::string need_enum(const json::Value& object, std::string_view key, std::string_view prefix,
                      bool required, const std::string_view (&names)[N]) {
    std::string problem = need_string(object, key, prefix, required);
    if (!problem.empty()) return problem;
    const json::Value* member = object.find(key);
    if (member == nullptr || one_of(member->as_string(), names)) return {};
    problem = std::string(prefix) + std::string(key) + " must be one of";
    for (size_t i = 0; i < N; ++i) problem += (i == 0 ? " " : ", ") + std::string(names[i]);
    return problem;
}

std::string first_problem(std::initializer_list<std::string> problems) {
    for (const std::string& problem : problems) {
        if (!problem.empty()) return problem;
    }
    return {};
}

std::string check_device_info(const json::Value& message) {
    const json::Value* info = message.find("deviceInfo");
    if (info == nullptr) return {};
    if (!info->is_object()) return "deviceInfo must be an object";
    constexpr std::string_view p = "deviceInfo.";
    return first_problem({need_string(*info, "id", p, false), need_string(*info, "model", p, false),
                          need_enum(*info, "platform", p, false, kPlatforms),
                          need_enum(*info, "architecture", p, false, kArchitectures),
                          need_string(*info, "androidVersion", p, false),
                          need_number(*info, "apiLevel", p, false)});
}

void read_connect(const json::Value& message, ClientMessage& out) {
    out.problem = first_problem(
        {need_string(message, "sessionId", "", true), need_string(message, "token", "", false),
         need_string(message, "clientType", "", false), check_device_info(message)});
    if (!out.problem.empty()) return;
    out.session_id = message.find("sessionId")->as_string();
    if (const json::Value* token = message.find("token")) out.token = token->as_string();
    if (const json::Value* info = message.find("deviceInfo")) {
        if (const json::Value* platform = info->find("platform"))
            out.platform = platform->as_string();
    }
}

void read_log(const json::Value& message, ClientMessage& out) {
    out.problem = need_string(message, "sessionId", "", false);
    if (!out.problem.empty()) return;
    const json::Value* entry = message.find("log");
    if (entry == nullptr) {
        out.problem = "log is required";
        return;
    }
    out.problem = check_log_entry(*entry, "log.");
    if (!out.problem.empty()) return;
    if (const json::Value* session = message.find("sessionId"))
        out.session_id = session->as_string();
    out.log_json = json::serialize(*entry);
}

ClientType type_of(std::string_view name) {
    if (name == "client:connect") return ClientType::Connect;
    if (name == "client:status") return ClientType::Status;
    if (name == "client:log") return ClientType::Log;
    if (name == "client:heartbeat") return ClientType::Heartbeat;
    if (name == "client:disconnect") return ClientType::Disconnect;
    if (name == "client:click") return ClientType::Click;
    if (name == "pong") return ClientType::Pong;
    return ClientType::Unknown;
}

// -- splicing a server message ---------------------------------------------------------

void append_head(std::string& out, std::string_view type, int64_t timestamp,
                 std::string_view session_id) {
    out += "{\"type\":";
    json::append_escaped(out, type);
    out += ",\"timestamp\":";
    out += std::to_string(timestamp);
    out += ",\"sessionId\":";
    json::append_escaped(out, session_id);
}

} // namespace

bool is_log_level(std::string_view level) {
    return one_of(level, kLevels);
}
bool is_log_source(std::string_view source) {
    return one_of(source, kSources);
}
bool is_session_status(std::string_view status) {
    return one_of(status, kStatuses);
}
bool is_platform(std::string_view platform) {
    return one_of(platform, kPlatforms);
}
bool is_architecture(std::string_view architecture) {
    return one_of(architecture, kArchitectures);
}

std::string check_log_entry(const json::Value& entry, std::string_view prefix) {
    if (!entry.is_object()) {
        std::string name(prefix);
        if (name.ends_with('.')) name.pop_back();
        return (name.empty() ? std::string("the log entry") : name) + " must be an object";
    }
    std::string problem = first_problem(
        {need_string(entry, "id", prefix, true), need_number(entry, "timestamp", prefix, true),
         need_enum(entry, "level", prefix, true, kLevels), need_string(entry, "tag", prefix, true),
         need_string(entry, "message", prefix, true),
         need_enum(entry, "source", prefix, true, kSources),
         need_string(entry, "sessionId", prefix, false)});
    if (!problem.empty()) return problem;
    const json::Value* metadata = entry.find("metadata");
    if (metadata != nullptr && !metadata->is_object())
        return std::string(prefix) + "metadata must be an object";
    return {};
}

ClientMessage read_client_message(std::string_view payload) {
    ClientMessage out;
    std::string error;
    bool over_limit = false;
    std::optional<json::Value> message = json::parse(payload, &error, kClientLimits, &over_limit);
    if (!message) {
        out.problem = over_limit ? "message too complex: " + error : "invalid JSON: " + error;
        return out;
    }
    if (!message->is_object()) {
        out.problem = "a message must be a JSON object";
        return out;
    }
    const json::Value* type = message->find("type");
    if (type == nullptr || !type->is_string()) {
        out.problem = "type must be a string";
        return out;
    }
    out.parsed = true;
    out.type_name = type->as_string();
    out.type = type_of(out.type_name);
    if (out.type == ClientType::Pong) return out;
    if (out.type == ClientType::Unknown) {
        out.problem = "Unknown message type: " + out.type_name;
        return out;
    }
    out.problem = need_number(*message, "timestamp", "", false);
    if (!out.problem.empty()) return out;
    switch (out.type) {
        case ClientType::Connect: read_connect(*message, out); break;
        case ClientType::Status:
            out.problem = first_problem({need_enum(*message, "status", "", true, kStatuses),
                                         need_string(*message, "message", "", false)});
            break;
        case ClientType::Log: read_log(*message, out); break;
        case ClientType::Heartbeat: break;
        case ClientType::Disconnect:
            out.problem = need_string(*message, "reason", "", false);
            break;
        case ClientType::Click:
            out.problem = first_problem({need_string(*message, "sessionId", "", false),
                                         need_string(*message, "action", "", true),
                                         need_string(*message, "elementType", "", true),
                                         need_string(*message, "elementText", "", false)});
            if (out.problem.empty()) {
                if (const json::Value* session = message->find("sessionId"))
                    out.session_id = session->as_string();
            }
            break;
        case ClientType::Pong:
        case ClientType::Unknown: break;
    }
    return out;
}

std::string connected_message(int64_t timestamp, std::string_view session_id,
                              std::string_view project_name) {
    std::string out;
    append_head(out, "core:connected", timestamp, session_id);
    out += ",\"projectName\":";
    json::append_escaped(out, project_name);
    out += '}';
    return out;
}

std::string error_message(int64_t timestamp, std::string_view session_id, std::string_view error,
                          std::string_view client_type) {
    std::string out;
    if (session_id.empty()) {
        // Not authenticated yet: the session is not theirs to learn.
        out = "{\"type\":\"core:error\",\"timestamp\":" + std::to_string(timestamp);
    } else {
        append_head(out, "core:error", timestamp, session_id);
    }
    out += ",\"error\":";
    json::append_escaped(out, error);
    out += ",\"details\":{\"type\":";
    if (client_type.empty()) {
        out += "null";
    } else {
        json::append_escaped(out, client_type);
    }
    out += "}}";
    return out;
}

std::string log_message(int64_t timestamp, std::string_view session_id, std::string_view log_json) {
    std::string out;
    append_head(out, "core:log", timestamp, session_id);
    out += ",\"log\":";
    out += log_json;
    out += '}';
    return out;
}

std::string disconnect_message(int64_t timestamp, std::string_view reason) {
    std::string out = "{\"type\":\"core:disconnect\",\"timestamp\":";
    out += std::to_string(timestamp);
    out += ",\"reason\":";
    json::append_escaped(out, reason);
    out += '}';
    return out;
}

bool append_server_message(std::string& out, std::string_view type, int64_t timestamp,
                           std::string_view session_id, std::string_view data_json) {
    const size_t start = out.size();
    out.reserve(start + data_json.size() + type.size() + session_id.size() + 64);
    append_head(out, type, timestamp, session_id);
    // The head's keys win over the data's: a backend cannot fake the session.
    if (json::splice_data(out, data_json, [](std::string_view key) {
            return key == "type" || key == "timestamp" || key == "sessionId";
        }))
        return true;
    out.resize(start);
    return false;
}

} // namespace switchyard::jetstart

#include "jarvis_protocol.hpp"

#include "jarvis_settings.hpp"

#include <switchyard/base64.hpp>
#include <switchyard/json.hpp>
#include <switchyard/scope.hpp>

#include <charconv>
#include <initializer_list>

namespace switchyard::jarvis {
namespace {

ClientMessage failed(ClientMessage message, std::string error) {
    message.action = Action::Error;
    message.error = std::move(error);
    return message;
}

// The member `key` of an object unless it is absent or null.
const json::Value* present(const json::Value& object, std::string_view key) {
    const json::Value* member = object.find(key);
    return member == nullptr || member->is_null() ? nullptr : member;
}

bool is_request_id_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == ':' || c == '-';
}

// Checks the payload members the daemon reads from a dashboard message: each of
// `strings` must be a string and each of `booleans` a boolean when present. Returns the
// error for the client, or "" when they are fine.
std::string check_members(const json::Value* payload,
                          std::initializer_list<std::string_view> strings,
                          std::initializer_list<std::string_view> booleans) {
    if (payload == nullptr) return {};
    for (std::string_view key : strings) {
        const json::Value* member = present(*payload, key);
        if (member != nullptr && !member->is_string())
            return "Invalid message: payload." + std::string(key) + " must be a string";
    }
    for (std::string_view key : booleans) {
        const json::Value* member = present(*payload, key);
        if (member != nullptr && !member->is_bool())
            return "Invalid message: payload." + std::string(key) + " must be a boolean";
    }
    return {};
}

// The payload members the daemon reads from each dashboard type, by their JSON types.
std::string check_dashboard_payload(std::string_view type, const json::Value* payload) {
    if (type == "voice_text")
        return check_members(payload, {"text", "requestId", "currentRoom"}, {});
    if (type == "interview_start") return check_members(payload, {}, {"speakReply"});
    if (type == "interview_user_message") return check_members(payload, {"text"}, {"speakReply"});
    if (type == "interview_listen") return check_members(payload, {}, {"speakReply"});
    if (type == "cancel") return check_members(payload, {"requestId"}, {});
    return {};
}

bool is_priority(std::string_view p) {
    return p == "urgent" || p == "normal" || p == "low";
}

void append_member(std::string& out, std::string_view key, std::string_view json_text) {
    out += ',';
    json::append_escaped(out, key);
    out += ':';
    out += json_text;
}

std::string number_text(int64_t n) {
    return std::to_string(n);
}

} // namespace

bool is_dashboard_type(std::string_view type) {
    return type == "voice_text" || type == "interview_start" || type == "interview_user_message" ||
           type == "interview_listen" || type == "interview_listen_stop" || type == "cancel";
}

ClientMessage read_client_message(std::string_view text, const JarvisSettings& settings) {
    ClientMessage message;
    std::string parse_error;
    json::ParseLimits limits;
    limits.max_values = kMaxMessageValues;
    bool too_complex = false;
    const std::optional<json::Value> parsed = json::parse(text, &parse_error, limits, &too_complex);
    if (!parsed && too_complex)
        return failed(std::move(message), "Message too complex: " + parse_error);
    if (!parsed) return failed(std::move(message), "Invalid JSON: " + parse_error);
    if (!parsed->is_object())
        return failed(std::move(message), "Invalid message: expected a JSON object");

    // The id first, so that every later error can echo it. A null member counts as absent
    // throughout (what JSON.stringify makes of a field set to null on purpose).
    if (const json::Value* id = present(*parsed, "id")) {
        if (id->is_string()) {
            message.id = id->as_string();
        } else if (id->is_number()) {
            message.id = json::serialize(*id);
        } else {
            return failed(std::move(message), "Invalid message: id must be a string or a number");
        }
        message.id_json = json::serialize(*id);
    }
    const json::Value* type = present(*parsed, "type");
    if (type == nullptr || !type->is_string())
        return failed(std::move(message), "Invalid message: type must be a string");
    message.type = type->as_string();
    if (const json::Value* priority = present(*parsed, "priority")) {
        if (!priority->is_string())
            return failed(std::move(message), "Invalid message: priority must be a string");
        if (!is_priority(priority->as_string()))
            return failed(std::move(message), "Invalid message: unknown priority \"" +
                                                  priority->as_string() +
                                                  R"(" (expected "urgent", "normal" or "low"))");
        message.priority = priority->as_string();
    }
    if (const json::Value* timestamp = present(*parsed, "timestamp");
        timestamp != nullptr && !timestamp->is_number())
        return failed(std::move(message), "Invalid message: timestamp must be a number");

    const json::Value* payload = present(*parsed, "payload");
    if (payload == nullptr && present(*parsed, "data") != nullptr)
        // Seed 000: "The field is payload, not data". Older clients send data.
        return failed(std::move(message), R"(Invalid message: the field is "payload", not "data")");
    if (payload != nullptr && !payload->is_object())
        return failed(std::move(message), "Invalid message: payload must be an object");

    if (message.type == "chat") {
        const json::Value* chat_text = payload == nullptr ? nullptr : present(*payload, "text");
        if (chat_text != nullptr && !chat_text->is_string())
            return failed(std::move(message), "Invalid message: payload.text must be a string");
        if (chat_text == nullptr || chat_text->as_string().empty())
            return failed(std::move(message), "Missing text in chat payload");
        message.action = Action::Chat;
    } else if (message.type == "command") {
        const json::Value* command = payload == nullptr ? nullptr : present(*payload, "command");
        if (command != nullptr && !command->is_string())
            return failed(std::move(message), "Invalid message: payload.command must be a string");
        if (command == nullptr || command->as_string().empty())
            return failed(std::move(message), "Missing command in command payload");
        message.command = command->as_string();
        if (message.command == "health") {
            message.action = Action::Health;
        } else if (message.command == "ping") {
            message.action = Action::Ping;
        } else if (forwards_command(settings, message.command)) {
            message.action = Action::Command;
        } else {
            return failed(std::move(message), "Unknown command: " + message.command);
        }
    } else if (message.type == "status") {
        message.action = Action::Status;
    } else if (message.type == "voice_start") {
        const json::Value* request_id =
            payload == nullptr ? nullptr : present(*payload, "requestId");
        if (request_id != nullptr && !request_id->is_string())
            return failed(std::move(message),
                          "Invalid message: payload.requestId must be a string");
        if (request_id == nullptr || request_id->as_string().empty())
            return failed(std::move(message), "Missing requestId in voice_start payload");
        const std::string& id = request_id->as_string();
        if (id.size() > kMaxRequestIdBytes)
            return failed(std::move(message), "Invalid message: payload.requestId is longer than " +
                                                  std::to_string(kMaxRequestIdBytes) + " bytes");
        for (char c : id) {
            if (!is_request_id_char(c))
                return failed(std::move(message),
                              "Invalid message: payload.requestId may hold only letters, digits, "
                              "'.', '_', ':' and '-'");
        }
        message.request_id = id;
        message.action = Action::VoiceStart;
    } else if (message.type == "voice_end") {
        message.action = Action::VoiceEnd;
    } else if (is_dashboard_type(message.type)) {
        std::string error = check_dashboard_payload(message.type, payload);
        if (!error.empty()) return failed(std::move(message), std::move(error));
        message.action = message.type == "voice_text" ? Action::VoiceText : Action::Forward;
    } else if (forwards_type(settings, message.type)) {
        message.action = Action::Forward;
    } else {
        return failed(std::move(message), "Unknown message type: " + message.type);
    }
    return message;
}

std::string reply(std::string_view type, std::string_view payload_json, std::string_view id_json,
                  int64_t timestamp) {
    std::string out = R"({"type":)";
    json::append_escaped(out, type);
    append_member(out, "payload", payload_json);
    if (!id_json.empty()) append_member(out, "id", id_json);
    append_member(out, "timestamp", number_text(timestamp));
    out += '}';
    return out;
}

std::string error_reply(std::string_view message, std::string_view id_json, int64_t timestamp) {
    std::string payload = R"({"message":)";
    json::append_escaped(payload, message);
    payload += '}';
    return reply("error", payload, id_json, timestamp);
}

std::string health_command_payload(size_t clients) {
    return R"({"status":"ok","service":"websocket","clients":)" + std::to_string(clients) + "}";
}

std::string ping_payload() {
    return R"({"pong":true})";
}

std::string status_payload(size_t clients, uint16_t port) {
    return R"({"service":"websocket","status":"running","clients":)" + std::to_string(clients) +
           R"(,"port":)" + std::to_string(port) + "}";
}

void append_event_envelope(std::string& out, std::string_view type, std::string_view data_json,
                           std::string_view id, std::string_view priority, int64_t timestamp) {
    out += R"({"type":)";
    json::append_escaped(out, type);
    out += R"(,"payload":)";
    out += data_json.empty() ? std::string_view("{}") : data_json;
    if (!id.empty()) {
        out += R"(,"id":)";
        json::append_escaped(out, id);
    }
    out += R"(,"priority":)";
    json::append_escaped(out, priority.empty() ? std::string_view("normal") : priority);
    out += R"(,"timestamp":)";
    out += number_text(timestamp);
    out += '}';
}

std::string health_body(std::string_view version, int64_t uptime_seconds, size_t clients,
                        int64_t timestamp) {
    std::string out = R"({"status":"ok","version":)";
    json::append_escaped(out, version);
    append_member(out, "uptime", number_text(uptime_seconds));
    append_member(out, "clients", std::to_string(clients));
    append_member(out, "timestamp", number_text(timestamp));
    out += '}';
    return out;
}

Target event_target(std::string_view scope_json) {
    const sdk::ScopeConn scope = sdk::read_scope_conn(scope_json);
    return Target{scope.valid, scope.conn};
}

std::optional<std::string> event_binary(std::string_view data_json) {
    const std::optional<json::Value> data = json::parse(data_json);
    if (!data) return std::nullopt;
    const json::Value* binary = data->find("binary");
    if (binary == nullptr || !binary->is_string()) return std::nullopt;
    return base64::decode(binary->as_string());
}

std::string binary_inbound_data(std::string_view bytes, std::string_view request_id) {
    std::string out = R"({"binary":")";
    base64::append_encoded(out, bytes);
    out += R"(","requestId":)";
    json::append_escaped(out, request_id);
    out += '}';
    return out;
}

std::string closed_voice_end_data(std::string_view request_id, int64_t timestamp,
                                  std::string_view reason) {
    std::string out = R"({"type":"voice_end","payload":{"requestId":)";
    json::append_escaped(out, request_id);
    out += R"(,"reason":)";
    json::append_escaped(out, reason);
    out += R"(},"timestamp":)";
    out += number_text(timestamp);
    out += '}';
    return out;
}

std::string inbound_scope(uint64_t conn, std::string_view request_id) {
    std::string out = R"({"conn":")" + std::to_string(conn) + '"';
    if (!request_id.empty())
        append_member(out, "requestId", [&] {
            std::string quoted;
            json::append_escaped(quoted, request_id);
            return quoted;
        }());
    out += '}';
    return out;
}

} // namespace switchyard::jarvis

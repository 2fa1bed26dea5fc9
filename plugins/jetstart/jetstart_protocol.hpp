// JetStart's core wire formats (seed 003, PROTOCOLS.md "jetstart"): the client messages a
// device sends on the core socket, validated field by field; the error, connected and
// log messages the plugin answers with; and the server message a bus event becomes,
// `{"type", "timestamp", "sessionId", ...data}`, spliced from the event's JSON text without
// a DOM (a core:dex-reload carries tens of MiB of base64). Pure functions; no host calls.
#pragma once

#include <switchyard/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard::jetstart {

// The bus stream the plugin serves, and where device messages go for the backend.
inline constexpr std::string_view kStream = "jetstart";
inline constexpr std::string_view kInboundTopic = "inbound/jetstart";

// The close codes and reasons of the core handshake.
inline constexpr uint16_t kSessionMismatchCode = 4001;
inline constexpr std::string_view kSessionMismatchReason = "Session mismatch — rescan QR code";
inline constexpr uint16_t kTokenMismatchCode = 4002;
inline constexpr std::string_view kTokenMismatchReason = "Token mismatch — rescan QR code";
inline constexpr uint16_t kPolicyViolationCode = 1008;

// Which kind of message a device sent.
enum class ClientType {
    Connect,
    Status,
    Log,
    Heartbeat,
    Disconnect,
    Click,
    Pong,    // the hot-reload runtime's answer to a server `ping`: ignored
    Unknown, // any other type: answered with an error, never fatal
};

// One validated (or refused) client message.
struct ClientMessage {
    // Whether it parsed as a JSON object with a string `type`.
    bool parsed = false;
    ClientType type = ClientType::Unknown;
    // The message's type as sent ("client:log"); empty when not parsed.
    std::string type_name;
    // Empty when valid; else what is wrong ("log.level must be one of ...").
    std::string problem;
    // client:connect: what it carries.
    std::optional<std::string> session_id;
    std::optional<std::string> token;
    // client:connect: deviceInfo.platform when present ("android" | "web").
    std::string platform;
    // client:log: the LogEntry's JSON text, as sent (compact or not).
    std::string log_json;
};

// Reads and validates one core client message (JSON text). Bounded in depth and DOM size.
// Every field the seed lists is checked for its type when present; required ones must be
// there; `timestamp` is optional everywhere (the shipping clients send none), and
// client:connect's token and deviceInfo too (the runtime sends neither).
ClientMessage read_client_message(std::string_view payload);

// Checks a LogEntry object (client:log's `log`, a logs socket `log`): id, timestamp, level,
// tag, message, source required with their types and enums; sessionId a string and
// metadata an object when present. Empty when valid; else the problem, named from
// `prefix` ("log.").
std::string check_log_entry(const json::Value& entry, std::string_view prefix);

// Whether the string is one of the seed's enums.
bool is_log_level(std::string_view level);
bool is_log_source(std::string_view source);
bool is_session_status(std::string_view status);
bool is_platform(std::string_view platform);
bool is_architecture(std::string_view architecture);

// `{"type":"core:connected","timestamp":T,"sessionId":S,"projectName":P}`.
std::string connected_message(int64_t timestamp, std::string_view session_id,
                              std::string_view project_name);
// The error answered to a refused client message: the shape of core:build-error,
// `{"type":"core:error","timestamp":T,"sessionId":S,"error":E,"details":{"type":<the
// client message's type or null>}}`; without sessionId when `session_id` is empty (a
// socket not authenticated yet).
std::string error_message(int64_t timestamp, std::string_view session_id, std::string_view error,
                          std::string_view client_type);
// `{"type":"core:log","timestamp":T,"sessionId":S,"log":<log_json>}`.
std::string log_message(int64_t timestamp, std::string_view session_id, std::string_view log_json);
// `{"type":"core:disconnect","timestamp":T,"reason":R}`.
std::string disconnect_message(int64_t timestamp, std::string_view reason);

// Appends the server message a bus event becomes: `{"type":type,"timestamp":ts,
// "sessionId":session, ...members of data}`, where data members named type, timestamp or
// sessionId are dropped (the server's always win) and every other member is copied as
// published. Data that is not an object becomes the member "data". The bus hands out
// valid JSON only; returns false (out unchanged) when data is not.
bool append_server_message(std::string& out, std::string_view type, int64_t timestamp,
                           std::string_view session_id, std::string_view data_json);

} // namespace switchyard::jetstart

// ClaudeControl's wire formats (seed 004, PROTOCOLS.md "claudecontrol"): the event a bus
// event becomes, `{"type", "workspaceId"?, ...data}`, spliced from the event's JSON text
// without a DOM; the client messages (subscribe, unsubscribe, permission_response),
// validated field by field; the error event; the HTTP bodies of the auth routes. Pure
// functions; no host calls.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard::claudecontrol {

// The bus stream the plugin serves (subtopic = workspace id), and where client messages
// go for the backend.
inline constexpr std::string_view kStream = "claudecontrol";
inline constexpr std::string_view kInboundTopic = "inbound/claudecontrol";

// The close code and reason of a socket without a valid token (the seed's words).
inline constexpr uint16_t kUnauthorizedCode = 4001;
inline constexpr std::string_view kUnauthorizedReason = "Unauthorized";

// The longest workspace id a client may subscribe to.
inline constexpr size_t kMaxWorkspaceIdBytes = 256;

// The workspace a bus topic names: "claudecontrol/ws_1" -> "ws_1"; nullopt for the bare
// stream (an event for every client).
std::optional<std::string_view> workspace_of_topic(std::string_view topic);

// Appends the event a bus event becomes: `{"type":type[,"workspaceId":workspace],
// ...members of data}`. Data members named type or workspaceId are dropped (the event's
// type and the topic's workspace always win, so a client never sees a workspaceId it is
// not filtered by); every other member is copied as published. Data that is not an object
// becomes the member "data". Returns false (out unchanged) when data is not valid JSON.
bool append_event(std::string& out, std::string_view type,
                  std::optional<std::string_view> workspace, std::string_view data_json);

// The requestId string of a permission_request's data; nullopt when it has none.
std::optional<std::string> permission_request_id(std::string_view data_json);

// What a client sent.
enum class ClientType { Subscribe, Unsubscribe, PermissionResponse, Invalid };

struct ClientMessage {
    ClientType type = ClientType::Invalid;
    // Empty when valid; else what is wrong ("requestId must be a string").
    std::string problem;
    // subscribe: the workspace; unsubscribe: the one named, if any.
    std::string workspace_id;
    // permission_response: the request answered.
    std::string request_id;
};

// Reads and validates one client message (a JSON text), bounded in depth and DOM size:
// subscribe needs a non-empty string workspaceId (at most kMaxWorkspaceIdBytes);
// unsubscribe's workspaceId is optional (a string when present); permission_response
// needs a string requestId and a boolean approved, and updatedInput is an object when
// present. Anything else is Invalid with the problem named.
ClientMessage read_client_message(std::string_view payload);

// The error event a client gets for a message refused:
// `{"type":"error","error":<message>[,"requestId":<id>]}`.
std::string error_event(std::string_view message, std::string_view request_id = {});

// The pin of a login or PIN-change body `{"pin": "<string>"}`; nullopt when the body is
// not such an object (`problem` says why).
std::optional<std::string> read_pin_body(std::string_view body, std::string& problem);

// `{"error":<message>}`.
std::string error_body(std::string_view message);

} // namespace switchyard::claudecontrol

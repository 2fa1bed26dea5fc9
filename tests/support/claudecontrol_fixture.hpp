// What the ClaudeControl tests share (seed 004, PROTOCOLS.md "claudecontrol"): a kernel
// with the claudecontrol plugin on an ephemeral port (and, when asked, a state_dir that
// outlives it, for restarts), the auth routes, clients that open the WebSocket with a
// token, and events published as the backend does (topic claudecontrol[/<workspace>]).
#pragma once

#include "http_client.hpp"
#include "kernel_process.hpp"
#include "sse_client.hpp"
#include "ws_client.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard::test {

// The PIN the tests configure, and its token (SHA-256, lowercase hex).
inline constexpr std::string_view kCcPin = "4321";
inline constexpr std::string_view kCcToken =
    "fe2592b42a727e977f055947385b709cc82b16b9a87f88c6abf3900d65d0cdc3";

// A kernel with [plugins.claudecontrol] enabled on 127.0.0.1:0 and `plugin_lines` (more
// keys of that table, "pin = \"4321\"\n"); [kernel] state_dir = `state_dir` unless empty.
KernelProcess start_claudecontrol(std::string_view plugin_lines = {},
                                  const std::filesystem::path& state_dir = {});

// The plugin's bound port.
uint16_t claudecontrol_port(const KernelProcess& kernel);

// An HTTP client of the plugin's endpoint.
HttpClient claudecontrol_http(const KernelProcess& kernel);

// POST /api/auth/login {"pin": pin}.
HttpResponse login(const KernelProcess& kernel, std::string_view pin);

// The "token" of a 200 login; throws std::runtime_error naming the answer otherwise.
std::string login_token(const KernelProcess& kernel, std::string_view pin);

// PUT /api/settings/pin {"pin": pin} with `token` as Bearer (none when empty).
HttpResponse set_pin(const KernelProcess& kernel, std::string_view pin, std::string_view token);

// DELETE /api/settings/pin with `token` as Bearer (none when empty).
HttpResponse remove_pin(const KernelProcess& kernel, std::string_view token);

// Opens the WebSocket at "/?token=<token>" ("/" when the token is empty); the upgrade
// must succeed (the plugin closes an unauthorized socket after it).
WsClient open_claudecontrol(const KernelProcess& kernel, std::string_view token = {});

// Opens a client, sends `{"type":"subscribe","workspaceId":workspace}` and syncs.
WsClient open_subscribed(const KernelProcess& kernel, std::string_view token,
                         std::string_view workspace);

// Waits until the plugin has handled every message `client` sent so far: sends a message
// of an unknown type and reads up to its error event (one connection's messages are
// handled in order). Events before the error are skipped.
void sync_client(WsClient& client);

// Publishes one event: topic "claudecontrol" (workspace empty) or
// "claudecontrol/<workspace>", `type`, `data_json` (an object text). Returns its seq.
uint64_t publish_claudecontrol(const KernelProcess& kernel, std::string_view workspace,
                               std::string_view type, std::string_view data_json = "{}");

// The next event a client gets whose type is `type` (others skipped); throws
// std::runtime_error when none comes within `timeout`.
boost::json::object next_of_type(WsClient& client, std::string_view type,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(10));

// The next inbound event whose topic is inbound/claudecontrol, as an object; throws
// when none comes within `timeout`.
boost::json::object next_claudecontrol_inbound(
    SseClient& feed, std::chrono::milliseconds timeout = std::chrono::seconds(10));

} // namespace switchyard::test

// What the JetStart tests share (seed 003, PROTOCOLS.md "jetstart"): a kernel with the
// jetstart plugin on three ephemeral endpoints (core, logs, http), devices that pass the
// core socket's client:connect, and server messages published as the backend does
// (topic "jetstart", type = the core:* type, data an object).
#pragma once

#include "kernel_process.hpp"
#include "sse_client.hpp"
#include "ws_client.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace switchyard::test {

// The session and token the tests configure (any config-given secret is accepted).
inline constexpr std::string_view kJetSession = "sess0123456789abcdef0123456789ab";
inline constexpr std::string_view kJetToken = "tok0fedcba9876543210fedcba98765";

// A [plugins.jetstart] table with listen = { core, logs, http } on 127.0.0.1:0, then
// `extra_lines`; session_id and token set to kJetSession / kJetToken unless
// `with_secrets` is false (the plugin then generates them).
std::string jetstart_table(std::string_view extra_lines = {}, bool with_secrets = true);

// A kernel with that table and `more_toml` after it (e.g. "[bus]\nreplay = 1\n").
KernelProcess start_jetstart(std::string_view extra_lines = {}, bool with_secrets = true,
                             std::string_view more_toml = {});

// The bound ports of the three endpoints.
uint16_t core_port(const KernelProcess& kernel);
uint16_t logs_port(const KernelProcess& kernel);
uint16_t http_port(const KernelProcess& kernel);

// The seed's full client:connect text (timestamp, sessionId, token, an android deviceInfo).
std::string seed_connect(std::string_view session = kJetSession,
                         std::string_view token = kJetToken);

// Opens the core socket at "/", sends `connect_text` and requires core:connected; returns
// the authenticated device. Throws std::runtime_error saying what came instead.
WsClient open_device(const KernelProcess& kernel, const std::string& connect_text = seed_connect());

// The next text message as a JSON object; throws std::runtime_error saying what came
// instead (no message, the connection ended, not an object).
boost::json::object next_object(WsClient& client,
                                std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Publishes one server message for the devices: topic "jetstart", `type`, `data_json` (an
// object text). Returns its seq.
uint64_t publish_jetstart(const KernelProcess& kernel, std::string_view type,
                          std::string_view data_json = "{}");

// The control API's SSE feed of stream `inbound` from its first event on.
SseClient jetstart_inbound_feed(const KernelProcess& kernel);
// The next inbound event whose topic is inbound/jetstart, as an object; throws when none
// comes within `timeout`.
boost::json::object next_jetstart_inbound(
    SseClient& feed, std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Milliseconds since the epoch now.
int64_t wall_ms();

} // namespace switchyard::test

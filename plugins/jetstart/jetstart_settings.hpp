// The jetstart plugin's config: the keys of [plugins.jetstart] that belong to the protocol.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace switchyard::jetstart {

// What [plugins.jetstart] configures; the names follow seed 003's terms.
struct JetstartSettings {
    // The session a device must name in client:connect (else close 4001). Empty in the
    // config: generated at start (128 random bits, hex); kept across reloads.
    std::string session_id;
    // The token a device must present when it sends one (else close 4002). Empty in the
    // config: generated at start (128 random bits, hex); kept across reloads.
    std::string token;
    // True: a client:connect without a token is refused with 4002 too. False (default):
    // accepted, because the shipping hot-reload runtime sends none (the session id is
    // itself a 128-bit secret).
    bool require_token = false;
    // What core:connected says as projectName, and what the QR code carries.
    std::string project_name = "JetStart Project";
    // How long a new core socket may take to send client:connect (else close 1008).
    uint32_t connect_timeout_ms = 10'000;
    // The heartbeat interval devices use (seed: 30 s). A device silent for more than two
    // intervals is dropped and reported on inbound/jetstart.
    uint32_t heartbeat_interval_ms = 30'000;
    // The largest server message (core:dex-reload, core:js-update, ...) the plugin sends;
    // a larger one is not sent, and logged.
    uint64_t max_message_bytes = uint64_t{32} << 20;
    // Stored log entries (the logs socket's ring).
    uint32_t max_log_entries = 10'000;
    // The folder GET /download/<file> serves (absolute). Empty: /download answers 404.
    std::string artifact_dir;
    // The host a device connects to, put in the QR code and the logged address: the
    // machine's LAN address when devices are phones. Empty: "localhost". The plugin
    // never guesses it (no network I/O, and the kernel keeps `listen` to itself).
    std::string advertised_host;
    // The ports the QR code names (the companion app's "port|wsPort"): 0 means the
    // default listen ports, 8765 and 8766.
    uint32_t advertised_http_port = 0;
    uint32_t advertised_ws_port = 0;
    // The kernel's key, read here too: one core connection's write queue bound.
    uint64_t max_queued_bytes = 0;
    // Set when session_id / token were generated, not configured (for the log).
    bool session_generated = false;
    bool token_generated = false;
};

// Parses the plugin's config (a JSON object text; empty means {}). Kernel keys pass
// (sdk::is_kernel_config_key).
// Throws std::invalid_argument naming the key for a wrong type or range or an unknown key.
// session_id and token stay empty when not configured (see fill_generated_secrets).
JetstartSettings parse_settings(std::string_view config_json);

// 128 random bits as 32 lowercase hex digits, from getrandom(2) with GRND_NONBLOCK (never
// blocks; throws std::runtime_error when the kernel's pool is not ready or the call fails).
std::string random_secret();

} // namespace switchyard::jetstart

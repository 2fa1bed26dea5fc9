// The deployment's configuration: what the kernel runs with, read from one TOML file
// (config/switchyard.toml documents every key). A file with any mistake is refused whole,
// so the kernel never starts on a half-understood config.
#pragma once

#include "config/config_error.hpp"
#include "config/listen_address.hpp"
#include "net/tls_files.hpp"
#include "net/upstream_target.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard {

// One endpoint's listen address. An empty endpoint name means the plugin's single (or
// first) endpoint: `listen = "127.0.0.1:3142"` in the file.
struct EndpointListen {
    std::string endpoint;
    ListenAddress address;
};

// The keys of a [plugins.<name>] table that the kernel reads for each of the plugin's
// endpoints. They also stay in settings_json, for a plugin that reads them too (jarvis
// reads the keepalive pair); sdk::is_kernel_config_key names them.
struct EndpointConnectionSettings {
    uint32_t max_connections = 0;             // per endpoint; 0 = only the kernel's cap
    uint32_t max_connections_per_address = 0; // per endpoint and client address; 0 = none
    uint32_t ping_interval_ms = 30000;        // default keepalive of a WebSocket; 0 = off
    uint32_t pong_timeout_ms = 10000;         // 0 = never drop for a missing pong
};

// A [plugins.<name>] table.
struct PluginConfig {
    std::string name;
    bool enabled = false;
    std::string library;                // "" = <plugin_dir>/<name>.so
    std::vector<EndpointListen> listen; // empty: the plugin's declared defaults
    std::string settings_json;          // every other key as a JSON object; "{}" if none
    EndpointConnectionSettings connections;
    int line = 0; // line of the [plugins.<name>] table, for messages
    // Bytes that may wait in one connection's write queue, for every endpoint of the
    // plugin; 0: what the plugin declares (sy_endpoint_v1.max_queued_bytes), else twice
    // the endpoint's largest message, at least 1 MiB.
    uint64_t max_queued_bytes = 0;
    // The product's own backend: requests no route of the plugin serves (and those on
    // its upstream routes) go there. Keys upstream, upstream_connect_timeout_ms and
    // upstream_timeout_ms; the kernel's alone (not handed to the plugin).
    std::optional<UpstreamTarget> upstream;
    // tls = { cert = "...", key = "..." }: every endpoint of the plugin serves TLS. The
    // kernel's alone (not handed to the plugin); paths resolved by load_config.
    std::optional<TlsFiles> tls;
};

// [kernel]
struct KernelSettings {
    unsigned workers = 0;   // 0 = one per core
    std::string plugin_dir; // "" = next to the binary (resolved by main)
    // Where plugins' state is kept (<state_dir>/<plugin name>/<key>). Default: the
    // STATE_DIRECTORY environment variable (systemd's StateDirectory=), else "state" next
    // to the config file. "" = the kernel keeps no state (state_save is unsupported).
    std::string state_dir;
    bool hot_reload = false;
    std::string log_level = "info";
    // "text" (one human-readable line per event) or "json" (one JSON object per line,
    // for log shippers: kernel/log/json_log_line.hpp).
    std::string log_format = "text";
    // A plugin hook running longer than this is logged and counted (0: never).
    uint64_t slow_hook_ms = 100;
    // Connections open at once over every plugin endpoint; 0 = derived from the
    // open-file limit at start (see Server::start).
    uint32_t max_connections = 0;
    // How long a client may take to send a whole request, or the rest of a WebSocket
    // frame it started.
    uint32_t io_timeout_ms = 30000;
};

// [control]: the operator's HTTP API.
struct ControlSettings {
    ListenAddress listen{"127.0.0.1", 7700};
    std::string token; // "" = loopback peers only
    uint64_t max_body_bytes = 64ull << 20;
    uint32_t max_connections = 1024; // its own cap, outside the kernel's; 0 = none
    std::optional<TlsFiles> tls;     // tls = { cert, key }: HTTPS; paths resolved by load_config
};

// [bus.streams.<name>]: one stream's replay limits; a key left out takes [bus]'s.
struct StreamReplaySettings {
    uint64_t replay = 0;
    uint64_t replay_bytes = 0;
    bool operator==(const StreamReplaySettings&) const = default;
};

// [bus]
struct BusSettings {
    std::string engine = "memory";        // "memory" or "redis"
    uint64_t replay = 1000;               // events kept per stream for replay
    uint64_t replay_bytes = 256ull << 20; // at most this much memory per stream's ring
    std::string redis_url = "redis://127.0.0.1:6379";
    std::string redis_key_prefix = "switchyard"; // every key the redis engine uses starts so
    uint64_t redis_timeout_ms = 1000;            // connect, log-in and reply deadline
    // Streams with limits of their own (resolved: both fields set), by stream name.
    std::map<std::string, StreamReplaySettings, std::less<>> streams;
};

// The whole file; every key is optional and defaults to the values above.
struct Config {
    KernelSettings kernel;
    ControlSettings control;
    BusSettings bus;
    std::vector<PluginConfig> plugins; // in name order
    std::string source;                // the file's path, or the name it was parsed under
};

// Parses and validates TOML text; `source_name` names it in errors and in Config::source.
// Paths (plugin_dir, library, plugin keys ending in _dir) are kept as written. Throws
// ConfigError on a syntax error, an unknown key, a wrong type or a value out of range.
Config parse_config(std::string_view toml_text, const std::string& source_name);

// The state_dir a config without one gets: $STATE_DIRECTORY (its first path, when systemd
// lists several), else "state".
std::string default_state_dir();

// Reads and parses the file at `path`; a relative plugin_dir, state_dir or library, and a relative
// string value of a plugin key whose name ends in _dir (a folder the plugin reads, such
// as jarvis' dashboard_dir), are resolved against the file's directory. Throws
// ConfigError, also when the file cannot be read (line 0, empty key).
Config load_config(const std::filesystem::path& path);

} // namespace switchyard

#include "config/config.hpp"

#include "bus/event.hpp"
#include "bus/redis_url.hpp"
#include "config/toml_to_json.hpp"
#include "net/follow_url.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>

namespace switchyard {

namespace {

const char* describe_type(toml::node_type type) {
    switch (type) {
        case toml::node_type::string: return "a string";
        case toml::node_type::integer: return "an integer";
        case toml::node_type::floating_point: return "a float";
        case toml::node_type::boolean: return "a boolean";
        case toml::node_type::date: return "a date";
        case toml::node_type::time: return "a time";
        case toml::node_type::date_time: return "a date-time";
        case toml::node_type::array: return "an array";
        case toml::node_type::table: return "a table";
        case toml::node_type::none: break;
    }
    return "nothing";
}

constexpr std::array log_levels{"trace", "debug", "info", "warn", "error", "critical", "off"};
constexpr std::array bus_engines{"memory", "redis"};
constexpr std::array log_formats{"text", "json"};

template <size_t N>
bool is_one_of(const std::string& value, const std::array<const char*, N>& allowed) {
    return std::any_of(allowed.begin(), allowed.end(),
                       [&](const char* candidate) { return value == candidate; });
}

template <size_t N>
std::string list_of(const std::array<const char*, N>& allowed) {
    std::string text;
    for (const char* candidate : allowed) {
        if (!text.empty()) text += ", ";
        text += candidate;
    }
    return text;
}

// ^[a-z][a-z0-9_]*$: the name is also a file name and a bus stream name.
bool is_valid_plugin_name(std::string_view name) {
    if (name.empty() || name.front() < 'a' || name.front() > 'z') return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

// Paths in the file mean the same thing whatever directory the kernel is started from.
void resolve_against(const std::filesystem::path& base, std::string& path) {
    if (path.empty() || std::filesystem::path(path).is_absolute()) return;
    path = (base / path).lexically_normal().string();
}

// Walks the parsed document once, checking every key against the schema; the first
// mistake throws, naming its place in the file.
class ConfigReader {
  public:
    // `base`: the folder relative paths in plugin tables are taken from; empty keeps them
    // as written.
    ConfigReader(std::string file, std::filesystem::path base)
        : file_(std::move(file)), base_(std::move(base)) {}

    Config read(const toml::table& root) {
        Config config;
        config.source = file_;
        config.kernel.state_dir = default_state_dir();
        for (const auto& [key, node] : root) {
            std::string name{key.str()};
            if (name == "kernel") read_kernel(expect_table(node, name), config.kernel);
            else if (name == "control") read_control(expect_table(node, name), config.control);
            else if (name == "bus") read_bus(expect_table(node, name), config.bus);
            else if (name == "plugins") read_plugins(expect_table(node, name), config.plugins);
            else fail_unknown(key, name);
        }
        return config;
    }

  private:
    [[noreturn]] void fail(const toml::source_region& where, const std::string& key,
                           std::string reason) const {
        throw ConfigError(file_, static_cast<int>(where.begin.line),
                          static_cast<int>(where.begin.column), key, std::move(reason));
    }

    [[noreturn]] void fail_unknown(const toml::key& key, const std::string& dotted) const {
        fail(key.source(), dotted, "unknown key");
    }

    [[noreturn]] void fail_type(const toml::node& node, const std::string& key,
                                const char* expected) const {
        fail(node.source(), key,
             std::string("expected ") + expected + ", got " + describe_type(node.type()));
    }

    const toml::table& expect_table(const toml::node& node, const std::string& key) const {
        if (const auto* table = node.as_table()) return *table;
        fail_type(node, key, "a table");
    }

    std::string expect_string(const toml::node& node, const std::string& key) const {
        if (auto value = node.value_exact<std::string>()) return *value;
        fail_type(node, key, "a string");
    }

    bool expect_bool(const toml::node& node, const std::string& key) const {
        if (auto value = node.value_exact<bool>()) return *value;
        fail_type(node, key, "a boolean");
    }

    int64_t expect_integer(const toml::node& node, const std::string& key, int64_t min,
                           int64_t max) const {
        auto value = node.value_exact<int64_t>();
        if (!value) fail_type(node, key, "an integer");
        if (*value < min || *value > max) {
            std::string range =
                max == std::numeric_limits<int64_t>::max()
                    ? "at least " + std::to_string(min)
                    : "between " + std::to_string(min) + " and " + std::to_string(max);
            fail(node.source(), key, "out of range, must be " + range);
        }
        return *value;
    }

    uint32_t expect_uint32(const toml::node& node, const std::string& key, int64_t min) const {
        return static_cast<uint32_t>(
            expect_integer(node, key, min, std::numeric_limits<uint32_t>::max()));
    }

    template <size_t N>
    std::string expect_one_of(const toml::node& node, const std::string& key,
                              const std::array<const char*, N>& allowed) const {
        std::string value = expect_string(node, key);
        if (!is_one_of(value, allowed))
            fail(node.source(), key,
                 "expected one of " + list_of(allowed) + ", got \"" + value + "\"");
        return value;
    }

    ListenAddress expect_address(const toml::node& node, const std::string& key) const {
        std::string reason;
        if (auto address = parse_listen_address(expect_string(node, key), &reason)) return *address;
        fail(node.source(), key, reason);
    }

    void read_kernel(const toml::table& table, KernelSettings& kernel) const {
        for (const auto& [key, node] : table) {
            std::string name{key.str()};
            std::string dotted = "kernel." + name;
            if (name == "workers")
                kernel.workers = static_cast<unsigned>(expect_integer(node, dotted, 0, 256));
            else if (name == "plugin_dir") kernel.plugin_dir = expect_string(node, dotted);
            else if (name == "state_dir") kernel.state_dir = expect_string(node, dotted);
            else if (name == "hot_reload") kernel.hot_reload = expect_bool(node, dotted);
            else if (name == "log_level")
                kernel.log_level = expect_one_of(node, dotted, log_levels);
            else if (name == "log_format")
                kernel.log_format = expect_one_of(node, dotted, log_formats);
            else if (name == "slow_hook_ms")
                kernel.slow_hook_ms =
                    static_cast<uint64_t>(expect_integer(node, dotted, 0, 3'600'000));
            else if (name == "max_connections")
                kernel.max_connections = expect_uint32(node, dotted, 0);
            else if (name == "io_timeout_ms") kernel.io_timeout_ms = expect_uint32(node, dotted, 1);
            else fail_unknown(key, dotted);
        }
    }

    void read_control(const toml::table& table, ControlSettings& control) const {
        constexpr int64_t unlimited = std::numeric_limits<int64_t>::max();
        for (const auto& [key, node] : table) {
            std::string name{key.str()};
            std::string dotted = "control." + name;
            if (name == "listen") control.listen = expect_address(node, dotted);
            else if (name == "token") control.token = expect_string(node, dotted);
            else if (name == "max_body_bytes")
                control.max_body_bytes =
                    static_cast<uint64_t>(expect_integer(node, dotted, 1, unlimited));
            else if (name == "max_connections")
                control.max_connections = expect_uint32(node, dotted, 0);
            else if (name == "tls") control.tls = read_tls(node, dotted);
            else fail_unknown(key, dotted);
        }
    }

    void read_bus(const toml::table& table, BusSettings& bus) const {
        for (const auto& [key, node] : table) {
            std::string name{key.str()};
            std::string dotted = "bus." + name;
            if (name == "engine") bus.engine = expect_one_of(node, dotted, bus_engines);
            else if (name == "replay")
                bus.replay = static_cast<uint64_t>(expect_integer(node, dotted, 1, 1'000'000));
            else if (name == "replay_bytes")
                bus.replay_bytes = static_cast<uint64_t>(
                    expect_integer(node, dotted, 1 << 20, std::numeric_limits<int64_t>::max()));
            else if (name == "redis_url") bus.redis_url = expect_redis_url(node, dotted);
            else if (name == "redis_key_prefix")
                bus.redis_key_prefix = expect_key_prefix(node, dotted);
            else if (name == "redis_timeout_ms")
                bus.redis_timeout_ms =
                    static_cast<uint64_t>(expect_integer(node, dotted, 50, 60000));
            else if (name == "streams") read_bus_streams(expect_table(node, dotted), bus.streams);
            else fail_unknown(key, dotted);
        }
        // A stream's key left out takes [bus]'s, wherever in the file that was set.
        for (auto& [stream, limits] : bus.streams) {
            if (limits.replay == 0) limits.replay = bus.replay;
            if (limits.replay_bytes == 0) limits.replay_bytes = bus.replay_bytes;
        }
    }

    // [bus.streams.<name>]: replay and replay_bytes for one stream.
    void read_bus_streams(const toml::table& table,
                          std::map<std::string, StreamReplaySettings, std::less<>>& streams) const {
        for (const auto& [key, node] : table) {
            std::string stream{key.str()};
            std::string dotted = "bus.streams." + stream;
            if (!is_valid_topic(stream) || stream_of(stream) != stream) {
                fail(key.source(), dotted, "not a stream name (letters, digits, '_' and '-')");
            }
            StreamReplaySettings& limits = streams[stream];
            for (const auto& [limit_key, limit] : expect_table(node, dotted)) {
                std::string name{limit_key.str()};
                std::string limit_dotted = dotted + "." + name;
                if (name == "replay") {
                    limits.replay =
                        static_cast<uint64_t>(expect_integer(limit, limit_dotted, 1, 1'000'000));
                } else if (name == "replay_bytes") {
                    limits.replay_bytes = static_cast<uint64_t>(expect_integer(
                        limit, limit_dotted, 1 << 20, std::numeric_limits<int64_t>::max()));
                } else {
                    fail_unknown(limit_key, limit_dotted);
                }
            }
        }
    }

    // Checked even with engine = "memory", so a wrong URL is found before the day the
    // engine is switched.
    std::string expect_redis_url(const toml::node& node, const std::string& key) const {
        std::string url = expect_string(node, key);
        const auto parsed = parse_redis_url(url);
        if (const auto* error = std::get_if<std::string>(&parsed)) fail(node.source(), key, *error);
        return url;
    }

    // Redis key names are built from it ("<prefix>:s:<stream>"): a plain word keeps them
    // readable in redis-cli and free of the separator's ambiguity.
    std::string expect_key_prefix(const toml::node& node, const std::string& key) const {
        std::string prefix = expect_string(node, key);
        const bool plain = !prefix.empty() && prefix.size() <= 64 &&
                           std::all_of(prefix.begin(), prefix.end(), [](char c) {
                               return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
                                      c == '-' || c == '.';
                           });
        if (!plain) fail(node.source(), key, "must be 1 to 64 of A-Z a-z 0-9 _ - .");
        return prefix;
    }

    void read_plugins(const toml::table& table, std::vector<PluginConfig>& plugins) const {
        for (const auto& [key, node] : table) {
            std::string name{key.str()};
            std::string dotted = "plugins." + name;
            if (!is_valid_plugin_name(name))
                fail(key.source(), dotted,
                     "plugin name must match ^[a-z][a-z0-9_]*$ (lowercase letters, digits, _)");
            plugins.push_back(read_plugin(name, expect_table(node, dotted)));
        }
    }

    PluginConfig read_plugin(const std::string& name, const toml::table& table) const {
        PluginConfig plugin;
        plugin.name = name;
        plugin.line = static_cast<int>(table.source().begin.line);
        std::string prefix = "plugins." + name;
        std::string settings = "{";
        UpstreamTarget upstream;
        const toml::node* upstream_timeout = nullptr; // a time-out without an upstream
        for (const auto& [setting, node] : table) {
            std::string setting_name{setting.str()};
            std::string dotted = prefix + "." + setting_name;
            if (setting_name == "enabled") plugin.enabled = expect_bool(node, dotted);
            else if (setting_name == "upstream") {
                read_upstream_url(node, dotted, upstream);
                plugin.upstream = upstream;
            } else if (setting_name == "upstream_connect_timeout_ms") {
                upstream.connect_timeout =
                    std::chrono::milliseconds(expect_uint32(node, dotted, 1));
                upstream_timeout = &node;
            } else if (setting_name == "upstream_timeout_ms") {
                upstream.response_timeout =
                    std::chrono::milliseconds(expect_uint32(node, dotted, 1));
                upstream_timeout = &node;
            } else if (setting_name == "tls") {
                plugin.tls = read_tls(node, dotted);
            } else if (setting_name == "library") plugin.library = expect_string(node, dotted);
            else if (setting_name == "listen") plugin.listen = read_plugin_listen(node, dotted);
            else if (setting_name == "listening")
                fail(node.source(), dotted,
                     "reserved: the kernel hands the plugin its endpoints' bound addresses "
                     "under this key");
            else if (setting_name == "max_queued_bytes") {
                plugin.max_queued_bytes = static_cast<uint64_t>(
                    expect_integer(node, dotted, 1, std::numeric_limits<int64_t>::max()));
                // Handed on too: a plugin sizing what it queues at once (a replay) needs
                // the bound its connections really have.
                append_setting(settings, setting_name, node, dotted);
            } else {
                read_connection_setting(setting_name, node, dotted, plugin.connections);
                append_setting(settings, setting_name, node, dotted);
            }
        }
        plugin.settings_json = settings + "}";
        if (plugin.upstream) {
            plugin.upstream->connect_timeout = upstream.connect_timeout;
            plugin.upstream->response_timeout = upstream.response_timeout;
        } else if (upstream_timeout != nullptr) {
            fail(upstream_timeout->source(), prefix,
                 "an upstream time-out is set but no upstream = \"http://host:port\"");
        }
        return plugin;
    }

    // tls = { cert = "cert.pem", key = "key.pem" }: both files, nothing else. Whether
    // they load is checked where the listener is made (and by --check-config).
    TlsFiles read_tls(const toml::node& node, const std::string& dotted) const {
        const auto* table = node.as_table();
        if (!table) fail_type(node, dotted, "a table { cert = \"...\", key = \"...\" }");
        TlsFiles files;
        for (const auto& [key, value] : *table) {
            std::string name{key.str()};
            std::string inner = dotted + "." + name;
            std::string* field = name == "cert"  ? &files.cert
                                 : name == "key" ? &files.key
                                                 : nullptr;
            if (field == nullptr) fail_unknown(key, inner);
            *field = expect_string(value, inner);
            if (field->empty()) fail(value.source(), inner, "empty path");
        }
        if (files.cert.empty()) fail(node.source(), dotted, "cert = \"<PEM file>\" is missing");
        if (files.key.empty()) fail(node.source(), dotted, "key = \"<PEM file>\" is missing");
        return files;
    }

    // upstream = "http://host:port": requests keep their own path and query, so the url
    // names none (nginx's proxy_pass without a URI).
    void read_upstream_url(const toml::node& node, const std::string& dotted,
                           UpstreamTarget& upstream) const {
        const std::string url = expect_string(node, dotted);
        std::string why;
        const auto parsed = parse_follow_url(url, why);
        if (!parsed) fail(node.source(), dotted, "not an http://host:port url: " + why);
        if (parsed->target != "/")
            fail(node.source(), dotted,
                 "must be http://host:port without a path or query: requests keep their own");
        upstream.url = url;
        upstream.host = parsed->host;
        upstream.port = parsed->port;
        upstream.host_header = parsed->host_header;
    }

    // The plugin-table keys the kernel reads itself (and still hands to the plugin).
    void read_connection_setting(const std::string& name, const toml::node& node,
                                 const std::string& dotted,
                                 EndpointConnectionSettings& connections) const {
        uint32_t* field = nullptr;
        if (name == "max_connections") field = &connections.max_connections;
        else if (name == "max_connections_per_address")
            field = &connections.max_connections_per_address;
        else if (name == "ping_interval_ms") field = &connections.ping_interval_ms;
        else if (name == "pong_timeout_ms") field = &connections.pong_timeout_ms;
        if (field == nullptr) return;
        const auto value = node.value_exact<int64_t>();
        if (!value || *value < 0 || *value > std::numeric_limits<uint32_t>::max()) {
            // Quoted like a plugin names its keys: the message reads the same whichever
            // side refuses it.
            fail(node.source(), dotted,
                 "'" + name + "' must be an integer from 0 to 4294967295 (0 = " +
                     (name.starts_with("max_") ? "no cap" : "off") + ")");
        }
        *field = static_cast<uint32_t>(*value);
    }

    void append_setting(std::string& settings, const std::string& name, const toml::node& node,
                        const std::string& dotted) const {
        if (settings.size() > 1) settings += ',';
        append_json_string(settings, name);
        settings += ':';
        // A plugin does not know where the file is, so the kernel resolves its folders: a
        // key named *_dir (jarvis' dashboard_dir) is a path by convention.
        const auto text = node.value_exact<std::string>();
        if (!base_.empty() && text && name.ends_with("_dir")) {
            std::string path = *text;
            resolve_against(base_, path);
            append_json_string(settings, path);
            return;
        }
        append_json(settings, node, file_, dotted);
    }

    // `listen = "host:port"` for a plugin's single endpoint, or a table of endpoint name
    // to address for a plugin with several.
    std::vector<EndpointListen> read_plugin_listen(const toml::node& node,
                                                   const std::string& key) const {
        if (node.is_string()) return {EndpointListen{"", expect_address(node, key)}};
        const auto* table = node.as_table();
        if (!table) fail_type(node, key, "an address string or a table of endpoint addresses");
        std::vector<EndpointListen> listen;
        for (const auto& [endpoint, address] : *table) {
            std::string endpoint_name{endpoint.str()};
            std::string dotted = key + "." + endpoint_name;
            if (endpoint_name.empty()) fail(endpoint.source(), dotted, "empty endpoint name");
            listen.push_back(EndpointListen{endpoint_name, expect_address(address, dotted)});
        }
        return listen;
    }

    std::string file_;
    std::filesystem::path base_;
};

std::string read_whole_file(const std::filesystem::path& path) {
    auto fail = [&](int error) {
        throw ConfigError(path.string(), 0, 0, "",
                          std::string("cannot read the file: ") + std::strerror(error));
    };
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                         &std::fclose);
    if (!file) fail(errno);
    std::string text;
    char buffer[8192];
    size_t count = 0;
    while ((count = std::fread(buffer, 1, sizeof buffer, file.get())) > 0)
        text.append(buffer, count);
    if (std::ferror(file.get())) fail(errno);
    return text;
}

} // namespace

namespace {

Config parse_config_under(std::string_view toml_text, const std::string& source_name,
                          const std::filesystem::path& base) {
    toml::table root;
    try {
        root = toml::parse(toml_text, source_name);
    } catch (const toml::parse_error& error) {
        const auto& where = error.source().begin;
        throw ConfigError(source_name, static_cast<int>(where.line), static_cast<int>(where.column),
                          "", std::string(error.description()));
    }
    return ConfigReader(source_name, base).read(root);
}

} // namespace

std::string default_state_dir() {
    const char* systemd = std::getenv("STATE_DIRECTORY");
    if (systemd == nullptr || *systemd == '\0') return "state";
    const std::string_view paths(systemd);
    return std::string(paths.substr(0, paths.find(':')));
}

Config parse_config(std::string_view toml_text, const std::string& source_name) {
    return parse_config_under(toml_text, source_name, {});
}

Config load_config(const std::filesystem::path& path) {
    const std::filesystem::path base = std::filesystem::absolute(path).parent_path();
    Config config = parse_config_under(read_whole_file(path), path.string(), base);
    resolve_against(base, config.kernel.plugin_dir);
    resolve_against(base, config.kernel.state_dir);
    for (auto& plugin : config.plugins) resolve_against(base, plugin.library);
    auto resolve_tls = [&](std::optional<TlsFiles>& tls) {
        if (!tls) return;
        resolve_against(base, tls->cert);
        resolve_against(base, tls->key);
    };
    resolve_tls(config.control.tls);
    for (auto& plugin : config.plugins) resolve_tls(plugin.tls);
    return config;
}

} // namespace switchyard

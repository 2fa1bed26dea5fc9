// The config module: defaults, a full file, every kind of refusal with its key, line and
// reason, listen addresses, and the files shipped in config/.
#include "config/config.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <fstream>
#include <map>
#include <optional>

using namespace switchyard;

namespace {

// The error parse_config throws for `text`; fails the test if it does not throw one.
ConfigError config_error_of(std::string_view text) {
    try {
        parse_config(text, "test.toml");
    } catch (const ConfigError& error) {
        return error;
    }
    FAIL("parse_config accepted:\n" << text);
    throw std::logic_error("unreachable");
}

const PluginConfig* find_plugin(const Config& config, std::string_view name) {
    for (const auto& plugin : config.plugins)
        if (plugin.name == name) return &plugin;
    return nullptr;
}

// A scratch directory under the system temp dir, removed with everything in it.
class TempDir {
  public:
    TempDir() {
        static int counter = 0;
        path_ = std::filesystem::temp_directory_path() /
                ("switchyard_config_test_" + std::to_string(::getpid()) + "_" +
                 std::to_string(++counter));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    const std::filesystem::path& path() const { return path_; }

    std::filesystem::path write(const std::string& name, std::string_view text) const {
        auto file = path_ / name;
        std::ofstream(file) << text;
        return file;
    }

  private:
    std::filesystem::path path_;
};

} // namespace

TEST_CASE("an empty config gives every default", "[config]") {
    Config config = parse_config("", "empty.toml");

    CHECK(config.source == "empty.toml");
    CHECK(config.kernel.workers == 0);
    CHECK(config.kernel.plugin_dir.empty());
    CHECK_FALSE(config.kernel.hot_reload);
    CHECK(config.kernel.log_level == "info");
    CHECK(config.control.listen.to_string() == "127.0.0.1:7700");
    CHECK(config.control.token.empty());
    CHECK(config.control.max_body_bytes == 64ull * 1024 * 1024);
    CHECK(config.bus.engine == "memory");
    CHECK(config.bus.replay == 1000);
    CHECK(config.bus.replay_bytes == 256u << 20);
    CHECK(config.bus.redis_url == "redis://127.0.0.1:6379");
    CHECK(config.bus.redis_key_prefix == "switchyard");
    CHECK(config.bus.redis_timeout_ms == 1000);
    CHECK(config.plugins.empty());
}

TEST_CASE("a full config is read key by key", "[config]") {
    Config config = parse_config(R"([kernel]
workers = 4
plugin_dir = "plugins"
hot_reload = true
log_level = "debug"

[control]
listen = "[::1]:0"
token = "secret"
max_body_bytes = 1024

[bus]
engine = "redis"
replay = 500
replay_bytes = 2097152
redis_url = "redis://10.0.0.2:6380"
redis_key_prefix = "staging.eu-1"
redis_timeout_ms = 250

[plugins.groove]
enabled = true
listen = "127.0.0.1:31415"
allowed_origins = ["localhost"]

[plugins.jetstart]
library = "/opt/jetstart.so"
listen = { core = "127.0.0.1:8766", logs = "*:8767" }
project_name = "Demo"
)",
                                 "full.toml");

    CHECK(config.kernel.workers == 4);
    CHECK(config.kernel.plugin_dir == "plugins"); // parse_config keeps paths as written
    CHECK(config.kernel.hot_reload);
    CHECK(config.kernel.log_level == "debug");
    CHECK(config.control.listen == ListenAddress{"::1", 0});
    CHECK(config.control.token == "secret");
    CHECK(config.control.max_body_bytes == 1024);
    CHECK(config.bus.engine == "redis");
    CHECK(config.bus.replay == 500);
    CHECK(config.bus.replay_bytes == 2097152);
    CHECK(config.bus.redis_url == "redis://10.0.0.2:6380");
    CHECK(config.bus.redis_key_prefix == "staging.eu-1");
    CHECK(config.bus.redis_timeout_ms == 250);

    REQUIRE(config.plugins.size() == 2);
    const PluginConfig& groove = config.plugins[0];
    CHECK(groove.name == "groove");
    CHECK(groove.enabled);
    CHECK(groove.library.empty());
    CHECK(groove.line == 20);
    REQUIRE(groove.listen.size() == 1);
    CHECK(groove.listen[0].endpoint.empty());
    CHECK(groove.listen[0].address == ListenAddress{"127.0.0.1", 31415});
    CHECK(groove.settings_json == R"({"allowed_origins":["localhost"]})");

    const PluginConfig& jetstart = config.plugins[1];
    CHECK(jetstart.name == "jetstart");
    CHECK_FALSE(jetstart.enabled);
    CHECK(jetstart.library == "/opt/jetstart.so");
    CHECK(jetstart.line == 25);
    REQUIRE(jetstart.listen.size() == 2);
    CHECK(jetstart.listen[0].endpoint == "core");
    CHECK(jetstart.listen[0].address == ListenAddress{"127.0.0.1", 8766});
    CHECK(jetstart.listen[1].endpoint == "logs");
    CHECK(jetstart.listen[1].address == ListenAddress{"0.0.0.0", 8767});
    CHECK(jetstart.settings_json == R"({"project_name":"Demo"})");
}

TEST_CASE("plugin-specific keys become a JSON object", "[config]") {
    SECTION("no plugin-specific key gives an empty object") {
        Config config = parse_config("[plugins.groove]\nenabled = true\n", "t.toml");
        REQUIRE(config.plugins.size() == 1);
        CHECK(config.plugins[0].settings_json == "{}");
    }
    SECTION("every TOML kind is converted, keys in sorted order") {
        Config config = parse_config(R"([plugins.demo]
text = "quote \" backslash \\ newline \n tab \t bell \u0007 é"
count = -42
ratio = 1.0
half = 0.5
flag = false
list = [1, "two", [3]]
nested = { b = 2, a = { deep = true } }
day = 1979-05-27
moment = 1979-05-27T07:32:00Z
)",
                                     "t.toml");
        REQUIRE(config.plugins.size() == 1);
        CHECK(config.plugins[0].settings_json ==
              R"({"count":-42,"day":"1979-05-27","flag":false,"half":0.5,)"
              R"("list":[1,"two",[3]],"moment":"1979-05-27T07:32:00Z",)"
              R"("nested":{"a":{"deep":true},"b":2},"ratio":1.0,)"
              R"("text":"quote \" backslash \\ newline \n tab \t bell \u0007 é"})");
    }
    SECTION("infinity and NaN are refused, naming the key") {
        ConfigError error = config_error_of("[plugins.demo]\nlimit = inf\n");
        CHECK(error.key() == "plugins.demo.limit");
        CHECK(error.line() == 2);
        CHECK(error.column() == 9);
    }
}

TEST_CASE("plugins are listed in name order whatever the file order", "[config]") {
    Config config = parse_config("[plugins.zeta]\n[plugins.alpha]\n[plugins.mid_2]\n", "t.toml");
    REQUIRE(config.plugins.size() == 3);
    CHECK(config.plugins[0].name == "alpha");
    CHECK(config.plugins[0].line == 2);
    CHECK(config.plugins[1].name == "mid_2");
    CHECK(config.plugins[2].name == "zeta");
    CHECK(find_plugin(config, "zeta")->line == 1);
}

TEST_CASE("a plugin table may be written as dotted keys, inline or by sub-table", "[config]") {
    Config config = parse_config(R"(
plugins.alpha.enabled = true
plugins.beta = { enabled = true, listen = "127.0.0.1:1" }
[plugins.gamma.listen]
core = "127.0.0.1:2"
)",
                                 "t.toml");
    REQUIRE(config.plugins.size() == 3);
    CHECK(config.plugins[0].enabled);
    CHECK(config.plugins[0].line == 2);
    CHECK(config.plugins[1].enabled);
    CHECK(config.plugins[1].line == 3);
    CHECK(config.plugins[1].listen.at(0).address.port == 1);
    CHECK(config.plugins[2].line == 4);
    CHECK(config.plugins[2].listen.at(0).endpoint == "core");
}

TEST_CASE("an unknown key is refused with its key and position", "[config]") {
    SECTION("in [kernel]") {
        ConfigError error = config_error_of("[kernel]\nworkers = 2\nthreads = 4\n");
        CHECK(error.file() == "test.toml");
        CHECK(error.key() == "kernel.threads");
        CHECK(error.line() == 3);
        CHECK(error.column() == 1);
        CHECK(error.reason() == "unknown key");
        CHECK(std::string(error.what()) == "test.toml:3:1: kernel.threads: unknown key");
    }
    SECTION("in [control]") {
        CHECK(config_error_of("[control]\nport = 1\n").key() == "control.port");
    }
    SECTION("in [bus]") {
        CHECK(config_error_of("[bus]\nsize = 1\n").key() == "bus.size");
    }
    SECTION("an unknown top-level table") {
        ConfigError error = config_error_of("\n[server]\nport = 1\n");
        CHECK(error.key() == "server");
        CHECK(error.line() == 2);
        CHECK(error.reason() == "unknown key");
    }
    SECTION("an unknown top-level key") {
        ConfigError error = config_error_of("verbose = true\n");
        CHECK(error.key() == "verbose");
        CHECK(error.line() == 1);
        CHECK(error.column() == 1);
    }
}

TEST_CASE("a value of the wrong type is refused with both types named", "[config]") {
    SECTION("a string for an integer") {
        ConfigError error = config_error_of("[kernel]\nworkers = \"four\"\n");
        CHECK(error.key() == "kernel.workers");
        CHECK(error.line() == 2);
        CHECK(error.column() == 11);
        CHECK(error.reason() == "expected an integer, got a string");
        CHECK(std::string(error.what()) ==
              "test.toml:2:11: kernel.workers: expected an integer, got a string");
    }
    SECTION("a float for an integer") {
        CHECK(config_error_of("[bus]\nreplay = 10.0\n").reason() ==
              "expected an integer, got a float");
    }
    SECTION("a string for a boolean") {
        ConfigError error = config_error_of("[plugins.groove]\nenabled = \"yes\"\n");
        CHECK(error.key() == "plugins.groove.enabled");
        CHECK(error.reason() == "expected a boolean, got a string");
    }
    SECTION("an integer for a string") {
        ConfigError error = config_error_of("[control]\ntoken = 1234\n");
        CHECK(error.key() == "control.token");
        CHECK(error.reason() == "expected a string, got an integer");
    }
    SECTION("a value for a table") {
        ConfigError error = config_error_of("kernel = 4\n");
        CHECK(error.key() == "kernel");
        CHECK(error.reason() == "expected a table, got an integer");
    }
    SECTION("a plugin that is not a table") {
        ConfigError error = config_error_of("[plugins]\ngroove = true\n");
        CHECK(error.key() == "plugins.groove");
        CHECK(error.reason() == "expected a table, got a boolean");
    }
    SECTION("a plugin listen that is neither an address nor a table") {
        ConfigError error = config_error_of("[plugins.groove]\nlisten = 31415\n");
        CHECK(error.key() == "plugins.groove.listen");
        CHECK(error.line() == 2);
        CHECK(error.reason() ==
              "expected an address string or a table of endpoint addresses, got an integer");
    }
}

TEST_CASE("a bad listen address is refused with the reason", "[config]") {
    SECTION("control.listen without a port") {
        ConfigError error = config_error_of("[control]\nlisten = \"localhost\"\n");
        CHECK(error.key() == "control.listen");
        CHECK(error.line() == 2);
        CHECK(error.column() == 10);
        CHECK(error.reason() == "missing port, expected host:port");
    }
    SECTION("a host name that would need DNS") {
        ConfigError error = config_error_of("[control]\nlisten = \"example.com:80\"\n");
        CHECK(error.reason() == "host must be an IP address, localhost or *");
    }
    SECTION("a plugin port out of range") {
        ConfigError error =
            config_error_of("[plugins.groove]\nenabled = true\nlisten = \"127.0.0.1:70000\"\n");
        CHECK(error.key() == "plugins.groove.listen");
        CHECK(error.line() == 3);
        CHECK(error.column() == 10);
        CHECK(error.reason() == "port out of range");
    }
    SECTION("one endpoint of a listen table") {
        ConfigError error = config_error_of(
            "[plugins.jetstart]\nlisten = { core = \"127.0.0.1:8766\", logs = \"8767\" }\n");
        CHECK(error.key() == "plugins.jetstart.listen.logs");
        CHECK(error.line() == 2);
        CHECK(error.reason() == "missing port, expected host:port");
    }
    SECTION("an endpoint address that is not a string") {
        ConfigError error = config_error_of("[plugins.jetstart.listen]\ncore = 8766\n");
        CHECK(error.key() == "plugins.jetstart.listen.core");
        CHECK(error.reason() == "expected a string, got an integer");
    }
}

TEST_CASE("a value out of its range is refused", "[config]") {
    SECTION("workers above 256") {
        ConfigError error = config_error_of("[kernel]\nworkers = 257\n");
        CHECK(error.key() == "kernel.workers");
        CHECK(error.reason() == "out of range, must be between 0 and 256");
    }
    SECTION("negative workers") {
        CHECK(config_error_of("[kernel]\nworkers = -1\n").key() == "kernel.workers");
    }
    SECTION("replay of 0 and above a million") {
        CHECK(config_error_of("[bus]\nreplay = 0\n").reason() ==
              "out of range, must be between 1 and 1000000");
        CHECK(config_error_of("[bus]\nreplay = 1000001\n").key() == "bus.replay");
    }
    SECTION("replay_bytes under a mebibyte") {
        ConfigError error = config_error_of("[bus]\nreplay_bytes = 1048575\n");
        CHECK(error.key() == "bus.replay_bytes");
        CHECK(error.reason() == "out of range, must be at least 1048576");
    }
    SECTION("max_body_bytes of 0") {
        ConfigError error = config_error_of("[control]\nmax_body_bytes = 0\n");
        CHECK(error.key() == "control.max_body_bytes");
        CHECK(error.reason() == "out of range, must be at least 1");
    }
    SECTION("the limits themselves are accepted") {
        Config config = parse_config("[kernel]\nworkers = 256\n[bus]\nreplay = 1000000\n", "t");
        CHECK(config.kernel.workers == 256);
        CHECK(config.bus.replay == 1000000);
    }
}

TEST_CASE("a stream's replay limits: its own keys, the rest from [bus], bad names refused",
          "[config]") {
    Config config = parse_config(
        "[bus.streams.jetstart]\nreplay_bytes = 1048576\n"
        "[bus.streams.chat]\nreplay = 50\n"
        "[bus]\nreplay = 200\nreplay_bytes = 2097152\n",
        "t");
    REQUIRE(config.bus.streams.size() == 2);
    CHECK(config.bus.streams["jetstart"] == StreamReplaySettings{200, 1048576});
    CHECK(config.bus.streams["chat"] == StreamReplaySettings{50, 2097152});

    CHECK(config_error_of("[bus.streams.\"a/b\"]\nreplay = 1\n").key() == "bus.streams.a/b");
    CHECK(config_error_of("[bus.streams.x]\nreplay = 0\n").key() == "bus.streams.x.replay");
    CHECK(config_error_of("[bus.streams.x]\nreplay_bytes = 10\n").reason() ==
          "out of range, must be at least 1048576");
    CHECK(config_error_of("[bus.streams.x]\nkeep = 1\n").key() == "bus.streams.x.keep");
    CHECK(config_error_of("[bus]\nstreams = 3\n").key() == "bus.streams");
}

TEST_CASE("an enumerated value outside its set is refused", "[config]") {
    SECTION("log_level") {
        ConfigError error = config_error_of("[kernel]\nlog_level = \"verbose\"\n");
        CHECK(error.key() == "kernel.log_level");
        CHECK(error.line() == 2);
        CHECK(error.column() == 13);
        CHECK(error.reason() ==
              "expected one of trace, debug, info, warn, error, critical, off, got \"verbose\"");
    }
    SECTION("bus engine") {
        ConfigError error = config_error_of("[bus]\nengine = \"kafka\"\n");
        CHECK(error.key() == "bus.engine");
        CHECK(error.reason() == "expected one of memory, redis, got \"kafka\"");
    }
    SECTION("redis_url with another scheme") {
        ConfigError error = config_error_of("[bus]\nredis_url = \"http://127.0.0.1:6379\"\n");
        CHECK(error.key() == "bus.redis_url");
        CHECK(error.reason() ==
              "must be redis://[[user]:password@]host[:port][/db] or unix:///path[?db=N]");
    }
    SECTION("redis_key_prefix that is not a plain word") {
        for (const char* prefix : {"", "a:b", "with space", "x{y}"}) {
            ConfigError error =
                config_error_of(std::string("[bus]\nredis_key_prefix = \"") + prefix + "\"\n");
            CHECK(error.key() == "bus.redis_key_prefix");
            CHECK(error.reason() == "must be 1 to 64 of A-Z a-z 0-9 _ - .");
        }
    }
    SECTION("redis_timeout_ms out of range") {
        for (const char* ms : {"49", "60001"}) {
            ConfigError error =
                config_error_of(std::string("[bus]\nredis_timeout_ms = ") + ms + "\n");
            CHECK(error.key() == "bus.redis_timeout_ms");
        }
    }
    SECTION("every log level is accepted") {
        for (const char* level : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
            std::string text = std::string("[kernel]\nlog_level = \"") + level + "\"\n";
            CHECK(parse_config(text, "t").kernel.log_level == level);
        }
    }
}

TEST_CASE("a plugin name outside ^[a-z][a-z0-9_]*$ is refused", "[config]") {
    for (const char* name : {"Groove", "9lives", "_hidden", "my-plugin", "\"with space\""}) {
        ConfigError error = config_error_of(std::string("\n[plugins.") + name + "]\n");
        std::string unquoted = name;
        if (unquoted.front() == '"') unquoted = unquoted.substr(1, unquoted.size() - 2);
        CHECK(error.key() == "plugins." + unquoted);
        CHECK(error.line() == 2);
        CHECK(error.reason().find("^[a-z][a-z0-9_]*$") != std::string::npos);
    }
}

TEST_CASE("a TOML syntax error is reported with toml++'s position and description", "[config]") {
    ConfigError error = config_error_of("[kernel]\nworkers = 4\n[control\n");
    CHECK(error.file() == "test.toml");
    CHECK(error.key().empty());
    CHECK(error.line() == 3);
    CHECK(error.column() > 0);
    CHECK_FALSE(error.reason().empty());
    std::string prefix = "test.toml:3:" + std::to_string(error.column()) + ": ";
    CHECK(std::string(error.what()) == prefix + error.reason());
}

TEST_CASE("ConfigError leaves out what it does not know", "[config]") {
    CHECK(std::string(ConfigError("a.toml", 0, 0, "", "cannot read").what()) ==
          "a.toml: cannot read");
    CHECK(std::string(ConfigError("a.toml", 4, 0, "bus.replay", "bad").what()) ==
          "a.toml:4: bus.replay: bad");
    CHECK(std::string(ConfigError("a.toml", 4, 7, "bus.replay", "bad").what()) ==
          "a.toml:4:7: bus.replay: bad");
}

TEST_CASE("load_config reads a file and resolves its relative paths", "[config]") {
    TempDir dir;
    auto file = dir.write("deploy.toml", R"([kernel]
plugin_dir = "../plugins"
[plugins.groove]
library = "lib/groove.so"
[plugins.jarvis]
library = "/abs/jarvis.so"
)");
    Config config = load_config(file);

    auto base = std::filesystem::absolute(dir.path());
    CHECK(config.source == file.string());
    CHECK(config.kernel.plugin_dir == (base.parent_path() / "plugins").string());
    REQUIRE(find_plugin(config, "groove") != nullptr);
    CHECK(find_plugin(config, "groove")->library == (base / "lib" / "groove.so").string());
    CHECK(find_plugin(config, "jarvis")->library == "/abs/jarvis.so");
}

TEST_CASE("load_config resolves plugin keys ending in _dir, other keys stay as written",
          "[config]") {
    TempDir dir;
    const std::string table = R"([plugins.jarvis]
dashboard_dir = "../www/dash"
absolute_dir = "/srv/www"
empty_dir = ""
count_dir = 3
token = "../not/a/path"
)";
    auto file = dir.write("deploy.toml", table);
    const auto base = std::filesystem::absolute(dir.path());
    const Config config = load_config(file);
    REQUIRE(find_plugin(config, "jarvis") != nullptr);
    CHECK(find_plugin(config, "jarvis")->settings_json ==
          R"({"absolute_dir":"/srv/www","count_dir":3,"dashboard_dir":")" +
              (base.parent_path() / "www" / "dash").string() +
              R"(","empty_dir":"","token":"../not/a/path"})");

    // parse_config has no file, so no folder to resolve against.
    const Config parsed = parse_config(table, "inline.toml");
    CHECK(find_plugin(parsed, "jarvis")->settings_json ==
          R"({"absolute_dir":"/srv/www","count_dir":3,"dashboard_dir":"../www/dash",)"
          R"("empty_dir":"","token":"../not/a/path"})");
}

TEST_CASE("load_config names the file in its errors", "[config]") {
    SECTION("an unreadable file") {
        TempDir dir;
        auto missing = dir.path() / "absent.toml";
        try {
            load_config(missing);
            FAIL("load_config accepted a missing file");
        } catch (const ConfigError& error) {
            CHECK(error.file() == missing.string());
            CHECK(error.line() == 0);
            CHECK(error.key().empty());
            CHECK(error.reason() == "cannot read the file: No such file or directory");
            CHECK(std::string(error.what()) ==
                  missing.string() + ": cannot read the file: No such file or directory");
        }
    }
    SECTION("a mistake inside the file") {
        TempDir dir;
        auto file = dir.write("bad.toml", "[bus]\n\nengine = 3\n");
        try {
            load_config(file);
            FAIL("load_config accepted a bad file");
        } catch (const ConfigError& error) {
            CHECK(error.file() == file.string());
            CHECK(error.line() == 3);
            CHECK(error.key() == "bus.engine");
        }
    }
}

TEST_CASE("parse_listen_address accepts IP literals, localhost and *", "[config]") {
    struct Case {
        const char* text;
        const char* host;
        uint16_t port;
        const char* shown;
    };
    for (const Case& c :
         {Case{"127.0.0.1:7700", "127.0.0.1", 7700, "127.0.0.1:7700"},
          Case{"0.0.0.0:0", "0.0.0.0", 0, "0.0.0.0:0"}, Case{"[::1]:80", "::1", 80, "[::1]:80"},
          Case{"[::]:65535", "::", 65535, "[::]:65535"},
          Case{"localhost:3142", "127.0.0.1", 3142, "127.0.0.1:3142"},
          Case{"*:8080", "0.0.0.0", 8080, "0.0.0.0:8080"},
          Case{"10.1.2.3:00080", "10.1.2.3", 80, "10.1.2.3:80"}}) {
        INFO(c.text);
        std::string reason;
        auto address = parse_listen_address(c.text, &reason);
        REQUIRE(address.has_value());
        CHECK(address->host == c.host);
        CHECK(address->port == c.port);
        CHECK(address->to_string() == c.shown);
        CHECK(reason.empty());
    }
}

TEST_CASE("parse_listen_address refuses malformed addresses with a reason", "[config]") {
    struct Case {
        const char* text;
        const char* reason;
    };
    for (const Case& c :
         {Case{"", "empty address, expected host:port"},
          Case{"127.0.0.1", "missing port, expected host:port"}, Case{"127.0.0.1:", "missing port"},
          Case{":80", "missing host, expected host:port"},
          Case{"127.0.0.1:65536", "port out of range"},
          Case{"127.0.0.1:99999999999999999999", "port out of range"},
          Case{"127.0.0.1:-1", "port is not a number"},
          Case{"127.0.0.1:+80", "port is not a number"},
          Case{"127.0.0.1:80 ", "port is not a number"},
          Case{"example.com:80", "host must be an IP address, localhost or *"},
          Case{"256.1.1.1:80", "host must be an IP address, localhost or *"},
          Case{"1.2.3:80", "host must be an IP address, localhost or *"},
          Case{"::1:80", "an IPv6 address must be written in brackets: [ipv6]:port"},
          Case{"[::1]80", "missing port, expected [ipv6]:port"},
          Case{"[::1]", "missing port, expected [ipv6]:port"},
          Case{"[::1:80", "missing ']' after the IPv6 address"},
          Case{"[127.0.0.1]:80", "not an IPv6 address inside the brackets"}}) {
        INFO(c.text);
        std::string reason;
        CHECK_FALSE(parse_listen_address(c.text, &reason).has_value());
        CHECK(reason == c.reason);
    }
    CHECK_FALSE(parse_listen_address("nonsense").has_value()); // the reason is optional
}

TEST_CASE("the shipped config files parse", "[config]") {
    const std::filesystem::path source_dir = SWITCHYARD_SOURCE_DIR;

    SECTION("config/switchyard.toml: the default deployment") {
        Config config = load_config(source_dir / "config" / "switchyard.toml");
        CHECK(config.kernel.workers == 0);
        CHECK(config.kernel.plugin_dir.empty());
        CHECK(config.control.listen.to_string() == "127.0.0.1:7700");
        CHECK(config.bus.engine == "memory");

        REQUIRE(config.plugins.size() == 5);
        const PluginConfig* groove = find_plugin(config, "groove");
        REQUIRE(groove != nullptr);
        CHECK(groove->enabled);
        REQUIRE(groove->listen.size() == 1);
        CHECK(groove->listen[0].address.to_string() == "127.0.0.1:31415");
        CHECK(groove->settings_json == R"({"allowed_origins":["localhost","127.0.0.1","::1"]})");
        const PluginConfig* jarvis = find_plugin(config, "jarvis");
        REQUIRE(jarvis != nullptr);
        CHECK(jarvis->enabled);
        REQUIRE(jarvis->listen.size() == 1);
        CHECK(jarvis->listen[0].address.to_string() == "127.0.0.1:3142");
        // dashboard_dir is written relative to config/; the kernel resolves it.
        const std::string dashboard =
            (std::filesystem::absolute(source_dir) / "plugins/jarvis/dashboard")
                .lexically_normal()
                .string();
        CHECK(jarvis->settings_json ==
              R"({"auth_token":"","backend_commands":[],"dashboard_dir":")" + dashboard +
                  R"(","ping_interval_ms":30000,"pong_timeout_ms":10000,"public_origin":""})");
        CHECK(std::filesystem::is_regular_file(dashboard + "/index.html"));
        const PluginConfig* clijaw = find_plugin(config, "clijaw");
        REQUIRE(clijaw != nullptr);
        CHECK(clijaw->enabled);
        REQUIRE(clijaw->listen.size() == 1);
        CHECK(clijaw->listen[0].address.to_string() == "127.0.0.1:3457");
        const PluginConfig* claudecontrol = find_plugin(config, "claudecontrol");
        REQUIRE(claudecontrol != nullptr);
        CHECK(claudecontrol->enabled);
        REQUIRE(claudecontrol->listen.size() == 1);
        CHECK(claudecontrol->listen[0].address.to_string() == "127.0.0.1:22609");
        const PluginConfig* jetstart = find_plugin(config, "jetstart");
        REQUIRE(jetstart != nullptr);
        CHECK(jetstart->enabled);
        REQUIRE(jetstart->listen.size() == 3);
        std::map<std::string, std::string> endpoints;
        for (const auto& listen : jetstart->listen)
            endpoints[listen.endpoint] = listen.address.to_string();
        CHECK(endpoints == std::map<std::string, std::string>{{"core", "127.0.0.1:8766"},
                                                              {"logs", "127.0.0.1:8767"},
                                                              {"http", "127.0.0.1:8765"}});
    }
    SECTION("config/examples/minimal.toml") {
        Config config = load_config(source_dir / "config" / "examples" / "minimal.toml");
        REQUIRE(config.plugins.size() == 1);
        CHECK(config.plugins[0].name == "groove");
        CHECK(config.plugins[0].enabled);
    }
}

TEST_CASE("connection keys: defaults, and the kernel's, the control API's and a plugin's read",
          "[config]") {
    SECTION("defaults") {
        Config config = parse_config("[plugins.groove]\nenabled = true\n", "t");
        CHECK(config.kernel.max_connections == 0); // from the open-file limit
        CHECK(config.kernel.io_timeout_ms == 30000);
        CHECK(config.control.max_connections == 1024);
        const auto& connections = config.plugins.at(0).connections;
        CHECK(connections.max_connections == 0);
        CHECK(connections.max_connections_per_address == 0);
        CHECK(connections.ping_interval_ms == 30000);
        CHECK(connections.pong_timeout_ms == 10000);
    }
    SECTION("set") {
        Config config = parse_config(R"([kernel]
max_connections = 5000
io_timeout_ms = 250
[control]
max_connections = 0
[plugins.groove]
max_connections = 100
max_connections_per_address = 4
ping_interval_ms = 0
pong_timeout_ms = 4294967295
allowed_origins = ["a"]
)",
                                     "t");
        CHECK(config.kernel.max_connections == 5000);
        CHECK(config.kernel.io_timeout_ms == 250);
        CHECK(config.control.max_connections == 0);
        const auto& plugin = config.plugins.at(0);
        CHECK(plugin.connections.max_connections == 100);
        CHECK(plugin.connections.max_connections_per_address == 4);
        CHECK(plugin.connections.ping_interval_ms == 0);
        CHECK(plugin.connections.pong_timeout_ms == 4294967295u);
        // Still handed to the plugin, which may read them too (jarvis' keepalive).
        CHECK(plugin.settings_json ==
              R"({"allowed_origins":["a"],"max_connections":100,"max_connections_per_address":4,)"
              R"("ping_interval_ms":0,"pong_timeout_ms":4294967295})");
    }
    SECTION("refused out of range, naming the key") {
        CHECK(config_error_of("[kernel]\nio_timeout_ms = 0\n").key() == "kernel.io_timeout_ms");
        CHECK(config_error_of("[kernel]\nmax_connections = -1\n").key() ==
              "kernel.max_connections");
        CHECK(config_error_of("[control]\nmax_connections = 4294967296\n").key() ==
              "control.max_connections");
        const ConfigError error =
            config_error_of("[plugins.groove]\nmax_connections_per_address = -2\n");
        CHECK(error.key() == "plugins.groove.max_connections_per_address");
        CHECK(error.reason() ==
              "'max_connections_per_address' must be an integer from 0 to 4294967295 (0 = no "
              "cap)");
        CHECK(config_error_of("[plugins.jarvis]\nping_interval_ms = \"30s\"\n").reason() ==
              "'ping_interval_ms' must be an integer from 0 to 4294967295 (0 = off)");
    }
}

TEST_CASE("a plugin's max_queued_bytes is read by the kernel and handed to the plugin too",
          "[config][queue_bound]") {
    SECTION("a positive integer sets the bound of the plugin's endpoints") {
        Config config =
            parse_config("[plugins.groove]\nenabled = true\nmax_queued_bytes = 65536\n", "t");
        REQUIRE(config.plugins.size() == 1);
        CHECK(config.plugins[0].max_queued_bytes == 65536);
        // A plugin sizing what it queues at once (clijaw's replay) reads it too.
        CHECK(config.plugins[0].settings_json == R"({"max_queued_bytes":65536})");
    }
    SECTION("left out, it is 0: the plugin's or the kernel's default") {
        Config config = parse_config("[plugins.groove]\nenabled = true\n", "t");
        CHECK(config.plugins[0].max_queued_bytes == 0);
    }
    SECTION("0 and negative values are refused") {
        for (const char* value : {"0", "-1"}) {
            ConfigError error =
                config_error_of(std::string("[plugins.groove]\nmax_queued_bytes = ") + value);
            CHECK(error.key() == "plugins.groove.max_queued_bytes");
            CHECK(error.reason() == "out of range, must be at least 1");
        }
    }
    SECTION("a string is refused") {
        ConfigError error = config_error_of("[plugins.groove]\nmax_queued_bytes = \"1MiB\"\n");
        CHECK(error.key() == "plugins.groove.max_queued_bytes");
    }
}

TEST_CASE("a plugin table may not set listening: the kernel writes it", "[config]") {
    const ConfigError error = config_error_of("[plugins.groove]\nlistening = {}\n");
    CHECK(error.key() == "plugins.groove.listening");
    CHECK_THAT(error.reason(), Catch::Contains("reserved"));
}

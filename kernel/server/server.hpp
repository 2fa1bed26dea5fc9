// The kernel assembled: workers, bus, plugins, control API and signals, from one Config.
#pragma once

#include "bus/bus_engine.hpp"
#include "config/config.hpp"
#include "control/control_api.hpp"
#include "control/plugin_switch.hpp"
#include "net/listener.hpp"
#include "net/worker_pool.hpp"
#include "plugin/plugin_runtime.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <vector>

namespace switchyard {

// A start that cannot go on: a plugin that does not load, a port that is taken. main()
// exits with 2, like nginx's [emerg].
class StartError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// The kernel-wide connection cap: [kernel] max_connections, or when that is 0 the
// open-file limit less the descriptors kept for the control API's connections and for
// the kernel itself (listeners, plugin libraries, files).
uint32_t kernel_connection_cap(const Config& config);

// The library path of a plugin: its explicit `library`, or <plugin_dir>/<name>.so.
std::filesystem::path plugin_library_path(const Config& config, const PluginConfig& plugin);

// Loads and checks every enabled plugin's library without starting anything
// (--check-config). Throws StartError.
void check_plugins(const Config& config);

// With [bus] engine = "redis", connects to bus.redis_url and checks that Redis answers
// within bus.redis_timeout_ms, takes the password and database, and is 7.0 or later
// (--check-config). Throws ConfigError naming bus.redis_url. The memory engine connects
// to nothing.
void check_bus(const Config& config);

// Loads the certificate and key of every tls setting ([control] and the enabled plugins)
// without serving (--check-config). Throws ConfigError naming the key.
void check_tls(const Config& config);

class LibraryWatcher;
class ServiceWatchdog;

class Server {
  public:
    // Reads the config file again (for SIGHUP); throws ConfigError.
    using ConfigSource = std::function<Config()>;

    Server(Config config, ConfigSource reread);
    ~Server();

    // Loads the plugins, binds every listener, starts the workers. Throws StartError.
    void start();
    // The control API's bound port.
    uint16_t control_port() const;
    // The control API's bound address ("127.0.0.1").
    std::string control_address() const;
    // Blocks until SIGINT or SIGTERM, then shuts down gracefully. Returns the exit code.
    int run_until_signal();
    // The graceful shutdown: stop accepting, plugins say goodbye, connections close
    // with 1001, workers stop. Bounded in time.
    void shutdown();

  private:
    // What the control API set against the file: enabled or not, and the file's own
    // `enabled` then.
    struct SwitchOverride {
        bool enabled = false;
        bool file_enabled = false;
    };

    void load_plugins();
    // Reloads the plugin of that name (blocking); nullopt when there is none.
    std::optional<ReloadOutcome> reload_plugin(const std::string& name);
    // SIGHUP: re-reads the config and applies what changed to the plugins.
    void reread_config();
    void apply_plugin_changes(const Config& next);
    // Loads, binds and starts one plugin (at start, or enabled by SIGHUP).
    void add_plugin(const PluginConfig& plugin, bool start_now);
    PluginRuntime* find_plugin(const std::string& name);
    // Drains `plugin` (its clients closed with 1001), unloads it and moves it to retired_
    // (SIGHUP or the control API disabled it).
    void retire_plugin(PluginRuntime& plugin);
    void watch_library(const PluginRuntime& plugin);

    // -- enable and disable through the control API (plugin_switch.cpp) -----------------
    // Enables or disables plugin `name` as SIGHUP would, blocking (never on a worker).
    SwitchOutcome switch_plugin(const std::string& name, bool enable);
    // The plugins with a [plugins.<name>] table that do not run, as GET /api/v1/plugins
    // lists them (state "disabled").
    std::vector<PluginInfo> disabled_plugin_infos() const;
    PluginInfo disabled_info_locked(const std::string& name) const; // plugins_mutex_ held
    // Remembers which plugins `config` has a table for (for disabled_plugin_infos).
    void note_plugin_tables(const Config& config);
    // SIGHUP: keeps in `next` what the control API set for a plugin whose `enabled` the
    // file has not changed since, and forgets the others in `overrides` (the file wins).
    // `next` is the file as read; the caller commits `overrides` once `next` is applied.
    void apply_switch_overrides(Config& next,
                                std::map<std::string, SwitchOverride>& overrides) const;
    // Remembers each table's own `enabled` (the file's word, for the override rule).
    void note_file_enabled(const Config& config);
    // The generation a plugin starts at: one past its last retired instance's.
    uint64_t first_generation_for(const std::string& name) const;
    // Refuses every plugin change from now on (shutdown), once the one running is done.
    void close_plugin_changes();
    // Runs `task` on the main thread (which owns the library watcher).
    void post_to_main_thread(std::function<void()> task);
    void close_all_connections();
    static void start_watchdog();

    struct Signals;
    std::unique_ptr<Signals> signals_; // installed before ready: a signal is never lost
    Config config_;
    ConfigSource reread_;
    std::unique_ptr<BusEngine> bus_;
    std::unique_ptr<WorkerPool> pool_;
    // The running plugins. Guarded by plugins_mutex_ (the control API reads it from the
    // workers); changed under plugin_changes_mutex_ (SIGHUP, the control API). A disabled plugin
    // moves to retired_ and lives until the server does, so no pointer to it ever dangles.
    mutable std::mutex plugins_mutex_;
    std::vector<std::unique_ptr<PluginRuntime>> plugins_;
    std::vector<std::unique_ptr<PluginRuntime>> retired_;
    std::unique_ptr<LibraryWatcher> watcher_;
    std::unique_ptr<ServiceWatchdog> service_watchdog_; // systemd's WatchdogSec= pings
    std::unique_ptr<HookWatchdog> hook_watchdog_;       // reports plugin hooks that run too long
    // Serializes plugin changes: SIGHUP, enable/disable through the control API, reloads.
    // Declared before control_, whose reload thread may still run a queued change while
    // the server is destroyed: these outlive it.
    std::mutex plugin_changes_mutex_;
    bool plugin_changes_closed_ = false; // shutting down; guarded by plugin_changes_mutex_
    // What the control API set against the file. Guarded by plugin_changes_mutex_.
    std::map<std::string, SwitchOverride> switch_overrides_;
    // Each table's `enabled` as the file last said it, before any override (config_ holds
    // the overridden values). Guarded by plugin_changes_mutex_.
    std::map<std::string, bool> file_enabled_;
    std::shared_ptr<ControlApi> control_;
    std::shared_ptr<Listener> control_listener_;
    ConnectionGatePtr control_gate_; // the control API's own cap, outside the kernel's
    // The control API's certificate, with control.tls; else null.
    std::shared_ptr<TlsIdentity> control_tls_;
    std::atomic<bool> ready_{false};
    std::atomic<int> reloads_in_flight_{0};
    std::filesystem::path shadow_dir_;       // private copies of the plugin libraries
    bool running_ = false;                   // the workers run
    std::vector<std::string> plugin_tables_; // names with a table; guarded by plugins_mutex_
    bool stopped_ = false;
};

} // namespace switchyard

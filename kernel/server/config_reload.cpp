// SIGHUP: the Server members that re-read the config and bring the plugins in line with
// it, without a restart and without touching the clients of unchanged plugins.
#include "net/tls_identity.hpp"
#include "plugin/shadow_copy.hpp"
#include "server/library_watcher.hpp"
#include "server/server.hpp"

#include <spdlog/spdlog.h>

namespace switchyard {

namespace {

constexpr auto kDisableTimeout = std::chrono::milliseconds(5000);

bool same_listen(const PluginConfig& a, const PluginConfig& b) {
    if (a.listen.size() != b.listen.size()) return false;
    for (size_t i = 0; i < a.listen.size(); ++i) {
        if (a.listen[i].endpoint != b.listen[i].endpoint ||
            !(a.listen[i].address == b.listen[i].address)) {
            return false;
        }
    }
    return true;
}

const PluginConfig* find_enabled(const Config& config, const std::string& name) {
    for (const auto& plugin : config.plugins) {
        if (plugin.name == name && plugin.enabled) return &plugin;
    }
    return nullptr;
}

// What SIGHUP cannot change in a running kernel.
void warn_about_restart_only_changes(const Config& now, const Config& next) {
    auto warn = [](const char* key) {
        spdlog::warn("SIGHUP: {} changed; that takes a restart, the running value stays", key);
    };
    if (next.kernel.workers != now.kernel.workers) warn("kernel.workers");
    if (next.kernel.plugin_dir != now.kernel.plugin_dir) warn("kernel.plugin_dir");
    if (next.kernel.state_dir != now.kernel.state_dir) warn("kernel.state_dir");
    if (next.kernel.hot_reload != now.kernel.hot_reload) warn("kernel.hot_reload");
    if (next.kernel.log_level != now.kernel.log_level) warn("kernel.log_level");
    if (next.kernel.log_format != now.kernel.log_format) warn("kernel.log_format");
    if (next.kernel.io_timeout_ms != now.kernel.io_timeout_ms) warn("kernel.io_timeout_ms");
    if (!(next.control.listen == now.control.listen)) warn("control.listen");
    if (next.control.token != now.control.token) warn("control.token");
    if (next.control.max_body_bytes != now.control.max_body_bytes) warn("control.max_body_bytes");
    if (next.bus.engine != now.bus.engine) warn("bus.engine");
    if (next.bus.replay != now.bus.replay) warn("bus.replay");
    if (next.bus.replay_bytes != now.bus.replay_bytes) warn("bus.replay_bytes");
    if (next.bus.streams != now.bus.streams) warn("bus.streams");
    if (next.bus.redis_url != now.bus.redis_url) warn("bus.redis_url");
    if (next.bus.redis_key_prefix != now.bus.redis_key_prefix) warn("bus.redis_key_prefix");
    if (next.bus.redis_timeout_ms != now.bus.redis_timeout_ms) warn("bus.redis_timeout_ms");
}

} // namespace

void Server::retire_plugin(PluginRuntime& plugin) {
    // Stops accepting, says goodbye, closes its clients with 1001, unloads.
    plugin.drain_and_unload(kDisableTimeout);
    std::lock_guard lock(plugins_mutex_);
    for (auto it = plugins_.begin(); it != plugins_.end(); ++it) {
        if (it->get() != &plugin) continue;
        retired_.push_back(std::move(*it));
        plugins_.erase(it);
        break;
    }
}

void Server::reread_config() {
    std::lock_guard changes(plugin_changes_mutex_); // not while the control API changes one
    Config next;
    try {
        next = reread_();
    } catch (const std::exception& e) {
        spdlog::error("SIGHUP: config refused, nothing changed: {}", e.what());
        return;
    }
    spdlog::info("SIGHUP: re-reading {}", next.source);
    // What the control API enabled or disabled applies before the check below: a plugin
    // the operator disabled because its library is broken must not refuse the file.
    // Nothing is forgotten unless the file is applied.
    const Config as_read = next;
    auto overrides = switch_overrides_;
    apply_switch_overrides(next, overrides);
    // A plugin the new file enables (or points at another library) must load before
    // anything changes: a file that cannot be applied whole is not applied at all.
    for (const auto& wanted : next.plugins) {
        if (!wanted.enabled) continue;
        const PluginRuntime* running = find_plugin(wanted.name);
        const auto library = plugin_library_path(next, wanted);
        if (running != nullptr && library == plugin_library_path(config_, running->config()))
            continue;
        try {
            // Through a shadow copy, like every load (shadow_copy.hpp): a mapped
            // configured file could be rewritten in place by a rebuild under the mapping,
            // and dlopen caches images by path. It also checks the library against `wanted`.
            load_shadow_copy(library, shadow_dir_, wanted);
        } catch (const PluginLoadError& e) {
            spdlog::error("SIGHUP: config refused, nothing changed: [plugins.{}]: {}", wanted.name,
                          e.what());
            return;
        }
    }
    switch_overrides_ = std::move(overrides);
    note_file_enabled(as_read);
    note_plugin_tables(next);
    warn_about_restart_only_changes(config_, next);
    // The caps apply to connections opened from now on.
    config_.kernel.max_connections = next.kernel.max_connections;
    config_.control.max_connections = next.control.max_connections;
    pool_->kernel_gate()->set_caps(kernel_connection_cap(config_), 0);
    control_gate_->set_caps(config_.control.max_connections, 0);
    reload_tls_identity(control_tls_.get(), next.control.tls, "control.tls");
    apply_plugin_changes(next);
}

void Server::apply_plugin_changes(const Config& next) {
    // Disabled (or gone from the file): drain, unload, retire.
    std::vector<std::string> names;
    {
        std::lock_guard lock(plugins_mutex_);
        for (const auto& plugin : plugins_) names.push_back(plugin->name());
    }
    for (const auto& name : names) {
        if (find_enabled(next, name) != nullptr) continue;
        if (watcher_) watcher_->forget(name);
        retire_plugin(*find_plugin(name));
    }
    const Config previous = config_;
    // Paths and defaults of the new file apply to what follows.
    config_.plugins = next.plugins;
    for (const auto& wanted : next.plugins) {
        if (!wanted.enabled) continue;
        PluginRuntime* plugin = find_plugin(wanted.name);
        if (plugin == nullptr) {
            try {
                add_plugin(wanted, true);
                if (PluginRuntime* added = find_plugin(wanted.name)) watch_library(*added);
                spdlog::info("SIGHUP: plugin {} enabled", wanted.name);
            } catch (const std::exception& e) {
                spdlog::error("SIGHUP: plugin {} not enabled: {}", wanted.name, e.what());
            }
            continue;
        }
        plugin->apply_connection_settings(wanted);
        plugin->reload_tls(wanted);
        const PluginConfig& running = plugin->config();
        const auto wanted_library = plugin_library_path(config_, wanted);
        if (wanted.settings_json != running.settings_json ||
            wanted_library != plugin_library_path(previous, running)) {
            PluginConfig resolved = wanted;
            resolved.library = wanted_library.string();
            ++reloads_in_flight_;
            const ReloadOutcome outcome = plugin->reload(&resolved);
            --reloads_in_flight_;
            if (outcome.ok) {
                spdlog::info("SIGHUP: plugin {} reconfigured (generation {})", wanted.name,
                             outcome.generation);
                watch_library(*plugin);
            } else {
                spdlog::error("SIGHUP: plugin {} keeps its old settings: {}", wanted.name,
                              outcome.error);
            }
        }
        if (!same_listen(wanted, running)) {
            for (const auto& error : plugin->rebind(wanted)) {
                spdlog::error("SIGHUP: plugin {}: {}", wanted.name, error);
            }
        }
    }
}

} // namespace switchyard

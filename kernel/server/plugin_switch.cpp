// POST /api/v1/plugins/{name}/enable|disable (docs/console.md): the Server members that
// enable or disable one plugin at run time, as SIGHUP would, and the rule that keeps the
// operator's last word when SIGHUP re-reads the file afterwards.
//
// Plugin changes (SIGHUP on the main thread, these on the control API's reload thread,
// a library watcher's reload) are serialized by plugin_changes_mutex_.
#include "server/library_watcher.hpp"
#include "server/server.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace switchyard {

namespace {

PluginConfig* find_table(std::vector<PluginConfig>& plugins, const std::string& name) {
    for (auto& plugin : plugins) {
        if (plugin.name == name) return &plugin;
    }
    return nullptr;
}

} // namespace

uint64_t Server::first_generation_for(const std::string& name) const {
    std::lock_guard lock(plugins_mutex_);
    uint64_t last = 0;
    for (const auto& retired : retired_) {
        if (retired->name() == name) last = std::max(last, retired->info().generation);
    }
    return last + 1;
}

void Server::note_plugin_tables(const Config& config) {
    std::vector<std::string> names;
    for (const auto& plugin : config.plugins) names.push_back(plugin.name);
    std::lock_guard lock(plugins_mutex_);
    plugin_tables_ = std::move(names);
}

PluginInfo Server::disabled_info_locked(const std::string& name) const {
    PluginInfo info;
    info.name = name;
    info.state = "disabled";
    // What it was when it last ran, if it has in this process.
    for (const auto& retired : retired_) {
        if (retired->name() != name) continue;
        const PluginInfo last = retired->info();
        info.version = last.version;
        info.abi = last.abi;
        info.library = last.library;
        info.generation = last.generation;
    }
    return info;
}

std::vector<PluginInfo> Server::disabled_plugin_infos() const {
    std::lock_guard lock(plugins_mutex_);
    std::vector<PluginInfo> infos;
    for (const auto& name : plugin_tables_) {
        const bool running = std::any_of(plugins_.begin(), plugins_.end(), [&](const auto& plugin) {
            return plugin->name() == name;
        });
        if (!running) infos.push_back(disabled_info_locked(name));
    }
    return infos;
}

void Server::close_plugin_changes() {
    std::lock_guard changes(plugin_changes_mutex_);
    plugin_changes_closed_ = true;
}

SwitchOutcome Server::switch_plugin(const std::string& name, bool enable) {
    std::lock_guard changes(plugin_changes_mutex_);
    SwitchOutcome outcome;
    if (plugin_changes_closed_) {
        outcome.result = SwitchOutcome::Result::stopping;
        return outcome;
    }
    const PluginConfig* table = find_table(config_.plugins, name);
    PluginRuntime* running = find_plugin(name);
    if (table == nullptr && running == nullptr) {
        outcome.result = SwitchOutcome::Result::not_found;
        return outcome;
    }
    if (enable && running == nullptr) {
        // The table as last read, whatever its `enabled` says.
        PluginConfig wanted = *table;
        wanted.enabled = true;
        try {
            add_plugin(wanted, true);
        } catch (const std::exception& e) {
            spdlog::error("control API: plugin {} not enabled: {}", name, e.what());
            outcome.result = SwitchOutcome::Result::failed;
            outcome.error = e.what();
            std::lock_guard lock(plugins_mutex_);
            outcome.info = disabled_info_locked(name);
            return outcome;
        }
        running = find_plugin(name);
        // The watcher belongs to the main thread.
        post_to_main_thread([this, running] {
            if (watcher_) watch_library(*running);
        });
        spdlog::info("control API: plugin {} enabled (generation {})", name,
                     running->info().generation);
    } else if (!enable && running != nullptr) {
        post_to_main_thread([this, name] {
            if (watcher_) watcher_->forget(name);
        });
        retire_plugin(*running);
        running = nullptr;
        spdlog::info("control API: plugin {} disabled", name);
    }
    // The override lasts until the file's own `enabled` for this plugin changes. (Not
    // table->enabled: after a SIGHUP config_ holds the overridden value.)
    const auto file_entry = file_enabled_.find(name);
    const bool file_enabled = file_entry != file_enabled_.end() && file_entry->second;
    if (enable == file_enabled) {
        switch_overrides_.erase(name);
    } else {
        switch_overrides_[name] = SwitchOverride{enable, file_enabled};
    }
    if (running != nullptr) {
        outcome.info = running->info();
    } else {
        std::lock_guard lock(plugins_mutex_);
        outcome.info = disabled_info_locked(name);
    }
    return outcome;
}

void Server::note_file_enabled(const Config& config) {
    file_enabled_.clear();
    for (const auto& plugin : config.plugins) file_enabled_[plugin.name] = plugin.enabled;
}

void Server::apply_switch_overrides(Config& next,
                                    std::map<std::string, SwitchOverride>& overrides) const {
    for (auto it = overrides.begin(); it != overrides.end();) {
        const std::string& name = it->first;
        const SwitchOverride& choice = it->second;
        PluginConfig* table = find_table(next.plugins, name);
        const bool file_enabled = table != nullptr && table->enabled;
        if (table == nullptr || file_enabled != choice.file_enabled) {
            spdlog::info(
                "SIGHUP: {}: the config file's enabled = {} replaces what the control "
                "API set",
                name, file_enabled);
            it = overrides.erase(it);
            continue;
        }
        table->enabled = choice.enabled;
        spdlog::info("SIGHUP: {} stays {}: {} through the control API", name,
                     choice.enabled ? "enabled" : "disabled",
                     choice.enabled ? "enabled" : "disabled");
        ++it;
    }
}

} // namespace switchyard

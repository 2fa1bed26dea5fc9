// Hot reload of one plugin (DESIGN.md "Hot reload"): the PluginRuntime members that swap
// one generation of a plugin for the next under live traffic.
//
// The swap itself is one task on the plugin's dispatcher. Everything for the plugin —
// client frames, bus events, timers — queues behind it while it runs, and runs in order
// on the new instance afterwards: that is the pause. Connections, their state, groups,
// timers, follows and bus subscriptions belong to the runtime, so they carry over untouched.
//
// A swap either happens whole or leaves nothing behind: what the new generation's
// create() started is undone when it fails (create_journal.hpp), and a swap the
// dispatcher has not reached when the reload gives up waiting never runs.
#include "plugin/abi_arrays.hpp"
#include "plugin/hook_scope.hpp"
#include "plugin/plugin_runtime.hpp"
#include "plugin/shadow_copy.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <future>
#include <utility>

namespace switchyard {

namespace {

sy_str view(std::string_view s) {
    return sy_str{s.data(), s.size()};
}

void append_to_string(void* ctx, const void* data, size_t len) {
    static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), len);
}

// A reload cannot rebind listeners: the new library must declare the same endpoints.
void check_same_endpoints(const sy_plugin_v1& current, const PluginLibrary& next,
                          const std::filesystem::path& source) {
    const sy_plugin_v1& desc = next.descriptor();
    bool same = desc.endpoint_count == current.endpoint_count;
    for (size_t i = 0; same && i < desc.endpoint_count; ++i) {
        same = std::string_view(endpoint_at(desc, i).name) == endpoint_at(current, i).name;
    }
    if (!same) {
        throw PluginLoadError(source,
                              "the new library declares other endpoints than the running one; "
                              "a reload keeps the listeners, so disable and enable the plugin");
    }
}

ReloadOutcome refused(std::string error, uint64_t generation) {
    ReloadOutcome outcome;
    outcome.error = std::move(error);
    outcome.generation = generation;
    return outcome;
}

} // namespace

ReloadOutcome PluginRuntime::reload(const PluginConfig* next_config) {
    // A plugin that is not running has nothing to swap or roll back: refused, not counted
    // (reload_once asks again under its lock, for a plugin stopped meanwhile).
    if (!running()) return refused("the plugin is not running", generation_.load());
    ReloadOutcome outcome = reload_once(next_config);
    reload_stats_.record(outcome.ok, outcome.pause_ms);
    return outcome;
}

ReloadOutcome PluginRuntime::reload_once(const PluginConfig* next_config) {
    std::lock_guard guard(reload_mutex_);
    const uint64_t current = generation_.load();
    if (!running()) return refused("the plugin is not running", current);
    const uint64_t next = current + 1;
    // A reload for a changed config takes its settings and library path (resolved by the
    // caller); a plain reload re-reads the library file it has.
    const PluginConfig& config = next_config != nullptr ? *next_config : config_;
    const std::filesystem::path source =
        next_config != nullptr ? std::filesystem::path(next_config->library) : source_;
    std::unique_ptr<PluginLibrary> library;
    try {
        library = load_shadow_copy(source, shadow_dir_, config);
        // desc_ belongs to the dispatcher, but the endpoints it declares never change
        // under a running runtime (this check is what keeps them so).
        check_same_endpoints(*desc_, *library, source);
    } catch (const PluginLoadError& e) {
        spdlog::error("plugin {}: reload refused: {}; generation {} keeps serving", config_.name,
                      e.what(), current);
        return refused(e.what(), current);
    }

    // The swap task and this thread agree once, on `phase`, whether the swap runs: the
    // task starts it only if the reload still waits; the reload gives up only if the task
    // has not started. So a reload that answers "gave up" never swaps later.
    enum Phase { kQueued, kStarted, kAbandoned };
    struct Swap {
        std::unique_ptr<PluginLibrary> library;
        ReloadOutcome outcome;
        std::promise<void> done;
        std::atomic<int> phase{kQueued};
    };
    auto swap = std::make_shared<Swap>();
    swap->library = std::move(library);
    auto done = swap->done.get_future();
    reloading_ = true;
    std::optional<PluginConfig> changed;
    if (next_config != nullptr) changed = *next_config;
    dispatcher_.post_always([this, swap, next, changed = std::move(changed)] {
        int queued = kQueued;
        if (!swap->phase.compare_exchange_strong(queued, kStarted)) return; // given up
        swap->outcome = swap_instance(swap->library, next, changed ? &*changed : nullptr);
        swap->done.set_value();
    });
    if (done.wait_for(swap_timeout_) != std::future_status::ready) {
        int queued = kQueued;
        if (swap->phase.compare_exchange_strong(queued, kAbandoned)) {
            reloading_ = false;
            swap->library.reset(); // the task will not touch it
            const std::string error = "the plugin's dispatcher did not reach the swap within " +
                                      std::to_string(swap_timeout_.count()) +
                                      " ms (a hook that does not return?); the reload was "
                                      "given up and nothing changed";
            spdlog::error("plugin {}: reload given up: {}; generation {} keeps serving",
                          config_.name, error, current);
            return refused(error, current);
        }
        // The swap started just now: it is short (snapshot and create), and its outcome is
        // what this reload did.
        done.wait();
    }
    reloading_ = false;
    ReloadOutcome outcome = swap->outcome;
    // On success the old image is in swap->library; on failure the new one. Either way it
    // is unloaded here, outside the pause.
    swap->library.reset();
    if (outcome.ok) {
        spdlog::info("plugin {} reloaded: {} generation {}, pause {:.3f} ms", config_.name,
                     outcome.version, outcome.generation, outcome.pause_ms);
    } else {
        spdlog::error("plugin {}: reload failed: {}; generation {} keeps serving", config_.name,
                      outcome.error, outcome.generation);
    }
    return outcome;
}

ReloadOutcome PluginRuntime::swap_instance(std::unique_ptr<PluginLibrary>& library,
                                           uint64_t generation, const PluginConfig* changed) {
    const std::string& settings_json = changed != nullptr ? changed->settings_json : settings_json_;
    const auto started = std::chrono::steady_clock::now();
    const uint64_t current = generation_.load();
    if (instance_ == nullptr || !running()) return refused("the plugin is stopping", current);

    std::string snapshot;
    if (desc_->snapshot != nullptr) {
        const sy_sink sink{&snapshot, &append_to_string};
        HookScope scope(hooks_, "snapshot");
        const sy_status status = desc_->snapshot(instance_, &sink);
        if (status != SY_OK) {
            return refused("snapshot() of generation " + std::to_string(current) +
                               " failed with status " + std::to_string(status),
                           current);
        }
    }
    // A new config may grant other publish lanes; one it cannot read refuses the reload.
    std::optional<PublishLanes> lanes;
    if (changed != nullptr) {
        try {
            lanes.emplace(config_.name, publish_grants_of(settings_json));
        } catch (const std::exception& e) {
            return refused(e.what(), current);
        }
    }
    const sy_plugin_v1& next = library->descriptor();
    const auto& upstream = changed != nullptr ? changed->upstream : config_.upstream;
    if (upstream) {
        if (const std::string problem = upstream_problem(next); !problem.empty())
            return refused("upstream " + upstream->url + ": " + problem, current);
    }
    sy_create_args_v1 args{};
    args.struct_size = sizeof args;
    const std::string config = config_for_create(settings_json);
    args.config = view(config);
    args.snapshot = view(snapshot);
    args.generation = generation;
    void* created = nullptr;
    creating_.open(timers_.next_id());
    follows_.mark_create_start();
    const sy_status status =
        call_hook(hooks_, "create", [&] { return next.create(&host_, &args, &created); });
    if (status != SY_OK || created == nullptr) {
        creating_.roll_back();
        return refused("create() of the new generation failed with status " +
                           std::to_string(status) +
                           " (its log line says why: settings it refuses, or a snapshot it "
                           "cannot take)",
                       current);
    }

    // Commit: from here on every call goes to the new instance, and what its create()
    // held back (frames, closes...) goes out.
    creating_.commit();
    void* old_instance = instance_;
    const sy_plugin_v1* old_desc = desc_;
    instance_ = created;
    desc_ = &next;
    std::swap(library_, library); // `library` now holds the old image
    upstream_.set_routes(*desc_);
    settings_json_ = settings_json;
    if (lanes) lanes_ = std::move(*lanes);
    {
        // Everything GET /api/v1/plugins shows of a generation changes in one step.
        std::lock_guard lock(metadata_mutex_);
        version_ = desc_->version;
        abi_ = library_->abi_string();
        generation_ = generation;
        if (changed != nullptr) {
            source_ = changed->library;
            config_.library = changed->library;
            config_.settings_json = changed->settings_json;
        }
    }
    bool same_streams = old_desc->stream_count == desc_->stream_count;
    for (size_t i = 0; same_streams && i < desc_->stream_count; ++i) {
        same_streams = std::string_view(old_desc->streams[i]) == desc_->streams[i];
    }
    if (!same_streams) subscribe_streams();
    {
        HookScope scope(hooks_, "destroy");
        old_desc->destroy(old_instance);
    }

    ReloadOutcome outcome;
    outcome.ok = true;
    outcome.version = desc_->version;
    outcome.generation = generation;
    outcome.pause_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    return outcome;
}

} // namespace switchyard

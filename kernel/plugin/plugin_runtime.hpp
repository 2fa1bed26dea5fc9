// One enabled plugin, running: its generation (loaded library and instance, swapped by a
// hot reload in plugin_reload.cpp), its dispatcher, its endpoints and their listeners,
// and the calls into the instance (requests, connection events, bus events, timers).
//
// Everything a plugin can see survives a change of instance: its open connections and
// their state (ConnectionRegistry), its groups (GroupTable), its timers (TimerTable), the
// event streams it follows (FollowTable), its bus subscriptions (StreamSubscriptions)
// and the frames it holds (FrameLedger) are the runtime's, not the instance's, and the
// instance is called only through the dispatcher, one call at a time. What the plugin
// makes happen on the network workers (sends, broadcasts, closes, group changes) goes
// through PluginEffects, bounded. The host table (host_api.cpp) works on all of these
// through the public accessors below.
#pragma once

#include "bus/bus_engine.hpp"
#include "config/config.hpp"
#include "files/file_responder.hpp"
#include "net/connection.hpp"
#include "net/http_exchange.hpp"
#include "net/listener.hpp"
#include "net/worker_pool.hpp"
#include "plugin/connection_registry.hpp"
#include "plugin/create_journal.hpp"
#include "plugin/deferred_requests.hpp"
#include "plugin/follow_table.hpp"
#include "plugin/frame_ledger.hpp"
#include "plugin/group_table.hpp"
#include "plugin/hook_scope.hpp"
#include "plugin/plugin_dispatcher.hpp"
#include "plugin/plugin_effects.hpp"
#include "plugin/plugin_library.hpp"
#include "plugin/publish_lanes.hpp"
#include "plugin/reload_stats.hpp"
#include "plugin/state_store.hpp"
#include "plugin/stream_subscriptions.hpp"
#include "plugin/timer_table.hpp"
#include "plugin/upstream_routes.hpp"

#include <switchyard/plugin.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace switchyard {

// What GET /api/v1/plugins reports of one endpoint.
struct EndpointInfo {
    std::string name;
    std::string address;
    uint16_t port = 0;
    ConnectionGatePtr gate; // its caps and its connections' counts (/metrics)
};

// What GET /api/v1/plugins reports of one plugin.
struct PluginInfo {
    std::string name;
    std::string version;
    std::string abi;
    std::string library;
    uint64_t generation = 0;
    std::string state;
    std::vector<EndpointInfo> endpoints;
    size_t connections = 0;
    uint64_t slow_hooks = 0; // hooks that ran longer than [kernel] slow_hook_ms
    size_t queued_calls = 0; // calls into the plugin waiting on its dispatcher
    size_t groups = 0;       // the plugin's groups now, transient ones included
    ReloadCounts reloads;    // reloads done, failed, and their pauses (/metrics)
};

// What a reload did: the new generation and the pause it caused, or why it was refused
// (and the generation that goes on serving).
struct ReloadOutcome {
    bool ok = false;
    std::string error;
    std::string version;
    uint64_t generation = 0;
    double pause_ms = 0;
};

class PluginRuntime final : public ConnectionObserver {
  public:
    // How long a reload waits for the dispatcher to reach its swap before giving it up.
    static constexpr std::chrono::milliseconds kSwapTimeout{30000};

    // `library` was loaded from a shadow copy of `source` (the configured library file);
    // reloads copy `source` again into `shadow_dir`. A reload whose swap has not started
    // within `swap_timeout` is given up (tests shorten it).
    PluginRuntime(WorkerPool& pool, BusEngine& bus, PluginConfig config,
                  std::unique_ptr<PluginLibrary> library, std::filesystem::path source,
                  std::filesystem::path shadow_dir,
                  std::chrono::milliseconds swap_timeout = kSwapTimeout);
    ~PluginRuntime() override;
    PluginRuntime(const PluginRuntime&) = delete;
    PluginRuntime& operator=(const PluginRuntime&) = delete;

    const std::string& name() const noexcept { return config_.name; }

    // Binds every endpoint's listener; throws std::runtime_error naming the endpoint.
    void bind();
    // Where the plugin's state lives (<[kernel] state_dir>/<name>); start() reads it
    // before create(). Not called (or ""): the plugin keeps no state.
    void set_state_folder(std::filesystem::path folder) { state_folder_ = std::move(folder); }
    // The generation start() creates (1 unless set): a plugin enabled again through the
    // control API goes on numbering from the instance it replaces, so a client (and the
    // console) sees a new generation.
    void set_first_generation(uint64_t generation) { first_generation_ = generation; }
    // Waits until every state write the plugin asked for is on disk (or failed).
    void flush_state() { state_store_.flush(); }
    // Creates the instance (generation 1), subscribes to the plugin's streams and starts
    // accepting. Throws std::runtime_error when create() fails. Call before the workers
    // run or from outside them.
    void start();
    // Stops accepting and queues the instance's goodbye (on_shutdown); the future is
    // ready once it has run.
    std::future<void> stop_accepting_and_say_goodbye();
    // Destroys the instance; the workers must be stopped.
    void destroy_instance();

    PluginInfo info() const;

    // Swaps in a new generation built from the library file as it is now, carrying the
    // instance's state and every connection across; on any failure the running
    // generation keeps serving, and whatever the new generation's create() started is
    // undone. A swap that has not started within the swap timeout never happens (the
    // outcome says so); one that has started is waited for and reported. Blocks until
    // done: never call it on a worker thread. With `next`, the new generation gets its
    // settings (and library path) instead.
    ReloadOutcome reload(const PluginConfig* next = nullptr);
    // Moves endpoints whose listen address `next` changes to their new address: the new
    // listener is bound first, then the old one stops; open connections stay. Returns
    // the errors (an address that cannot be bound keeps the old one).
    std::vector<std::string> rebind(const PluginConfig& next);
    // SIGHUP: the endpoints' TLS identity re-reads its files (reload_tls_identity).
    void reload_tls(const PluginConfig& next);
    // Applies the connection keys of `next` (caps, default keepalive) to every endpoint,
    // for connections opened from now on.
    void apply_connection_settings(const PluginConfig& next);
    // Applies the upstream of `next` (where requests no route serves go), refused with a
    // log line for a plugin without on_upstream.
    void apply_upstream(const PluginConfig& next);
    // Disables the plugin: stops accepting, says goodbye, closes its connections with
    // 1001 (bounded wait), destroys the instance and unloads its image. Workers run.
    void drain_and_unload(std::chrono::milliseconds timeout);
    const PluginConfig& config() const noexcept { return config_; }

    // -- requests from the plugin's listeners (worker threads) ---------------------------
    void handle_request(const HttpExchangePtr& exchange, size_t endpoint_index);
    // Which requests go to the plugin's upstream (network threads).
    const UpstreamRoutes& upstream() const noexcept { return upstream_; }
    // Asks on_upstream whether a request for the upstream may pass: answers the exchange
    // when refused, else calls `pass` (from the dispatcher).
    void screen_upstream(const HttpExchangePtr& exchange, size_t endpoint_index,
                         std::function<void(HttpService::UpstreamPass)> pass);

    // -- ConnectionObserver (worker threads) ----------------------------------------------
    void on_message(Connection& conn, sy_frame_kind kind, std::string_view payload) override;
    void on_closed(Connection& conn, uint16_t code, std::string_view reason) override;

    // -- for the host table (host_api.cpp) ---------------------------------------------
    // Its [hooks] functions touch these only from inside one of the plugin's hooks (the
    // thread's HookScope::current() is hooks()), that is on the dispatcher.
    const HookWatch& hooks() const noexcept { return hooks_; }
    ConnectionRegistry& connections() noexcept { return connections_; }
    GroupTable& groups() noexcept { return groups_; }
    FrameLedger& frames() noexcept { return frames_; }
    TimerTable& timers() noexcept { return timers_; }
    FollowTable& follows() noexcept { return follows_; }
    const PublishLanes& lanes() const noexcept { return lanes_; }
    BusEngine& bus() noexcept { return bus_; }
    DeferredRequests& deferred() noexcept { return deferred_; }
    FileResponder& files() noexcept { return files_; }
    PluginEffects& effects() noexcept { return effects_; }
    StateStore& state_store() noexcept { return state_store_; }

  private:
    struct EndpointState {
        std::string name;
        std::string default_listen;
        std::string host;
        uint16_t port = 0;
        ConnectionLimits limits;
        ConnectionGatePtr gate; // its caps; shared by the listeners it has had
        // The keepalive a WebSocket gets unless the plugin sets its own (dispatcher).
        uint32_t ping_interval_ms = 0;
        uint32_t pong_timeout_ms = 0;
        std::shared_ptr<Listener> listener;
    };
    bool running() const noexcept { return state_.load() == 1; }
    void route_request(const HttpExchangePtr& exchange, size_t endpoint_index);
    // Runs on the dispatcher: snapshot, create the new instance, swap, destroy the old.
    // On success `library` holds the old image, for the caller to unload.
    // `changed`: the new settings and library path that come with the new generation.
    // reload() before its outcome is counted.
    ReloadOutcome reload_once(const PluginConfig* next);
    ReloadOutcome swap_instance(std::unique_ptr<PluginLibrary>& library, uint64_t generation,
                                const PluginConfig* changed);
    void subscribe_streams();
    void publish_metadata();
    static void refuse_stopping(HttpExchange& exchange);
    void init_host_table();
    void open_connection(Connection& conn, const HttpExchangePtr& exchange, size_t endpoint_index,
                         uint32_t ping_interval_ms, uint32_t pong_timeout_ms);
    void accept_stream(const HttpExchangePtr& exchange, size_t endpoint_index, bool websocket);
    void answer_http(const HttpExchangePtr& exchange);
    // `gap`: events of the stream before this one were lost on the way (queue full).
    void deliver_event(const Event& event, bool gap);
    // Calls the instance's on_timer for a timer that is due (dispatcher).
    void fire_timer(sy_timer_id id, uint64_t tag);
    // Calls the instance's on_follow, when its descriptor has one (dispatcher).
    sy_status deliver_follow(sy_follow_id id, const sy_follow_event_v1& event);
    // Calls the instance's on_state_saved, when its descriptor has one (dispatcher).
    void deliver_state_saved(const std::string& key, uint64_t tag, sy_status result);
    // Logs a failed hook and, for a connection hook, closes the connection with 1011.
    void hook_failed(const char* hook, sy_status status, sy_conn_id conn);
    // `settings_json` with the kernel's "listening" key added: each endpoint's bound
    // address ("host:port", the real port when the config said 0), for a plugin that
    // tells clients where to connect (JetStart's QR code).
    std::string config_for_create(const std::string& settings_json) const;

    WorkerPool& pool_;
    BusEngine& bus_;
    PluginConfig config_;
    std::filesystem::path source_;     // the configured library file
    std::filesystem::path shadow_dir_; // where generations are copied before dlopen
    std::unique_ptr<PluginLibrary> library_;
    const sy_plugin_v1* desc_ = nullptr; // dispatcher thread (and start/stop)
    void* instance_ = nullptr;           // dispatcher thread (and start/stop)
    std::atomic<uint64_t> generation_{0};
    uint64_t first_generation_ = 1; // what start() creates
    std::mutex reload_mutex_;       // one reload at a time
    std::chrono::milliseconds swap_timeout_;
    // What info() reports, written at start and on each swap.
    mutable std::mutex metadata_mutex_;
    std::string version_;
    std::string abi_;
    // Reload with new settings changes these; written under reload_mutex_ and
    // metadata_mutex_, read under either.
    std::string settings_json_;
    sy_host_v1 host_{};
    Worker& home_;
    PluginDispatcher dispatcher_;
    std::vector<EndpointState> endpoints_;
    std::shared_ptr<TlsIdentity> tls_; // every endpoint's, with a tls setting; else null
    StreamSubscriptions streams_;
    std::atomic<size_t> connection_count_{0};
    std::atomic<int> state_{0}; // 0 starting, 1 running, 2 stopping, 3 disabled
    std::atomic<bool> reloading_{false};
    HookWatch hooks_; // which hook runs now; slow hooks
    ReloadStats reload_stats_;
    PublishLanes lanes_;
    UpstreamRoutes upstream_; // the pass-through: its target and a copy of the routes

    // Dispatcher thread only:
    CreateJournal creating_; // open while a new generation's create() runs
    ConnectionRegistry connections_;
    GroupTable groups_;
    PluginEffects effects_; // sends, broadcasts and tasks on the workers
    FrameLedger frames_;
    TimerTable timers_;
    FollowTable follows_;
    DeferredRequests deferred_; // requests answered later (respond, respond_file)
    FileResponder files_;       // reads the files respond_file names, off the workers
    std::filesystem::path state_folder_;
    // Last: destroyed first, it finishes its writes while the dispatcher they report to
    // is still there.
    StateStore state_store_; // state_load/save/remove; its writes on its own thread
};

} // namespace switchyard

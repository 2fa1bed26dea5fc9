#include "server/server.hpp"

#include "bus/memory_engine.hpp"
#include "bus/redis_engine.hpp"
#include "bus/redis_probe.hpp"
#include "net/close_code.hpp"
#include "net/node_tag.hpp"
#include "net/tls_identity.hpp"
#include "plugin/shadow_copy.hpp"
#include "server/library_watcher.hpp"
#include "server/service_notify.hpp"
#include "server/service_watchdog.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <future>
#include <limits>

namespace switchyard {

namespace asio = boost::asio;

namespace {
constexpr auto kGoodbyeTimeout = std::chrono::milliseconds(2000);
constexpr auto kDrainTimeout = std::chrono::milliseconds(5000);
constexpr auto kShutdownLimit = std::chrono::seconds(20);
// Descriptors the automatic connection cap leaves to the kernel itself: listeners, the
// plugin libraries and their shadow copies, files served, the log.
constexpr uint64_t kReservedDescriptors = 128;

// What the bus keeps of each stream for replay: [bus] and its [bus.streams.<name>].
ReplayPolicy replay_policy(const BusSettings& bus) {
    std::map<std::string, ReplayLimits, std::less<>> per_stream;
    for (const auto& [stream, limits] : bus.streams) {
        per_stream.emplace(stream, ReplayLimits{limits.replay, limits.replay_bytes});
    }
    return ReplayPolicy(ReplayLimits{bus.replay, bus.replay_bytes}, std::move(per_stream));
}

// The engine [bus] names. The redis engine starts connecting in the background: the
// kernel serves at once and is ready (/readyz) when Redis is reached.
std::unique_ptr<BusEngine> make_bus(const Config& config) {
    const BusSettings& bus = config.bus;
    if (bus.engine == "memory") return make_memory_engine(replay_policy(bus));
    auto endpoint = parse_redis_url(bus.redis_url);
    if (auto* error = std::get_if<std::string>(&endpoint)) {
        throw StartError(config.source + ": bus.redis_url: " + *error);
    }
    RedisEngineOptions options;
    options.endpoint = std::get<RedisEndpoint>(std::move(endpoint));
    options.key_prefix = bus.redis_key_prefix;
    options.timeout = std::chrono::milliseconds(bus.redis_timeout_ms);
    options.replay = replay_policy(bus);
    // A backlog read at once is at most about what the mirror may hold of a stream.
    uint64_t largest_ring = bus.replay_bytes;
    for (const auto& [stream, limits] : bus.streams) {
        largest_ring = std::max(largest_ring, limits.replay_bytes);
    }
    options.max_reply_bytes =
        static_cast<size_t>(std::min<uint64_t>(largest_ring, uint64_t{1} << 32) + (64u << 20));
    std::array<char, 256> host{};
    gethostname(host.data(), host.size() - 1);
    options.client_name = "switchyard@" + std::string(host.data()) + ":" + std::to_string(getpid());
    spdlog::info("bus: redis engine at {}, keys {}:*", options.endpoint.describe(),
                 options.key_prefix);
    return make_redis_engine(std::move(options));
}

// Loads an enabled plugin's library (through a shadow copy when `shadow_dir` is set)
// and checks it against the config and the plugins already loaded.
std::unique_ptr<PluginLibrary> load_checked(const Config& config, const PluginConfig& plugin,
                                            const std::vector<std::string>& loaded,
                                            const std::filesystem::path& shadow_dir = {}) {
    const auto path = plugin_library_path(config, plugin);
    try {
        auto library = shadow_dir.empty() ? PluginLibrary::load(path)
                                          : load_shadow_copy(path, shadow_dir, plugin);
        check_unique_name(*library, loaded);
        check_config_matches(*library, plugin);
        return library;
    } catch (const PluginLoadError& e) {
        throw StartError(config.source + ": [plugins." + plugin.name + "]: " + e.what());
    }
}
} // namespace

uint32_t kernel_connection_cap(const Config& config) {
    if (config.kernel.max_connections != 0) return config.kernel.max_connections;
    constexpr uint64_t most = std::numeric_limits<uint32_t>::max();
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) {
        return static_cast<uint32_t>(most);
    }
    const uint64_t files = limit.rlim_cur;
    // A TLS connection holds three descriptors (the client's socket and both ends of the
    // socket pair its terminator pumps through: tls_terminator.cpp).
    const bool tls =
        config.control.tls.has_value() ||
        std::any_of(config.plugins.begin(), config.plugins.end(), [](const PluginConfig& plugin) {
            return plugin.enabled && plugin.tls.has_value();
        });
    const uint64_t per_connection = tls ? 3 : 1;
    const uint64_t reserved =
        kReservedDescriptors + per_connection * config.control.max_connections;
    // A tiny limit still lets half of it serve clients.
    const uint64_t usable = files > 2 * reserved ? files - reserved : files / 2;
    const uint64_t cap = usable / per_connection;
    return static_cast<uint32_t>(std::clamp<uint64_t>(cap, 1, most));
}

std::filesystem::path plugin_library_path(const Config& config, const PluginConfig& plugin) {
    if (!plugin.library.empty()) return plugin.library;
    return std::filesystem::path(config.kernel.plugin_dir) / (plugin.name + ".so");
}

void check_plugins(const Config& config) {
    std::vector<std::string> loaded;
    for (const auto& plugin : config.plugins) {
        if (!plugin.enabled) continue;
        auto library = load_checked(config, plugin, loaded);
        loaded.push_back(library->descriptor().name);
    }
}

void check_tls(const Config& config) {
    auto check = [&](const std::optional<TlsFiles>& files, const std::string& key) {
        if (!files) return;
        try {
            check_tls_files(*files);
        } catch (const TlsError& e) {
            throw ConfigError(config.source, 0, 0, key, e.what());
        }
    };
    check(config.control.tls, "control.tls");
    for (const auto& plugin : config.plugins) {
        if (plugin.enabled) check(plugin.tls, "plugins." + plugin.name + ".tls");
    }
}

void check_bus(const Config& config) {
    if (config.bus.engine != "redis") return;
    // The URL parsed when the config was read; a failure here would be a config bug.
    const auto endpoint = parse_redis_url(config.bus.redis_url);
    const auto* error = std::get_if<std::string>(&endpoint);
    const std::string problem =
        error != nullptr ? *error
                         : probe_redis(std::get<RedisEndpoint>(endpoint),
                                       std::chrono::milliseconds(config.bus.redis_timeout_ms));
    if (!problem.empty()) throw ConfigError(config.source, 0, 0, "bus.redis_url", problem);
}

struct Server::Signals {
    asio::io_context io;
    asio::signal_set set{io, SIGINT, SIGTERM, SIGHUP};
};

Server::Server(Config config, ConfigSource reread)
    : config_(std::move(config)), reread_(std::move(reread)) {}

Server::~Server() {
    shutdown();
    if (!shadow_dir_.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(shadow_dir_, ec);
    }
}

PluginRuntime* Server::find_plugin(const std::string& name) {
    std::lock_guard lock(plugins_mutex_);
    for (auto& plugin : plugins_) {
        if (plugin->name() == name) return plugin.get();
    }
    return nullptr;
}

void Server::post_to_main_thread(std::function<void()> task) {
    asio::post(signals_->io, std::move(task));
}

std::optional<ReloadOutcome> Server::reload_plugin(const std::string& name) {
    std::lock_guard changes(plugin_changes_mutex_); // not while a plugin is enabled/disabled
    PluginRuntime* plugin = find_plugin(name);      // runtimes outlive every caller
    if (plugin == nullptr) return std::nullopt;
    if (plugin_changes_closed_) {
        // Shutting down: the plugins are saying goodbye, a new instance would not.
        ReloadOutcome refused;
        refused.generation = plugin->info().generation;
        refused.error = "the server is shutting down";
        return refused;
    }
    ++reloads_in_flight_;
    ReloadOutcome outcome = plugin->reload();
    --reloads_in_flight_;
    return outcome;
}

void Server::add_plugin(const PluginConfig& plugin, bool start_now) {
    std::vector<std::string> loaded;
    {
        std::lock_guard lock(plugins_mutex_);
        for (const auto& running : plugins_) loaded.push_back(running->name());
    }
    auto library = load_checked(config_, plugin, loaded, shadow_dir_);
    std::unique_ptr<PluginRuntime> runtime;
    try {
        runtime =
            std::make_unique<PluginRuntime>(*pool_, *bus_, plugin, std::move(library),
                                            plugin_library_path(config_, plugin), shadow_dir_);
        runtime->set_first_generation(first_generation_for(plugin.name));
        if (!config_.kernel.state_dir.empty())
            runtime->set_state_folder(std::filesystem::path(config_.kernel.state_dir) /
                                      plugin.name);
        runtime->bind();
        if (start_now) runtime->start();
    } catch (const std::exception& e) {
        throw StartError(e.what());
    }
    std::lock_guard lock(plugins_mutex_);
    plugins_.push_back(std::move(runtime));
}

void Server::load_plugins() {
    for (const auto& plugin : config_.plugins) {
        if (plugin.enabled) add_plugin(plugin, false);
    }
}

void Server::watch_library(const PluginRuntime& plugin) {
    if (watcher_) watcher_->watch(plugin.name(), plugin_library_path(config_, plugin.config()));
}

void Server::start() {
    signals_ = std::make_unique<Signals>();
    bus_ = make_bus(config_);
    try {
        shadow_dir_ = make_shadow_dir();
    } catch (const std::exception& e) {
        throw StartError(e.what());
    }
    // Nodes sharing the redis bus tag their connection ids apart (node_tag.hpp).
    const uint32_t node_tag = config_.bus.engine == "redis" ? random_node_tag() : 0;
    pool_ = std::make_unique<WorkerPool>(
        config_.kernel.workers, std::chrono::milliseconds(config_.kernel.io_timeout_ms), node_tag);
    pool_->kernel_gate()->set_caps(kernel_connection_cap(config_), 0);
    set_slow_hook_bound(std::chrono::milliseconds(config_.kernel.slow_hook_ms));
    hook_watchdog_ = std::make_unique<HookWatchdog>();
    load_plugins();
    note_plugin_tables(config_);
    note_file_enabled(config_);

    ControlContext context{*bus_, config_.control,
                           [this] {
                               std::lock_guard lock(plugins_mutex_);
                               std::vector<PluginInfo> infos;
                               for (const auto& plugin : plugins_) infos.push_back(plugin->info());
                               return infos;
                           },
                           [this] { return ready_.load(); },
                           [this](const std::string& name) { return reload_plugin(name); }};
    context.switch_plugin = [this](const std::string& name, bool enable) {
        return switch_plugin(name, enable);
    };
    context.disabled_plugins = [this] { return disabled_plugin_infos(); };
    control_ = std::make_shared<ControlApi>(std::move(context));
    // The control API counts apart from the kernel's cap: clients filling the server
    // must not lock the operator and the backends out of it.
    control_gate_ = new ConnectionGate("the control API", nullptr, pool_->size());
    control_gate_->set_caps(config_.control.max_connections, 0);
    control_->count_connections_of(control_gate_);
    try {
        control_tls_ = make_tls_identity(config_.control.tls, "control.tls");
    } catch (const TlsError& e) {
        throw StartError(config_.source + ": " + e.what());
    }
    try {
        control_listener_ = std::make_shared<Listener>(*pool_, config_.control.listen.host,
                                                       config_.control.listen.port, "control",
                                                       control_, control_gate_, control_tls_);
    } catch (const std::exception& e) {
        throw StartError("control API: " + std::string(e.what()));
    }
    for (auto& plugin : plugins_) {
        try {
            plugin->start();
        } catch (const std::exception& e) {
            throw StartError(e.what());
        }
    }
    if (config_.kernel.hot_reload) {
        try {
            watcher_ = std::make_unique<LibraryWatcher>(
                signals_->io, [this](const std::string& name) { reload_plugin(name); });
        } catch (const std::exception& e) {
            throw StartError("hot_reload: " + std::string(e.what()));
        }
        for (const auto& plugin : plugins_) watch_library(*plugin);
    }
    control_listener_->start();
    pool_->start();
    running_ = true;
    ready_ = true;
    service_watchdog_ = ServiceWatchdog::start_if_enabled(*pool_);
    spdlog::info("control API listening on {}:{} ({} workers, bus {})",
                 control_listener_->address(), control_listener_->port(), pool_->size(),
                 bus_->engine_name());
    spdlog::info("connections: at most {} over the plugins' endpoints{}, {} on the control API",
                 pool_->kernel_gate()->max_connections(),
                 config_.kernel.max_connections == 0 ? " (from the open-file limit)" : "",
                 config_.control.max_connections);
}

uint16_t Server::control_port() const {
    return control_listener_->port();
}

std::string Server::control_address() const {
    return control_listener_->address();
}

int Server::run_until_signal() {
    asio::io_context& signals_io = signals_->io;
    asio::signal_set& signals = signals_->set;
    bool stop = false;
    std::function<void()> wait = [&] {
        signals.async_wait([&](const boost::system::error_code& ec, int signal) {
            if (ec) return;
            if (signal == SIGHUP) {
                notify_reloading();
                reread_config();
                notify_ready("serving (config re-read)");
                wait();
                return;
            }
            spdlog::info("{}: shutting down", signal == SIGINT ? "SIGINT" : "SIGTERM");
            stop = true;
        });
    };
    wait();
    while (!stop) signals_io.run_one();
    shutdown();
    return 0;
}

void Server::close_all_connections() {
    // Ask every worker to close its connections (1001 for WebSockets), then wait until
    // they are gone or the drain deadline passes; stragglers are dropped.
    const auto deadline = std::chrono::steady_clock::now() + kDrainTimeout;
    for (size_t i = 0; i < pool_->size(); ++i) {
        Worker& worker = pool_->at(i);
        asio::post(worker.io(), [&worker] {
            for (auto& conn : worker.all())
                conn->close(close_code::going_away, "server shutting down");
        });
    }
    for (;;) {
        size_t open = 0;
        for (size_t i = 0; i < pool_->size(); ++i) {
            Worker& worker = pool_->at(i);
            // The task owns its promise: it may run after we stopped waiting.
            auto count = std::make_shared<std::promise<size_t>>();
            auto future = count->get_future();
            asio::post(worker.io(), [&worker, count] { count->set_value(worker.all().size()); });
            if (future.wait_until(deadline) != std::future_status::ready) return;
            open += future.get();
        }
        if (open == 0 || std::chrono::steady_clock::now() >= deadline) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    for (size_t i = 0; i < pool_->size(); ++i) {
        Worker& worker = pool_->at(i);
        auto done = std::make_shared<std::promise<void>>();
        auto future = done->get_future();
        asio::post(worker.io(), [&worker, done] {
            for (auto& conn : worker.all()) conn->abort();
            done->set_value();
        });
        future.wait_for(std::chrono::milliseconds(500));
    }
}

void Server::start_watchdog() {
    // The last resort of a bounded shutdown: a plugin stuck in a callback would keep its
    // worker from ever returning. Exit 1: the shutdown was not clean.
    std::thread([] {
        std::this_thread::sleep_for(kShutdownLimit);
        spdlog::critical("shutdown did not finish within {} s; exiting", kShutdownLimit.count());
        spdlog::default_logger()->flush();
        std::_Exit(1);
    }).detach();
}

void Server::shutdown() {
    if (stopped_ || !running_) return;
    stopped_ = true;
    ready_ = false;
    notify_stopping();
    watcher_.reset();
    if (control_listener_) control_listener_->stop();
    start_watchdog();
    close_plugin_changes(); // an enable or disable under way finishes first
    // A reload in flight needs the workers to finish its swap; let it.
    for (int i = 0; i < 1000 && reloads_in_flight_.load() > 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    // Every plugin says goodbye at once, under one deadline.
    std::vector<std::future<void>> goodbyes;
    for (auto& plugin : plugins_) goodbyes.push_back(plugin->stop_accepting_and_say_goodbye());
    const auto goodbye_deadline = std::chrono::steady_clock::now() + kGoodbyeTimeout;
    for (size_t i = 0; i < goodbyes.size(); ++i) {
        if (goodbyes[i].wait_until(goodbye_deadline) != std::future_status::ready) {
            spdlog::warn("plugin {}: on_shutdown did not finish within {} ms", plugins_[i]->name(),
                         kGoodbyeTimeout.count());
        }
    }
    close_all_connections();
    // The redis engine delivers on a thread of its own: it stops before the workers its
    // sinks post to.
    bus_->stop();
    service_watchdog_.reset(); // it posts to the workers: gone before they are
    for (size_t i = 0; i < pool_->size(); ++i) pool_->at(i).io().stop();
    pool_->stop_and_join();
    for (auto& plugin : plugins_) plugin->destroy_instance();
    // What the plugins saved reaches the disk before the process ends.
    for (auto& plugin : plugins_) plugin->flush_state();
    spdlog::info("stopped");
    spdlog::default_logger()->flush();
}

} // namespace switchyard

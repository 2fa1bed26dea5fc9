#include "plugin/plugin_runtime.hpp"

#include "log/rate_limited_log.hpp"
#include "net/close_code.hpp"
#include "net/header_field.hpp"
#include "net/tls_identity.hpp"
#include "plugin/abi_arrays.hpp"
#include "plugin/abi_event.hpp"
#include "plugin/hook_scope.hpp"
#include "plugin/host_api.hpp"
#include "plugin/route_match.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <future>
#include <thread>

namespace switchyard {

namespace asio = boost::asio;

namespace {

// A plugin that falls this far behind refuses new work instead of growing memory.
constexpr size_t kDispatchLimit = 65536;

constexpr uint64_t kDefaultMaxMessage = 1 << 20;
constexpr size_t kDefaultQueuedFrames = 1024;
// respond_file requests waiting for the plugin's file thread; past it, 503.
constexpr size_t kFileQueueLimit = 1024;

// Lines a client can cause, however many clients there are.
RateLimitedLog error_closes_log("connections closed with an error code");
RateLimitedLog overload_log("connections closed for overload");
RateLimitedLog refused_streams_log("upgrades refused by plugins");

sy_str view(std::string_view s) {
    return sy_str{s.data(), s.size()};
}

// Close codes that mean something went wrong (worth a warning with the peer's name).
bool is_error_close(uint16_t code) {
    return code == close_code::protocol_error || code == close_code::invalid_payload ||
           code == close_code::policy_violation || code == close_code::too_big ||
           code == close_code::internal_error || code == close_code::try_again_later;
}
std::string_view view(sy_str s) {
    return s.ptr == nullptr ? std::string_view() : std::string_view(s.ptr, s.len);
}

// The plugin's extra headers (HttpExchange drops any that is not a valid field). On an
// SSE head (`sse_head`) the ones the kernel writes itself are left out.
HeaderList copy_headers(const sy_response_v1& response, bool sse_head = false) {
    HeaderList headers;
    for (size_t i = 0; i < response.header_count; ++i) {
        const std::string_view name = view(response.headers[i].name);
        if (sse_head && is_sse_head_header(name)) continue;
        headers.emplace_back(name, view(response.headers[i].value));
    }
    return headers;
}

// The address an endpoint listens on: the config's, or the plugin's default.
std::pair<std::string, uint16_t> listen_address_for(const PluginConfig& config,
                                                    const std::string& endpoint,
                                                    const std::string& default_listen,
                                                    size_t endpoint_count) {
    for (const auto& entry : config.listen) {
        if (entry.endpoint == endpoint || (entry.endpoint.empty() && endpoint_count == 1)) {
            return {entry.address.host, entry.address.port};
        }
    }
    std::string reason;
    auto fallback = parse_listen_address(default_listen, &reason);
    if (!fallback) {
        throw std::runtime_error("endpoint '" + endpoint +
                                 "' has a bad default address: " + reason);
    }
    return {fallback->host, fallback->port};
}

// The outbound byte bound of one endpoint: the config's, else the plugin's (a 1.0
// plugin's endpoint has no such field), else twice the largest message, at least 1 MiB.
size_t queued_bytes_bound(const PluginConfig& config, const sy_endpoint_v1& decl,
                          const ConnectionLimits& limits) {
    if (config.max_queued_bytes != 0) return config.max_queued_bytes;
    if (SY_HAS_FIELD(&decl, sy_endpoint_v1, max_queued_bytes) && decl.max_queued_bytes != 0)
        return decl.max_queued_bytes;
    return default_queued_bytes(limits.max_message_bytes);
}

// Routes a listener's requests to its plugin endpoint.
class EndpointService final : public HttpService {
  public:
    // Holds the endpoint's index, never a pointer into the plugin's image: a reload
    // replaces the image while keep-alive sessions still hold their service.
    EndpointService(PluginRuntime& runtime, size_t index, uint64_t max_body)
        : runtime_(runtime), index_(index), max_body_(max_body) {}
    void handle(const HttpExchangePtr& exchange) override {
        runtime_.handle_request(exchange, index_);
    }
    uint64_t max_body_bytes() const override { return max_body_; }
    bool has_upstream() const override { return runtime_.upstream().active(); }
    bool goes_upstream(std::string_view method, std::string_view path) const override {
        return runtime_.upstream().goes_upstream(index_, method, path);
    }
    void screen_upstream(const HttpExchangePtr& exchange,
                         std::function<void(UpstreamPass)> pass) override {
        runtime_.screen_upstream(exchange, index_, std::move(pass));
    }

  private:
    PluginRuntime& runtime_;
    size_t index_;
    uint64_t max_body_;
};

} // namespace

PluginRuntime::PluginRuntime(WorkerPool& pool, BusEngine& bus, PluginConfig config,
                             std::unique_ptr<PluginLibrary> library, std::filesystem::path source,
                             std::filesystem::path shadow_dir,
                             std::chrono::milliseconds swap_timeout)
    : pool_(pool),
      bus_(bus),
      config_(std::move(config)),
      source_(std::move(source)),
      shadow_dir_(std::move(shadow_dir)),
      library_(std::move(library)),
      desc_(&library_->descriptor()),
      swap_timeout_(swap_timeout),
      settings_json_(config_.settings_json),
      home_(pool.next()),
      dispatcher_(home_.io(), kDispatchLimit),
      streams_(bus, dispatcher_, config_.name, kDispatchLimit),
      hooks_(config_.name),
      lanes_(config_.name, publish_grants_of(config_.settings_json)),
      connections_(creating_),
      groups_(connections_, creating_),
      effects_(pool, creating_),
      timers_(home_.io(), dispatcher_, creating_,
              [this](sy_timer_id id, uint64_t tag) { fire_timer(id, tag); }),
      follows_(pool, dispatcher_, creating_, config_.name,
               [this](sy_follow_id id, const sy_follow_event_v1& event) {
                   return deliver_follow(id, event);
               }),
      deferred_(home_.io(), dispatcher_, config_.name, deferral_limits_from(settings_json_)),
      files_(kFileQueueLimit),
      state_store_(creating_, config_.name) {
    init_host_table();
    // A transient group left empty by a hook is forgotten once the hook has returned.
    hooks_.after_hooks([this] { groups_.sweep(); });
    for (size_t i = 0; i < desc_->endpoint_count; ++i) {
        const sy_endpoint_v1& decl = endpoint_at(*desc_, i);
        EndpointState state;
        state.name = decl.name;
        state.default_listen = decl.default_listen != nullptr ? decl.default_listen : "";
        std::tie(state.host, state.port) =
            listen_address_for(config_, state.name, state.default_listen, desc_->endpoint_count);
        state.limits.max_message_bytes =
            decl.max_message_bytes != 0 ? decl.max_message_bytes : kDefaultMaxMessage;
        state.limits.max_queued_frames =
            decl.max_queued_frames != 0 ? decl.max_queued_frames : kDefaultQueuedFrames;
        state.limits.max_queued_bytes = queued_bytes_bound(config_, decl, state.limits);
        state.gate =
            new ConnectionGate(config_.name + "/" + state.name, pool.kernel_gate(), pool.size());
        endpoints_.push_back(std::move(state));
    }
    upstream_.set_routes(*desc_);
    if (config_.upstream) {
        if (const std::string problem = upstream_problem(*desc_); !problem.empty())
            throw std::runtime_error("plugin " + config_.name + ": upstream " +
                                     config_.upstream->url + " refused: " + problem);
        upstream_.set_target(std::make_shared<const UpstreamTarget>(*config_.upstream));
    }
}

void PluginRuntime::apply_connection_settings(const PluginConfig& next) {
    const EndpointConnectionSettings settings = next.connections;
    config_.connections = settings; // what a later bind() starts from
    for (auto& endpoint : endpoints_) {
        endpoint.gate->set_caps(settings.max_connections, settings.max_connections_per_address);
    }
    // The keepalive defaults are read where upgrades are accepted, on the dispatcher.
    dispatcher_.post_always([this, settings] {
        for (auto& endpoint : endpoints_) {
            endpoint.ping_interval_ms = settings.ping_interval_ms;
            endpoint.pong_timeout_ms = settings.pong_timeout_ms;
        }
    });
    apply_upstream(next);
}

void PluginRuntime::apply_upstream(const PluginConfig& next) {
    if (next.upstream == config_.upstream) return;
    config_.upstream = next.upstream;
    std::shared_ptr<const UpstreamTarget> target;
    if (next.upstream) target = std::make_shared<const UpstreamTarget>(*next.upstream);
    // Whether the plugin can screen passed requests is its descriptor's to say, which the
    // dispatcher owns.
    dispatcher_.post_always([this, target] {
        if (target != nullptr && desc_ != nullptr) {
            if (const std::string problem = upstream_problem(*desc_); !problem.empty()) {
                spdlog::error("plugin {}: upstream {} not applied: {}", config_.name, target->url,
                              problem);
                return;
            }
        }
        upstream_.set_target(target);
        if (target != nullptr) {
            spdlog::info("plugin {}: requests no route serves go to {}", config_.name, target->url);
        }
    });
}

PluginRuntime::~PluginRuntime() {
    streams_.clear();
    destroy_instance();
}

void PluginRuntime::init_host_table() {
    host_ = make_host_table(this);
}

void PluginRuntime::bind() {
    for (auto& endpoint : endpoints_) {
        endpoint.gate->set_caps(config_.connections.max_connections,
                                config_.connections.max_connections_per_address);
        endpoint.ping_interval_ms = config_.connections.ping_interval_ms;
        endpoint.pong_timeout_ms = config_.connections.pong_timeout_ms;
    }
    if (!tls_) tls_ = make_tls_identity(config_.tls, "plugins." + config_.name + ".tls");
    for (size_t i = 0; i < endpoints_.size(); ++i) {
        auto& endpoint = endpoints_[i];
        auto service =
            std::make_shared<EndpointService>(*this, i, endpoint.limits.max_message_bytes);
        try {
            endpoint.listener = std::make_shared<Listener>(pool_, endpoint.host, endpoint.port,
                                                           config_.name + "/" + endpoint.name,
                                                           std::move(service), endpoint.gate, tls_);
        } catch (const std::exception& e) {
            throw std::runtime_error("plugin " + config_.name + ", endpoint " + endpoint.name +
                                     ": " + e.what());
        }
    }
}

std::string PluginRuntime::config_for_create(const std::string& settings_json) const {
    std::string listening = "\"listening\":{";
    bool first = true;
    for (const auto& endpoint : endpoints_) {
        if (!endpoint.listener) continue;
        if (!first) listening += ',';
        first = false;
        // Endpoint names are the plugin's identifiers and addresses are IP literals:
        // nothing in them needs escaping.
        const std::string host = endpoint.listener->address();
        const bool v6 = host.find(':') != std::string::npos;
        listening += '"' + endpoint.name + "\":\"" + (v6 ? "[" + host + "]" : host) + ":" +
                     std::to_string(endpoint.listener->port()) + '"';
    }
    listening += '}';
    // settings_json is the config's object text, "{}" or "{...}": the key goes last.
    std::string out = settings_json;
    const size_t close = out.rfind('}');
    if (close == std::string::npos) return "{" + listening + "}";
    const bool empty = out.find_first_not_of(" \t\r\n", 1) == close;
    out.insert(close, (empty ? "" : ",") + listening);
    return out;
}

void PluginRuntime::start() {
    // The state is read before the first create(), which may load it.
    if (!state_folder_.empty()) {
        state_store_.open(
            state_folder_, [this](const std::string& key, uint64_t tag, sy_status result) {
                dispatcher_.post_always(
                    [this, key, tag, result] { deliver_state_saved(key, tag, result); });
            });
    }
    sy_create_args_v1 args{};
    args.struct_size = sizeof args;
    const std::string config = config_for_create(settings_json_);
    args.config = view(config);
    args.snapshot = sy_str{nullptr, 0};
    args.generation = first_generation_;
    void* instance = nullptr;
    const sy_status status =
        call_hook(hooks_, "create", [&] { return desc_->create(&host_, &args, &instance); });
    if (status != SY_OK || instance == nullptr) {
        throw std::runtime_error("plugin " + config_.name + " (" + source_.string() +
                                 "): create() failed with status " + std::to_string(status));
    }
    instance_ = instance;
    generation_ = first_generation_;
    publish_metadata();
    subscribe_streams();
    state_ = 1;
    for (auto& endpoint : endpoints_) endpoint.listener->start();
    spdlog::info("plugin {} {} started (ABI {}, {}, generation {})", config_.name, desc_->version,
                 library_->abi_string(), source_.string(), generation_.load());
    for (const auto& endpoint : endpoints_) {
        spdlog::info("plugin {}: endpoint {} listening on {}:{}", config_.name, endpoint.name,
                     endpoint.listener->address(), endpoint.listener->port());
    }
}

void PluginRuntime::subscribe_streams() {
    streams_.subscribe(*desc_, [this](const Event& event, bool gap) { deliver_event(event, gap); });
}

void PluginRuntime::publish_metadata() {
    std::lock_guard lock(metadata_mutex_);
    version_ = desc_->version;
    abi_ = library_->abi_string();
}

std::future<void> PluginRuntime::stop_accepting_and_say_goodbye() {
    state_ = 2;
    for (auto& endpoint : endpoints_) {
        if (endpoint.listener) endpoint.listener->stop();
    }
    streams_.clear();
    auto done = std::make_shared<std::promise<void>>();
    auto future = done->get_future();
    dispatcher_.post_always([this, done] {
        if (instance_ != nullptr && desc_->on_shutdown != nullptr) {
            HookScope scope(hooks_, "on_shutdown");
            desc_->on_shutdown(instance_);
        }
        // A stopping plugin follows nothing: its streams end without news.
        follows_.clear();
        // The goodbyes on_shutdown broadcast were posted to the workers from this
        // handler; on the home worker Asio keeps such posts in a thread-private queue
        // until the handler returns. Said done from here, the caller's close of every
        // connection (posted at once from its thread) would overtake them there and the
        // home worker's clients would get 1001 without their goodbye. Posted, "done"
        // runs behind the goodbyes on the home worker, and the other workers have
        // theirs queued already.
        boost::asio::post(home_.io(), [done] { done->set_value(); });
    });
    return future;
}

void PluginRuntime::destroy_instance() {
    timers_.clear();
    follows_.clear();
    if (instance_ != nullptr) {
        HookScope scope(hooks_, "destroy");
        desc_->destroy(instance_);
        instance_ = nullptr;
    }
    // destroy() is a hook: a follow it opened would outlive every instance.
    follows_.clear();
    // References the plugin never released would pin their frames for the kernel's life.
    if (const size_t frames = frames_.release_all(); frames != 0) {
        spdlog::warn("plugin {}: {} frames were never released; the kernel releases them",
                     config_.name, frames);
    }
}

PluginInfo PluginRuntime::info() const {
    PluginInfo info;
    info.name = config_.name;
    std::lock_guard lock(metadata_mutex_); // endpoints' listeners change on a rebind
    info.version = version_;
    info.abi = abi_;
    info.library = source_.string();
    info.generation = generation_.load();
    switch (state_.load()) {
        case 0: info.state = "starting"; break;
        case 1: info.state = reloading_ ? "reloading" : "running"; break;
        case 2: info.state = "stopping"; break;
        default: info.state = "disabled"; break;
    }
    for (const auto& endpoint : endpoints_) {
        EndpointInfo e;
        e.name = endpoint.name;
        e.address = endpoint.listener ? endpoint.listener->address() : endpoint.host;
        e.port = endpoint.listener ? endpoint.listener->port() : endpoint.port;
        e.gate = endpoint.gate;
        info.endpoints.push_back(std::move(e));
    }
    info.connections = connection_count_.load();
    info.slow_hooks = hooks_.slow_hooks();
    info.queued_calls = dispatcher_.pending();
    info.groups = groups_.count();
    info.reloads = reload_stats_.counts();
    return info;
}

std::vector<std::string> PluginRuntime::rebind(const PluginConfig& next) {
    std::vector<std::string> errors;
    for (size_t i = 0; i < endpoints_.size(); ++i) {
        auto& endpoint = endpoints_[i];
        std::pair<std::string, uint16_t> address;
        try {
            address =
                listen_address_for(next, endpoint.name, endpoint.default_listen, endpoints_.size());
        } catch (const std::exception& e) {
            errors.push_back(e.what());
            continue;
        }
        if (address.first == endpoint.host && address.second == endpoint.port) continue;
        std::shared_ptr<Listener> listener;
        try {
            listener = std::make_shared<Listener>(
                pool_, address.first, address.second, config_.name + "/" + endpoint.name,
                std::make_shared<EndpointService>(*this, i, endpoint.limits.max_message_bytes),
                endpoint.gate, tls_);
        } catch (const std::exception& e) {
            errors.push_back("endpoint " + endpoint.name + ": " + e.what() +
                             " (it keeps listening on its old address)");
            continue;
        }
        listener->start();
        std::shared_ptr<Listener> old;
        {
            std::lock_guard lock(metadata_mutex_);
            old = std::exchange(endpoint.listener, listener);
            endpoint.host = address.first;
            endpoint.port = address.second;
        }
        if (old) old->stop();
        spdlog::info("plugin {}: endpoint {} moved to {}:{}; its open connections stay",
                     config_.name, endpoint.name, listener->address(), listener->port());
    }
    config_.listen = next.listen;
    return errors;
}

void PluginRuntime::reload_tls(const PluginConfig& next) {
    reload_tls_identity(tls_.get(), next.tls, "plugins." + config_.name + ".tls");
}

void PluginRuntime::drain_and_unload(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto goodbye = stop_accepting_and_say_goodbye();
    goodbye.wait_until(deadline);
    for (size_t i = 0; i < pool_.size(); ++i) {
        Worker& worker = pool_.at(i);
        asio::post(worker.io(), [&worker, this] {
            for (auto& conn : worker.all()) {
                if (conn->is_observed_by(this))
                    conn->close(close_code::going_away, "plugin disabled");
            }
        });
    }
    while (connection_count_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (connection_count_.load() > 0) {
        spdlog::warn("plugin {}: {} connections still open after {} ms; dropping them",
                     config_.name, connection_count_.load(), timeout.count());
        for (size_t i = 0; i < pool_.size(); ++i) {
            Worker& worker = pool_.at(i);
            asio::post(worker.io(), [&worker, this] {
                for (auto& conn : worker.all()) {
                    if (conn->is_observed_by(this)) conn->abort();
                }
            });
        }
    }
    // The instance and its image go on the dispatcher, after every queued call.
    auto unloaded = std::make_shared<std::promise<void>>();
    auto future = unloaded->get_future();
    dispatcher_.post_always([this, unloaded] {
        deferred_.answer_all(503, "PLUGIN_DISABLED", "the plugin was disabled");
        destroy_instance();
        library_.reset();
        desc_ = nullptr;
        unloaded->set_value();
    });
    future.wait_for(timeout);
    // What the plugin saved is on disk before it counts as disabled (an enable reads it).
    state_store_.flush();
    state_ = 3;
    spdlog::info("plugin {} disabled and unloaded", config_.name);
}

// -- requests --------------------------------------------------------------------------

void PluginRuntime::handle_request(const HttpExchangePtr& exchange, size_t endpoint_index) {
    if (!running()) {
        refuse_stopping(*exchange);
        return;
    }
    // Routes are matched on the dispatcher: they live in the plugin's image, which only
    // the dispatcher may look at while a reload can replace it.
    const bool queued = dispatcher_.post(
        [this, exchange, endpoint_index] { route_request(exchange, endpoint_index); });
    if (!queued) exchange->respond(503, "application/json", error_json("BUSY", "server busy"));
}

void PluginRuntime::route_request(const HttpExchangePtr& exchange, size_t endpoint_index) {
    if (!running()) {
        refuse_stopping(*exchange);
        return;
    }
    const sy_endpoint_v1& endpoint = endpoint_at(*desc_, endpoint_index);
    const auto& request = exchange->request();
    const std::string_view method(request.method_string().data(), request.method_string().size());
    const RouteMatch match =
        match_route(endpoint, method, exchange->path(), exchange->is_websocket_upgrade());
    if (!match.route) {
        if (match.path_matched) {
            exchange->respond(405, "application/json",
                              error_json("METHOD_NOT_ALLOWED", "method not allowed here"));
        } else {
            exchange->respond(404, "application/json", error_json("NOT_FOUND", "no such route"));
        }
        return;
    }
    const sy_route_v1& route = route_at(endpoint, *match.route);
    // The endpoint's name as the plugin declared it (the listener's label is
    // "<plugin>/<endpoint>", for logs).
    exchange->set_route(static_cast<sy_route_kind>(route.kind), static_cast<uint32_t>(*match.route),
                        endpoints_[endpoint_index].name);
    switch (route.kind) {
        case SY_ROUTE_WEBSOCKET:
            if (!exchange->is_websocket_upgrade()) {
                exchange->respond(426, "application/json",
                                  error_json("UPGRADE_REQUIRED", "this route speaks WebSocket"),
                                  {{"Upgrade", "websocket"}, {"Connection", "Upgrade"}});
                return;
            }
            accept_stream(exchange, endpoint_index, true);
            return;
        case SY_ROUTE_SSE: accept_stream(exchange, endpoint_index, false); return;
        default: answer_http(exchange); return;
    }
}

void PluginRuntime::screen_upstream(const HttpExchangePtr& exchange, size_t endpoint_index,
                                    std::function<void(HttpService::UpstreamPass)> pass) {
    if (!running()) {
        refuse_stopping(*exchange);
        return;
    }
    const bool queued = dispatcher_.post([this, exchange, endpoint_index, pass = std::move(pass)] {
        if (!running() || instance_ == nullptr) {
            refuse_stopping(*exchange);
            return;
        }
        auto target = upstream_.target();
        if (target == nullptr || !upstream_problem(*desc_).empty()) {
            // The upstream went away (SIGHUP) between the head and now.
            exchange->respond(404, "application/json", error_json("NOT_FOUND", "no such route"));
            return;
        }
        const sy_endpoint_v1& endpoint = endpoint_at(*desc_, endpoint_index);
        const auto& request = exchange->request();
        const std::string_view method(request.method_string().data(),
                                      request.method_string().size());
        const RouteMatch match = match_route(endpoint, method, exchange->path());
        const size_t route = match.route ? *match.route : endpoint.route_count;
        exchange->set_route(SY_ROUTE_UPSTREAM, static_cast<uint32_t>(route),
                            endpoints_[endpoint_index].name);
        sy_response_v1 response{};
        response.struct_size = sizeof response;
        const sy_status status = call_hook(hooks_, "on_upstream", [&] {
            return desc_->on_upstream(instance_, &exchange->abi_request(), &response);
        });
        if (status != SY_OK) {
            hook_failed("on_upstream", status, 0);
            exchange->respond(500, "application/json", error_json("INTERNAL", "plugin error"));
            return;
        }
        if (response.status != 0) {
            exchange->respond(response.status, view(response.content_type),
                              std::string(view(response.body)), copy_headers(response));
            return;
        }
        pass(HttpService::UpstreamPass{std::move(target), copy_headers(response)});
    });
    if (!queued) exchange->respond(503, "application/json", error_json("BUSY", "server busy"));
}

void PluginRuntime::answer_http(const HttpExchangePtr& exchange) {
    if (instance_ == nullptr || desc_->on_http == nullptr) {
        exchange->respond(404, "application/json", error_json("NOT_FOUND", "no such route"));
        return;
    }
    const sy_request_id id = deferred_.open(exchange);
    sy_response_v1 response{};
    response.struct_size = sizeof response;
    const sy_status status = call_hook(hooks_, "on_http", [&] {
        return desc_->on_http(instance_, &exchange->abi_request(), &response);
    });
    // SY_DEFERRED is 1.1's: to a 1.0 plugin, 1 was just another failure.
    if (status == SY_DEFERRED && desc_->abi_minor >= 1) {
        deferred_.hold(id);
        return;
    }
    if (!deferred_.take(id)) return; // answered from inside on_http (respond_file, respond)
    if (status != SY_OK) {
        hook_failed("on_http", status, 0);
        exchange->respond(500, "application/json", error_json("INTERNAL", "plugin error"));
        return;
    }
    exchange->respond(response.status != 0 ? response.status : 200, view(response.content_type),
                      std::string(view(response.body)), copy_headers(response));
}

void PluginRuntime::accept_stream(const HttpExchangePtr& exchange, size_t endpoint_index,
                                  bool websocket) {
    sy_response_v1 response{};
    response.struct_size = sizeof response;
    if (instance_ != nullptr && desc_->on_accept != nullptr) {
        const sy_status status = call_hook(hooks_, "on_accept", [&] {
            return desc_->on_accept(instance_, &exchange->abi_request(), &response);
        });
        if (status != SY_OK) {
            hook_failed("on_accept", status, 0);
            exchange->respond(500, "application/json", error_json("INTERNAL", "plugin error"));
            return;
        }
    }
    if (response.status != 0 && response.status != 101 && response.status != 200) {
        refused_streams_log.debug("plugin {}: {} refused {}:{} with {}", config_.name,
                                  websocket ? "upgrade" : "event stream", exchange->peer_address(),
                                  exchange->abi_request().peer_port, response.status);
        exchange->respond(response.status, view(response.content_type),
                          std::string(view(response.body)), copy_headers(response));
        return;
    }
    const auto& endpoint = endpoints_[endpoint_index];
    const auto& limits = endpoint.limits;
    auto opened = [this, exchange, endpoint_index, ping = endpoint.ping_interval_ms,
                   pong = endpoint.pong_timeout_ms](Connection& conn) {
        open_connection(conn, exchange, endpoint_index, ping, pong);
    };
    if (websocket) {
        exchange->accept_websocket(*this, limits, opened, copy_headers(response));
    } else {
        exchange->accept_sse(*this, limits, opened, copy_headers(response, /*sse_head=*/true));
    }
}

void PluginRuntime::refuse_stopping(HttpExchange& exchange) {
    exchange.respond(503, "application/json",
                     error_json("SHUTTING_DOWN", "the server is shutting down"));
}

// -- connections -----------------------------------------------------------------------

void PluginRuntime::open_connection(Connection& conn, const HttpExchangePtr& exchange,
                                    size_t endpoint_index, uint32_t ping_interval_ms,
                                    uint32_t pong_timeout_ms) {
    connection_count_.fetch_add(1, std::memory_order_relaxed);
    const sy_conn_id id = conn.id();
    if (!running()) {
        // The plugin said goodbye already: it never hears of this connection.
        conn.close(close_code::going_away, "server shutting down");
        return;
    }
    // The endpoint's keepalive (a WebSocket's; an event stream ignores it), before the
    // plugin hears of the connection: its own conn_keepalive in on_open overrides it.
    conn.set_keepalive(ping_interval_ms, pong_timeout_ms);
    std::string peer =
        exchange->peer_address() + ":" + std::to_string(exchange->abi_request().peer_port);
    spdlog::debug("plugin {}: connection {} opened from {} on {}", config_.name, id, peer,
                  endpoints_[endpoint_index].name);
    dispatcher_.post_always([this, id, exchange, endpoint_index, peer = std::move(peer)]() mutable {
        ConnRecord record;
        record.peer = std::move(peer);
        record.endpoint = static_cast<uint32_t>(endpoint_index);
        record.sse = exchange->abi_request().route_kind == SY_ROUTE_SSE;
        connections_.add(id, std::move(record));
        if (instance_ == nullptr || desc_->on_open == nullptr) return;
        HookScope scope(hooks_, "on_open");
        const sy_status status = desc_->on_open(instance_, id, &exchange->abi_request());
        if (status != SY_OK) hook_failed("on_open", status, id);
    });
}

void PluginRuntime::on_message(Connection& conn, sy_frame_kind kind, std::string_view payload) {
    const sy_conn_id id = conn.id();
    const size_t bytes = payload.size();
    const bool queued = dispatcher_.post([this, id, kind, data = std::string(payload)] {
        if (instance_ != nullptr && desc_->on_message != nullptr && connections_.contains(id)) {
            HookScope scope(hooks_, "on_message");
            const sy_status status = desc_->on_message(instance_, id, kind, view(data));
            if (status != SY_OK) hook_failed("on_message", status, id);
        }
        effects_.kernel_on_conn(id, [n = data.size()](Connection& c) { c.message_done(n); });
    });
    if (queued) {
        conn.message_accepted(bytes);
    } else {
        overload_log.warn("plugin {}: overloaded; closing connection {} (1013)", config_.name, id);
        conn.close(close_code::try_again_later, "server overloaded");
    }
}

void PluginRuntime::on_closed(Connection& conn, uint16_t code, std::string_view reason) {
    connection_count_.fetch_sub(1, std::memory_order_relaxed);
    const sy_conn_id id = conn.id();
    spdlog::debug("plugin {}: connection {} closed ({} {})", config_.name, id, code, reason);
    dispatcher_.post_always([this, id, code, reason = std::string(reason)] {
        const std::optional<ConnRecord> record = connections_.remove(id);
        if (!record) return;
        if (is_error_close(code)) {
            error_closes_log.warn(
                "plugin {}: connection {} from {} at endpoint {} closed with {} ({})", config_.name,
                id, record->peer, endpoints_[record->endpoint].name, code, reason);
        }
        groups_.forget(id, *record);
        if (instance_ != nullptr && desc_->on_close != nullptr) {
            HookScope scope(hooks_, "on_close");
            // The plugin may still publish for the connection it hears closing.
            connections_.set_closing(id);
            desc_->on_close(instance_, id, code, view(reason));
            connections_.set_closing(0);
        }
        // Without an on_close hook, the transient groups the connection was the last
        // member of go here.
        groups_.sweep();
    });
}

void PluginRuntime::hook_failed(const char* hook, sy_status status, sy_conn_id conn) {
    if (conn == 0) {
        spdlog::error("plugin {}: {} failed (status {})", config_.name, hook, status);
        return;
    }
    const ConnRecord* record = connections_.find(conn);
    spdlog::error(
        "plugin {}: {} failed (status {}) on connection {} from {} at endpoint {}; "
        "closing it with 1011",
        config_.name, hook, status, conn, record ? record->peer : "?",
        record ? endpoints_[record->endpoint].name : "?");
    effects_.kernel_on_conn(
        conn, [](Connection& c) { c.close(close_code::internal_error, "internal error"); });
}

// -- bus and timers --------------------------------------------------------------------

void PluginRuntime::deliver_event(const Event& event, bool gap) {
    if (instance_ == nullptr || desc_->on_event == nullptr) return;
    sy_event_v1 e = abi_event(event);
    e.gap = gap ? 1 : 0;
    HookScope scope(hooks_, "on_event");
    const sy_status status = desc_->on_event(instance_, &e);
    if (status != SY_OK) {
        spdlog::error("plugin {}: on_event failed (status {}) for {} seq {}", config_.name, status,
                      event.topic, event.seq);
    }
}

void PluginRuntime::fire_timer(sy_timer_id id, uint64_t tag) {
    if (instance_ == nullptr || desc_->on_timer == nullptr) return;
    HookScope scope(hooks_, "on_timer");
    const sy_status status = desc_->on_timer(instance_, id, tag);
    if (status != SY_OK) hook_failed("on_timer", status, 0);
}

sy_status PluginRuntime::deliver_follow(sy_follow_id id, const sy_follow_event_v1& event) {
    // A 1.0 or 1.1 descriptor ends before on_follow: the field is not there to read.
    if (instance_ == nullptr || desc_ == nullptr || !SY_HAS_FIELD(desc_, sy_plugin_v1, on_follow) ||
        desc_->on_follow == nullptr) {
        return SY_OK;
    }
    return call_hook(hooks_, "on_follow", [&] { return desc_->on_follow(instance_, id, &event); });
}

void PluginRuntime::deliver_state_saved(const std::string& key, uint64_t tag, sy_status result) {
    // A descriptor older than 1.3 ends before on_state_saved: the field is not there.
    if (instance_ == nullptr || desc_ == nullptr ||
        !SY_HAS_FIELD(desc_, sy_plugin_v1, on_state_saved) || desc_->on_state_saved == nullptr) {
        return;
    }
    const sy_status status = call_hook(hooks_, "on_state_saved", [&] {
        return desc_->on_state_saved(instance_, view(key), tag, result);
    });
    if (status != SY_OK) hook_failed("on_state_saved", status, 0);
}

} // namespace switchyard

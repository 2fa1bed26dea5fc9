// jetstart: JetStart's hot-reload server (seed 003, PROTOCOLS.md "jetstart").
//
// Three endpoints. `core` (WebSocket at "/"): a device's first message is client:connect,
// checked against session_id (4001) and token (4002); anything else first, or nothing
// within connect_timeout_ms, closes with 1008. An authenticated device joins the kernel
// group "core": every core:* event of the bus stream `jetstart` becomes one frame,
// `{"type", "timestamp", "sessionId", ...data}`, encoded once and broadcast to that group
// (a dex reload of 32 MiB is one shared buffer whatever the number of devices). Client
// messages are validated and published on inbound/jetstart; client:log also reaches the
// logs sockets and, as core:log, the other devices. GET /qr.svg on the core endpoint
// draws the QR code (loopback peers only). `logs` (WebSocket at "/"): subscribe / log /
// clear / stats over a bounded ring of entries, each kept with its shared frame. `http`:
// GET /download/<file> from artifact_dir through the kernel's file service.
#include "jetstart_logs.hpp"
#include "jetstart_protocol.hpp"
#include "jetstart_qr.hpp"
#include "jetstart_settings.hpp"
#include "jetstart_snapshot.hpp"

#include <switchyard/log_budget.hpp>
#include <switchyard/plugin.hpp>
#include <switchyard/scope.hpp>

#include <deque>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace switchyard::jetstart {
namespace {

// Largest client message on the core and logs sockets.
constexpr uint64_t kMaxClientMessageBytes = 1 << 20;
// Bytes that may wait in one device's write queue before it is cut off as a slow
// consumer: two of the largest server messages (32 MiB of base64 each, by default) and
// room for the small ones around them. Frames are shared: a queued dex reload costs a
// reference, not a copy, so this bounds what one slow device pins.
constexpr uint64_t kCoreQueuedBytes = (uint64_t{2} * 32 + 8) << 20;
// The logs socket: a replay queues one shared frame per stored entry.
constexpr uint32_t kLogsQueuedFrames = 131'072;
constexpr uint64_t kLogsQueuedBytes = uint64_t{64} << 20;
// The largest stored log entry, and what all stored entries may take together.
constexpr size_t kMaxLogEntryBytes = 256 << 10;
constexpr size_t kMaxLogStoreBytes = 32 << 20;
// WebSocket close reasons are at most 123 bytes.
constexpr size_t kMaxCloseReason = 123;

constexpr uint64_t kSweepTimerTag = ~uint64_t{0};
// What on_event's message buffer keeps between events: small messages reuse it, a
// dex reload's megabytes are given back.
constexpr size_t kScratchKeptBytes = 256 << 10;
// The per-connection state of a logs socket.
constexpr std::string_view kLogsSocketMark = "logs";

constexpr std::string_view kForbidden = R"({"error":"FORBIDDEN"})";
constexpr std::string_view kNotFound = R"({"error":"NOT_FOUND"})";

// The indices of each endpoint's routes, as Request::route_index() reports them.
enum CoreRoute : uint32_t { kCoreSocketRoute, kQrSvgRoute };

bool is_loopback_address(std::string_view address) {
    if (address.starts_with("::ffff:")) address.remove_prefix(7);
    return address == "::1" || address.starts_with("127.");
}

// `reason` cut to what a close frame carries, on a UTF-8 boundary.
std::string close_reason(std::string_view reason) {
    if (reason.size() <= kMaxCloseReason) return std::string(reason);
    size_t end = kMaxCloseReason;
    while (end > 0 && (static_cast<unsigned char>(reason[end]) & 0xC0) == 0x80) --end;
    return std::string(reason.substr(0, end));
}

class JetstartPlugin final : public sdk::Plugin {
  public:
    static constexpr const char* kName = "jetstart";
    static constexpr const char* kVersion = "1.0.0";
    static constexpr const char* kDescription =
        "JetStart: core WebSocket (client:connect, build events, dex/js hot reload), logs "
        "WebSocket (subscribe, log, clear, stats), /download artifacts, the pairing QR code";
    static constexpr sy_route_v1 kCoreRoutes[] = {sdk::websocket_route("/"),
                                                  sdk::http_route("GET", "/qr.svg")};
    static constexpr sy_route_v1 kLogsRoutes[] = {sdk::websocket_route("/")};
    static constexpr sy_route_v1 kHttpRoutes[] = {sdk::http_route("GET", "/download/*"),
                                                  sdk::http_route("HEAD", "/download/*")};
    static constexpr sy_endpoint_v1 kEndpoints[] = {
        sdk::endpoint("core", "127.0.0.1:8766", kCoreRoutes, kMaxClientMessageBytes, 0,
                      kCoreQueuedBytes),
        sdk::endpoint("logs", "127.0.0.1:8767", kLogsRoutes, kMaxClientMessageBytes,
                      kLogsQueuedFrames, kLogsQueuedBytes),
        sdk::endpoint("http", "127.0.0.1:8765", kHttpRoutes)};
    static constexpr const char* kStreams[] = {"jetstart"};

    JetstartPlugin(sdk::Host host, const sdk::Config& config)
        : Plugin(host),
          settings_(parse_settings(config.json)),
          core_(host.group("core")),
          logs_(host.group("logs")),
          store_(settings_.max_log_entries, kMaxLogStoreBytes) {
        const uint64_t queue_bound =
            settings_.max_queued_bytes != 0 ? settings_.max_queued_bytes : kCoreQueuedBytes;
        if (settings_.max_message_bytes + (64 << 10) > queue_bound)
            throw std::invalid_argument(
                "config key 'max_message_bytes' must leave room in a device's write queue "
                "(max_queued_bytes, " +
                std::to_string(queue_bound) + " bytes)");
        Snapshot previous;
        if (!config.snapshot.empty()) {
            if (std::optional<Snapshot> decoded = decode_snapshot(config.snapshot)) {
                previous = std::move(*decoded);
            } else {
                host.warn("the previous generation's snapshot is unreadable; ignored");
            }
        }
        adopt_secrets(previous);
        for (Device& device : previous.devices) devices_.emplace(device.conn, std::move(device));
        connect_timers_.insert(previous.connect_timers.begin(), previous.connect_timers.end());
        for (const std::string& text : previous.logs) restore_log(text);
        if (previous.sweep_timer != 0) host.timer_cancel(previous.sweep_timer);
        sweep_timer_ = host.timer_start(settings_.heartbeat_interval_ms,
                                        settings_.heartbeat_interval_ms, kSweepTimerTag);
        if (sweep_timer_ == 0) throw std::runtime_error("could not start the heartbeat timer");
        connect_info_ = ConnectInfo{settings_.advertised_host,
                                    settings_.advertised_http_port,
                                    settings_.advertised_ws_port,
                                    settings_.session_id,
                                    settings_.token,
                                    settings_.project_name};
        const QrMatrix qr = encode_qr(qr_payload(connect_info_));
        qr_svg_ = svg_document(qr);
        if (config.generation <= 1 || config.snapshot.empty()) announce(qr);
    }

    std::string snapshot() override {
        Snapshot state;
        state.session_id = settings_.session_id;
        state.token = settings_.token;
        state.sweep_timer = sweep_timer_;
        for (const auto& [conn, device] : devices_) state.devices.push_back(device);
        state.connect_timers.assign(connect_timers_.begin(), connect_timers_.end());
        for (const LogEntry& entry : store_.entries()) state.logs.push_back(entry.json);
        return encode_snapshot(state);
    }

    sy_status on_http(const sdk::Request& request, sdk::Response& response) override {
        if (request.endpoint() == "core") {
            if (!is_loopback_address(request.peer_address())) {
                response.status = 403;
                response.body = kForbidden;
                return SY_OK;
            }
            response.status = 200;
            response.content_type = "image/svg+xml";
            response.headers = {{"Cache-Control", "no-store"}};
            response.body = qr_svg_;
            return SY_OK;
        }
        // /download/<file>: the kernel looks the name up under artifact_dir, refuses
        // "..", dotfiles and links out, and sends the file off the network threads.
        if (settings_.artifact_dir.empty()) {
            response.status = 404;
            response.body = kNotFound;
            return SY_OK;
        }
        sdk::FileResponse file;
        file.root = settings_.artifact_dir;
        file.path = request.path().substr(std::string_view("/download").size());
        file.headers = {{"Cache-Control", "no-cache"}};
        if (std::string_view(file.path).ends_with(".apk"))
            file.content_type = "application/vnd.android.package-archive";
        const sy_status status = host().respond_file(request.id(), file);
        if (status == SY_ERR_UNSUPPORTED) {
            response.status = 500;
            response.body = R"({"error":"INTERNAL"})";
            return SY_OK;
        }
        return SY_DEFERRED;
    }

    sy_status on_open(sy_conn_id conn, const sdk::Request& request) override {
        if (request.endpoint() == "logs") {
            // Marked in the kernel's per-connection state, which outlives a reload: that is
            // how on_message tells a logs socket from a core one.
            const sy_status status = host().conn_state_set(conn, kLogsSocketMark);
            if (status != SY_OK) return sdk::ignore_gone(status);
            return sdk::ignore_gone(host().group_add(logs_, conn));
        }
        // A core socket has connect_timeout_ms to authenticate; the timer's tag is the
        // connection, so a later generation can still act on it.
        const sy_timer_id timer = host().timer_start(settings_.connect_timeout_ms, 0, conn);
        if (timer == 0) {
            host().warn("could not start a connect timer for connection " + std::to_string(conn));
        } else {
            connect_timers_[conn] = timer;
        }
        return SY_OK;
    }

    sy_status on_message(sy_conn_id conn, sy_frame_kind kind, std::string_view payload) override {
        if (host().conn_state_get(conn) == kLogsSocketMark)
            return on_logs_message(conn, kind, payload);
        return on_core_message(conn, kind, payload);
    }

    void on_close(sy_conn_id conn, uint16_t code, std::string_view reason) override {
        cancel_connect_timer(conn);
        const auto it = devices_.find(conn);
        if (it == devices_.end()) return;
        devices_.erase(it);
        if (dropped_.erase(conn) != 0) return; // reported when it was dropped
        const bool timeout = reason == "pong timeout";
        std::string data = "{\"code\":" + std::to_string(code) + ",\"reason\":";
        json::append_escaped(data, reason);
        data += '}';
        publish_inbound(conn, timeout ? "client:timeout" : "client:disconnected", data);
    }

    sy_status on_event(const sdk::Event& event) override {
        if (event.internal()) return SY_OK;
        const std::string_view type = event.type();
        if (!type.starts_with("core:") && type != "ping") {
            host().warn("event type '" + std::string(type) +
                        "' of stream jetstart is not a core:* message; not sent");
            return SY_OK;
        }
        const std::optional<sy_conn_id> target = scope_conn(event.scope());
        if (!target && host().group_size(core_) == 0) return SY_OK;
        // The message is the data plus a head of type, timestamp and session: data this
        // large cannot fit, and is refused before any byte is copied.
        if (event.data().size() > settings_.max_message_bytes)
            return too_large(event, event.data().size());
        scratch_.clear();
        const bool is_json =
            append_server_message(scratch_, type, event.ts(), settings_.session_id, event.data());
        const size_t message_bytes = scratch_.size();
        sdk::Frame frame;
        if (is_json && message_bytes <= settings_.max_message_bytes) {
            frame = host().frame(SY_FRAME_TEXT, scratch_);
        }
        // The buffer is reused for the small messages, but a dex reload's megabytes are not
        // kept for the next one: they would stay in memory between reloads.
        if (scratch_.capacity() > kScratchKeptBytes) std::string().swap(scratch_);
        if (!is_json) {
            host().warn("event '" + std::string(type) + "' has data that is not JSON; not sent");
            return SY_OK;
        }
        if (message_bytes > settings_.max_message_bytes) return too_large(event, message_bytes);
        if (!frame) {
            host().warn("event '" + std::string(type) +
                        "' is larger than a frame may be; not sent");
            return SY_OK;
        }
        if (target) {
            // scope.conn: one device of the session, never an unauthenticated socket.
            if (devices_.contains(*target)) sdk::ignore_gone(host().send(*target, frame));
            return SY_OK;
        }
        host().broadcast(core_, frame);
        return SY_OK;
    }

    sy_status on_timer(sy_timer_id timer, uint64_t tag) override {
        (void)timer;
        if (tag == kSweepTimerTag) {
            sweep();
            return SY_OK;
        }
        // A connect timer: the socket has not authenticated in time.
        const sy_conn_id conn = tag;
        connect_timers_.erase(conn);
        if (!devices_.contains(conn))
            host().close(conn, kPolicyViolationCode, "client:connect not received in time");
        return SY_OK;
    }

    void on_shutdown() override {
        if (host().group_size(core_) == 0) return;
        const std::string text = disconnect_message(host().now_ms(), "Server stopped");
        sdk::Frame frame = host().frame(SY_FRAME_TEXT, text);
        if (frame) host().broadcast(core_, frame);
    }

  private:
    sy_status too_large(const sdk::Event& event, size_t bytes) const {
        host().warn("event '" + std::string(event.type()) + "' seq " + std::to_string(event.seq()) +
                    " is " + std::to_string(bytes) + " bytes, over max_message_bytes (" +
                    std::to_string(settings_.max_message_bytes) + "); not sent");
        return SY_OK;
    }

    // Session and token: the config's; else the previous generation's (generated ones
    // must not change under connected devices); else new random ones.
    void adopt_secrets(const Snapshot& previous) {
        if (settings_.session_id.empty()) {
            settings_.session_generated = true;
            settings_.session_id =
                previous.session_id.empty() ? random_secret() : previous.session_id;
        }
        if (settings_.token.empty()) {
            settings_.token_generated = true;
            settings_.token = previous.token.empty() ? random_secret() : previous.token;
        }
    }

    // The connect address, session, token and the QR code, in the log.
    void announce(const QrMatrix& qr) {
        host().info("JetStart session " + settings_.session_id +
                    (settings_.session_generated ? " (generated)" : "") + ", token " +
                    settings_.token + (settings_.token_generated ? " (generated)" : ""));
        host().info("connect: " + connect_url(connect_info_) + "  artifacts: http://" +
                    connect_info_.host + ':' + std::to_string(connect_info_.http_port) +
                    "/download/  QR payload: " + qr_payload(connect_info_));
        host().info(
            "scan this QR code with the JetStart app (also at GET /qr.svg on the core "
            "endpoint, loopback only):");
        for (const std::string& row : terminal_rows(qr)) host().info(row);
        if (connect_info_.host == "localhost" || connect_info_.host.starts_with("127."))
            host().info("the QR code names " + connect_info_.host +
                        ": a phone cannot reach it; set listen.core and advertised_host to the "
                        "machine's LAN address");
    }

    // -- core socket ------------------------------------------------------------------

    sy_status on_core_message(sy_conn_id conn, sy_frame_kind kind, std::string_view payload) {
        const auto device = devices_.find(conn);
        const bool authenticated = device != devices_.end();
        if (authenticated) device->second.last_seen_ms = host().now_ms();
        if (kind != SY_FRAME_TEXT) {
            if (!authenticated) return close_policy(conn, "client:connect must come first");
            return send_error(conn, "binary messages are not part of the protocol", "");
        }
        const ClientMessage message = read_client_message(payload);
        if (message.type == ClientType::Pong) return SY_OK;
        if (!authenticated) {
            if (message.parsed && message.type == ClientType::Unknown)
                return send_error(conn, message.problem, message.type_name, false);
            if (message.type != ClientType::Connect)
                return close_policy(conn, "client:connect must come first");
            if (!message.problem.empty())
                return close_policy(conn, "invalid client:connect: " + message.problem);
            return authenticate(conn, message, payload);
        }
        if (!message.problem.empty()) return send_error(conn, message.problem, message.type_name);
        // Checked again, as a first one: a wrong session or token closes the socket.
        if (message.type == ClientType::Connect) return authenticate(conn, message, payload);
        if (message.session_id && !host().secure_equals(*message.session_id, settings_.session_id))
            return send_error(conn, "sessionId does not match this session", message.type_name);
        switch (message.type) {
            case ClientType::Heartbeat: device->second.heartbeats = true; break;
            case ClientType::Click:
                if (device->second.platform != "web")
                    return send_error(conn, "client:click is accepted from the web platform only",
                                      message.type_name);
                break;
            case ClientType::Log:
                if (message.log_json.size() > kMaxLogEntryBytes)
                    return send_error(conn, "log is larger than 256 KiB", message.type_name);
                deliver_device_log(conn, message);
                break;
            default: break;
        }
        publish_inbound(conn, message.type_name, payload);
        return SY_OK;
    }

    sy_status authenticate(sy_conn_id conn, const ClientMessage& message,
                           std::string_view payload) {
        if (!host().secure_equals(*message.session_id, settings_.session_id)) {
            devices_.erase(conn);
            return sdk::ignore_gone(
                host().close(conn, kSessionMismatchCode, kSessionMismatchReason));
        }
        const bool token_ok = message.token ? host().secure_equals(*message.token, settings_.token)
                                            : !settings_.require_token;
        if (!token_ok) {
            devices_.erase(conn);
            return sdk::ignore_gone(host().close(conn, kTokenMismatchCode, kTokenMismatchReason));
        }
        cancel_connect_timer(conn);
        const bool again = devices_.contains(conn);
        Device& device = devices_[conn];
        device.conn = conn;
        device.platform = message.platform;
        device.last_seen_ms = host().now_ms();
        // The kernel pings the device every heartbeat interval and drops it when no pong
        // comes within another: silent for two intervals at most.
        host().keepalive(conn, settings_.heartbeat_interval_ms, settings_.heartbeat_interval_ms);
        sy_status status = host().send_text(
            conn, connected_message(host().now_ms(), settings_.session_id, settings_.project_name));
        if (status != SY_OK) return sdk::ignore_gone(status);
        if (!again) {
            status = host().group_add(core_, conn);
            if (status != SY_OK) return sdk::ignore_gone(status);
        }
        publish_inbound(conn, message.type_name, payload);
        return SY_OK;
    }

    void cancel_connect_timer(sy_conn_id conn) {
        const auto it = connect_timers_.find(conn);
        if (it == connect_timers_.end()) return;
        host().timer_cancel(it->second);
        connect_timers_.erase(it);
    }

    sy_status close_policy(sy_conn_id conn, std::string_view reason) {
        return sdk::ignore_gone(host().close(conn, kPolicyViolationCode, close_reason(reason)));
    }

    sy_status send_error(sy_conn_id conn, std::string_view problem, std::string_view type,
                         bool authenticated = true) {
        return sdk::ignore_gone(host().send_text(
            conn, error_message(host().now_ms(), authenticated ? settings_.session_id : "", problem,
                                type)));
    }

    // A refused publish (the bus down, a client's message the bus will not take) is logged
    // at a bounded rate: every device message would otherwise write a line while the bus
    // is down, so a client could flood the log.
    void publish_inbound(sy_conn_id conn, std::string_view type, std::string_view data) {
        if (host().publish_from_client(kInboundTopic, conn, type, data)) return;
        uint64_t held_back = 0;
        if (!refused_log_.admit(host().now_ms(), held_back)) return;
        if (held_back != 0)
            host().warn(std::to_string(held_back) + " more refused publishes not logged");
        host().warn("the bus refused " + std::string(type) + " of connection " +
                    std::to_string(conn));
    }

    // A device's client:log: stored, to every logs socket as the bare entry, and to the
    // session's other devices as core:log.
    void deliver_device_log(sy_conn_id conn, const ClientMessage& message) {
        std::optional<json::Value> entry = json::parse(message.log_json);
        if (!entry) return;
        store_log(*entry);
        if (host().group_size(core_) > 1) {
            sdk::Frame frame =
                host().frame(SY_FRAME_TEXT,
                             log_message(host().now_ms(), settings_.session_id, message.log_json));
            if (frame) host().broadcast(core_, frame, conn);
        }
    }

    // The previous generation's entry, back in the store with a new frame.
    void restore_log(std::string_view text) {
        std::optional<json::Value> entry = json::parse(text);
        if (!entry) return;
        std::optional<LogEntry> stored = make_log_entry(*entry, nullptr);
        if (!stored) return;
        sdk::Frame frame = host().frame(SY_FRAME_TEXT, stored->json);
        if (!frame) return;
        keep(std::move(*stored), std::move(frame));
    }

    // Stores a valid entry and sends it to every logs socket. False when it is not one.
    bool store_log(const json::Value& value, std::string* problem = nullptr) {
        std::optional<LogEntry> entry = make_log_entry(value, problem);
        if (!entry) return false;
        if (entry->json.size() > kMaxLogEntryBytes) {
            if (problem != nullptr) *problem = "log entry larger than 256 KiB";
            return false;
        }
        sdk::Frame frame = host().frame(SY_FRAME_TEXT, entry->json);
        if (!frame) return false;
        if (host().group_size(logs_) != 0) host().broadcast(logs_, frame);
        keep(std::move(*entry), std::move(frame));
        return true;
    }

    void keep(LogEntry entry, sdk::Frame frame) {
        const size_t evicted = store_.add(std::move(entry));
        log_frames_.push_back(std::move(frame));
        for (size_t i = 0; i < evicted; ++i) log_frames_.pop_front();
    }

    // -- logs socket ------------------------------------------------------------------

    sy_status on_logs_message(sy_conn_id conn, sy_frame_kind kind, std::string_view payload) {
        if (kind != SY_FRAME_TEXT) return ignored(conn, "a binary message");
        std::string error;
        std::optional<json::Value> message =
            json::parse(payload, &error, json::ParseLimits{16, 20'000});
        if (!message || !message->is_object()) return ignored(conn, "not a JSON object");
        const json::Value* type = message->find("type");
        if (type == nullptr || !type->is_string()) return ignored(conn, "no string type");
        const std::string& name = type->as_string();
        if (name == "subscribe") return subscribe(conn, *message);
        if (name == "log") {
            const json::Value* entry = message->find("log");
            std::string problem = "log is required";
            if (entry == nullptr || !store_log(*entry, &problem)) return ignored(conn, problem);
            return SY_OK;
        }
        if (name == "clear") {
            store_.clear();
            log_frames_.clear();
            return SY_OK;
        }
        if (name == "stats")
            return sdk::ignore_gone(host().send_text(conn, store_.stats_message()));
        return ignored(conn, "unknown type " + name);
    }

    sy_status subscribe(sy_conn_id conn, const json::Value& message) {
        std::string problem;
        std::optional<LogFilter> filter = read_log_filter(message.find("filter"), &problem);
        if (!filter) return ignored(conn, problem);
        std::optional<uint64_t> max_lines;
        if (const json::Value* lines = message.find("maxLines");
            lines != nullptr && !lines->is_null()) {
            const std::optional<int64_t> n = lines->as_int64();
            if (!n || *n < 0) return ignored(conn, "maxLines must be a whole number");
            // As the shipping server: maxLines 0 means every entry (`maxLines ? ... : all`).
            if (*n > 0) max_lines = static_cast<uint64_t>(*n);
        }
        for (size_t index : store_.select(*filter, max_lines)) {
            const sy_status status = host().send(conn, log_frames_[index]);
            if (status != SY_OK) return sdk::ignore_gone(status);
        }
        return SY_OK;
    }

    // The shipping logs server answers nothing to a message it cannot use; neither do we
    // (a client reads every message as a LogEntry or stats). Logged, at a bounded rate.
    sy_status ignored(sy_conn_id conn, std::string_view why) {
        uint64_t held_back = 0;
        if (ignored_log_.admit(host().now_ms(), held_back))
            host().info("logs connection " + std::to_string(conn) +
                        ": ignored a message: " + std::string(why));
        return SY_OK;
    }

    // -- liveness ---------------------------------------------------------------------

    // A device that sends heartbeats and has been silent for more than two intervals is
    // dropped and reported (the kernel's ping covers devices that send none).
    void sweep() {
        const int64_t now = host().now_ms();
        const int64_t limit = int64_t{2} * settings_.heartbeat_interval_ms;
        std::vector<sy_conn_id> silent;
        for (const auto& [conn, device] : devices_) {
            if (device.heartbeats && now - device.last_seen_ms > limit) silent.push_back(conn);
        }
        for (sy_conn_id conn : silent) {
            const int64_t quiet = now - devices_[conn].last_seen_ms;
            dropped_.insert(conn);
            publish_inbound(conn, "client:timeout",
                            "{\"code\":1001,\"reason\":\"heartbeat timeout\",\"silentMs\":" +
                                std::to_string(quiet) + "}");
            host().close(conn, 1001, "Heartbeat timeout");
        }
    }

    // The conn of an event's scope ({"conn":"<id>"}), when it names one.
    static std::optional<sy_conn_id> scope_conn(std::string_view scope) {
        const sdk::ScopeConn target = sdk::read_scope_conn(scope);
        if (!target.valid || target.conn == 0) return std::nullopt;
        return target.conn;
    }

    JetstartSettings settings_;
    sy_group_id core_; // authenticated core connections
    sy_group_id logs_; // logs sockets
    ConnectInfo connect_info_;
    std::string qr_svg_;
    std::unordered_map<sy_conn_id, Device> devices_;
    // Core sockets not authenticated yet, and their connect timers (kept across a reload:
    // the kernel keeps the timers, whose tag is the connection).
    std::unordered_map<sy_conn_id, sy_timer_id> connect_timers_;
    std::unordered_set<sy_conn_id> dropped_; // dropped by the sweep, reported already
    LogStore store_;
    std::deque<sdk::Frame> log_frames_; // one per stored entry, in the same order
    sy_timer_id sweep_timer_ = 0;
    sdk::LogBudget ignored_log_{5, 10'000}; // logs sockets' ignored messages
    sdk::LogBudget refused_log_{5};         // publishes the bus refused
    // Reused from event to event: a hot reload's payload is encoded into memory that is
    // already mapped (first-touching 32 MiB costs more than copying it). Its capacity is
    // bounded by the largest message sent (max_message_bytes and a little).
    std::string scratch_;
};

} // namespace
} // namespace switchyard::jetstart

SWITCHYARD_PLUGIN(switchyard::jetstart::JetstartPlugin)

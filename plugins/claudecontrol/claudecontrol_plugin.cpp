// claudecontrol: ClaudeControl's server (seed 004, PROTOCOLS.md "claudecontrol").
//
// One endpoint. WebSocket at "/": with a PIN set, a client presents its token (the PIN's
// SHA-256) as ?token= or Authorization: Bearer; without a valid one the upgrade is
// accepted and the socket closed with 4001 Unauthorized. The kernel pings every socket
// (ping_interval_ms, pong_timeout_ms). Every event of the bus stream `claudecontrol`
// becomes `{"type", "workspaceId"?, ...data}`, encoded once and broadcast to kernel
// groups: "all" (every client) for an unscoped event; the workspace's transient group
// "ws:<id>" and "unsubscribed" for an event of claudecontrol/<id>. subscribe moves a
// client from "unsubscribed" into its workspace's group (a new subscribe replaces it),
// unsubscribe moves it back: the filter is group membership, never a per-client check.
// permission_request events are remembered until a client's permission_response (the
// first wins), which goes to inbound/claudecontrol. HTTP: GET /api/auth/status, POST
// /api/auth/login, PUT and DELETE /api/settings/pin; the token is kept on disk by the
// kernel (state_save), and a PIN change is answered once it is there.
#include "claudecontrol_auth.hpp"
#include "claudecontrol_protocol.hpp"
#include "claudecontrol_settings.hpp"
#include "claudecontrol_snapshot.hpp"

#include <switchyard/log_budget.hpp>
#include <switchyard/plugin.hpp>
#include <switchyard/scope.hpp>

#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace switchyard::claudecontrol {
namespace {

// Largest client message (a permission_response's updatedInput may hold a file's text).
constexpr uint64_t kMaxMessageBytes = 1 << 20;
// Largest HTTP body the auth routes read: a PIN is at most 8 characters.
constexpr size_t kMaxBodyBytes = 4096;
// Client addresses whose wrong PINs are counted at once.
constexpr size_t kMaxCountedAddresses = 4096;

constexpr std::string_view kAllGroup = "all";
constexpr std::string_view kUnsubscribedGroup = "unsubscribed";
constexpr std::string_view kWorkspaceGroupPrefix = "ws:";

// The indices of kRoutes, as Request::route_index() reports them.
enum Route : uint32_t {
    kSocketRoute,
    kStatusRoute,
    kLoginRoute,
    kSetPinRoute,
    kRemovePinRoute,
    kPreflightRoute,
    kOtherRoute
};

void answer(sdk::Response& response, uint16_t status, std::string body) {
    response.status = status;
    response.body = std::move(body);
}

sdk::Response json_response(uint16_t status, std::string body) {
    sdk::Response response;
    answer(response, status, std::move(body));
    return response;
}

class ClaudeControlPlugin final : public sdk::Plugin {
  public:
    static constexpr const char* kName = "claudecontrol";
    static constexpr const char* kVersion = "1.0.0";
    static constexpr const char* kDescription =
        "ClaudeControl: WebSocket / (PIN token, workspace subscriptions, permission round "
        "trips), POST /api/auth/login, GET /api/auth/status, PUT/DELETE /api/settings/pin";
    // The WebSocket route at "/" leaves a plain request to the HTTP routes after it.
    static constexpr sy_route_v1 kRoutes[] = {sdk::websocket_route("/"),
                                              sdk::http_route("GET", "/api/auth/status"),
                                              sdk::http_route("POST", "/api/auth/login"),
                                              sdk::http_route("PUT", "/api/settings/pin"),
                                              sdk::http_route("DELETE", "/api/settings/pin"),
                                              sdk::http_route("OPTIONS", "*"),
                                              sdk::upstream_route("*", "*")};
    static constexpr sy_endpoint_v1 kEndpoints[] = {
        sdk::endpoint("default", "127.0.0.1:22609", kRoutes, kMaxMessageBytes)};
    static constexpr const char* kStreams[] = {"claudecontrol"};

    ClaudeControlPlugin(sdk::Host host, const sdk::Config& config)
        : Plugin(host),
          settings_(parse_settings(config.json)),
          all_(host.group(kAllGroup)),
          unsubscribed_(host.group(kUnsubscribedGroup)),
          failures_(kMaxCountedAddresses, settings_.max_login_failures, settings_.login_window_ms) {
        for (const std::string& name : settings_.allowed_origins)
            allowed_hosts_.push_back(sdk::to_sy_str(name));
        Snapshot previous;
        bool have_previous = false;
        if (!config.snapshot.empty()) {
            if (std::optional<Snapshot> decoded = decode_snapshot(config.snapshot)) {
                previous = std::move(*decoded);
                have_previous = true;
            } else {
                host.warn("the previous generation's snapshot is unreadable; ignored");
            }
        }
        adopt_token(previous, have_previous);
        for (PinChange& change : previous.pin_changes)
            pin_changes_.emplace(change.request, std::move(change));
        for (ClientState& client : previous.clients)
            clients_.emplace(client.conn, std::move(client.workspace));
        for (PendingPermission& request : previous.pending) remember(std::move(request));
        failures_.restore(previous.failures);
    }

    std::string snapshot() override {
        Snapshot state;
        state.token = token_;
        state.token_in_memory_only = token_in_memory_only_;
        for (const auto& [request, change] : pin_changes_) state.pin_changes.push_back(change);
        state.clients.reserve(clients_.size());
        for (const auto& [conn, workspace] : clients_) state.clients.push_back({conn, workspace});
        state.pending.assign(pending_order_.begin(), pending_order_.end());
        state.failures = failures_.entries();
        return encode_snapshot(state);
    }

    sy_status on_http(const sdk::Request& request, sdk::Response& response) override {
        if (!host().origin_host_allowed(request, allowed_hosts_)) {
            answer(response, 403, error_body("Forbidden origin"));
            return SY_OK;
        }
        // A page of an allowed origin (the phone UI from a dev server) may read the answer.
        const std::optional<std::string_view> origin = request.find_header("Origin");
        if (origin) append_cors_headers(response.headers, *origin);
        if (request.route_index() == kPreflightRoute) {
            if (origin) append_preflight_headers(response.headers);
            response.status = 204;
            return SY_OK;
        }
        if (request.body().size() > kMaxBodyBytes) {
            answer(response, 413, error_body("Body too large"));
            return SY_OK;
        }
        switch (request.route_index()) {
            case kStatusRoute:
                answer(response, 200,
                       token_.empty() ? R"({"requiresPin":false})" : R"({"requiresPin":true})");
                return SY_OK;
            case kLoginRoute: login(request, response); return SY_OK;
            case kSetPinRoute:
            case kRemovePinRoute: return change_pin(request, response);
            default: answer(response, 404, error_body("Not found")); return SY_OK;
        }
    }

    // The product's other REST routes pass to its server when the config names it as
    // `upstream`: from an allowed Origin, and with the PIN's token while a PIN is set
    // (Authorization: Bearer, as the seed's clients send it), CORS headers added.
    sy_status on_upstream(const sdk::Request& request, sdk::Response& response) override {
        if (!host().origin_host_allowed(request, allowed_hosts_)) {
            answer(response, 403, error_body("Forbidden origin"));
            return SY_OK;
        }
        if (!authorized(request)) {
            answer(response, 401, error_body("Unauthorized"));
            return SY_OK;
        }
        if (const auto origin = request.find_header("Origin"))
            append_cors_headers(response.headers, *origin);
        return SY_OK;
    }

    sy_status on_accept(const sdk::Request& request, sdk::Response& response) override {
        if (!host().origin_host_allowed(request, allowed_hosts_)) {
            answer(response, 403, error_body("Forbidden origin"));
            return SY_OK;
        }
        // An address locked out for wrong guesses may not guess tokens either.
        if (!token_.empty() && presented_token(request) && locked_out(request, response))
            return SY_OK;
        return SY_OK;
    }

    sy_status on_open(sy_conn_id conn, const sdk::Request& request) override {
        if (!token_.empty()) {
            const std::optional<std::string> token = presented_token(request);
            if (!token || !host().secure_equals(*token, token_)) {
                if (token) failures_.record_failure(request.peer_address(), host().now_ms());
                return sdk::ignore_gone(host().close(conn, kUnauthorizedCode, kUnauthorizedReason));
            }
        }
        sy_status status = host().group_add(all_, conn);
        if (status == SY_OK) status = host().group_add(unsubscribed_, conn);
        if (status != SY_OK) return sdk::ignore_gone(status);
        clients_.emplace(conn, std::string());
        return SY_OK;
    }

    sy_status on_message(sy_conn_id conn, sy_frame_kind kind, std::string_view payload) override {
        const auto client = clients_.find(conn);
        if (client == clients_.end()) return SY_OK; // closing: unauthorized
        if (kind != SY_FRAME_TEXT) return refuse(conn, "binary messages are not accepted");
        const ClientMessage message = read_client_message(payload);
        switch (message.type) {
            case ClientType::Subscribe:
                return subscribe(conn, client->second, message.workspace_id);
            case ClientType::Unsubscribe: return unsubscribe(conn, client->second);
            case ClientType::PermissionResponse:
                return answer_permission(conn, message.request_id, payload);
            case ClientType::Invalid: break;
        }
        return refuse(conn, message.problem, message.request_id);
    }

    void on_close(sy_conn_id conn, uint16_t code, std::string_view reason) override {
        (void)code;
        (void)reason;
        // The kernel takes the connection out of every group (a workspace's group goes
        // away with its last member).
        clients_.erase(conn);
    }

    sy_status on_event(const sdk::Event& event) override {
        if (event.internal()) return SY_OK;
        const std::optional<std::string_view> workspace = workspace_of_topic(event.topic());
        scratch_.clear();
        if (!append_event(scratch_, event.type(), workspace, event.data())) {
            host().warn("event '" + std::string(event.type()) + "' seq " +
                        std::to_string(event.seq()) + " has data that is not JSON; not sent");
            return SY_OK;
        }
        if (event.type() == "permission_request") {
            if (std::optional<std::string> id = permission_request_id(event.data())) {
                remember(PendingPermission{std::move(*id), std::string(workspace.value_or(""))});
            } else {
                host().warn("a permission_request without a requestId string (seq " +
                            std::to_string(event.seq()) + "): no client can answer it");
            }
        }
        const sdk::Frame frame = host().frame(SY_FRAME_TEXT, scratch_);
        if (!frame) {
            host().warn("event '" + std::string(event.type()) + "' seq " +
                        std::to_string(event.seq()) + " is larger than a frame may be; not sent");
            return SY_OK;
        }
        const sdk::ScopeConn target = sdk::read_scope_conn(event.scope());
        if (!target.valid) {
            host().warn("event seq " + std::to_string(event.seq()) +
                        ": scope.conn is not a connection id; not sent");
            return SY_OK;
        }
        if (target.conn != 0) {
            if (clients_.contains(target.conn)) sdk::ignore_gone(host().send(target.conn, frame));
            return SY_OK;
        }
        if (!workspace) {
            host().broadcast(all_, frame);
            return SY_OK;
        }
        // The workspace's members and every client without a subscription; a client is in
        // exactly one of the two groups, so none gets it twice.
        const sy_group_id group = host().group_transient(workspace_group(*workspace));
        if (host().group_size(group) != 0) host().broadcast(group, frame);
        host().broadcast(unsubscribed_, frame);
        return SY_OK;
    }

    sy_status on_state_saved(std::string_view key, uint64_t tag, sy_status result) override {
        if (key != kPinStateKey) return SY_OK;
        const auto found = pin_changes_.find(tag);
        if (found == pin_changes_.end()) return SY_OK; // a revert, or a change answered already
        PinChange change = std::move(found->second);
        pin_changes_.erase(found);
        if (result != SY_OK) {
            host().error("the new PIN could not be saved; the old one stays in force");
            revert_state(change.previous_state);
            respond(change, json_response(500, error_body("The PIN could not be saved")));
            return SY_OK;
        }
        apply_token(change.token, false);
        respond(change, json_response(200, pin_answer(change.token)));
        return SY_OK;
    }

  private:
    // Which token is in force at creation: a PIN change still on its way to the disk keeps
    // the previous generation's token; else the saved state; else a token set through the
    // API without a state_dir (kept in memory only); else the config's PIN.
    void adopt_token(const Snapshot& previous, bool have_previous) {
        if (have_previous && !previous.pin_changes.empty()) {
            token_ = previous.token;
            token_in_memory_only_ = previous.token_in_memory_only;
            return;
        }
        if (const std::optional<std::string_view> saved = host().state_load(kPinStateKey)) {
            if (std::optional<std::string> token = decode_pin_state(*saved)) {
                token_ = std::move(*token);
                return;
            }
            host().warn("the saved PIN state is unreadable; the config's pin is used");
        }
        if (have_previous && previous.token_in_memory_only) {
            token_ = previous.token;
            token_in_memory_only_ = true;
            return;
        }
        token_ = settings_.pin.empty() ? std::string() : pin_token(settings_.pin);
    }

    // The token a request presents: ?token= first, else Authorization: Bearer.
    std::optional<std::string> presented_token(const sdk::Request& request) const {
        if (std::optional<std::string> query = request.query_param("token")) {
            if (!query->empty()) return query;
        }
        if (const auto bearer = sdk::bearer_token(request.header("Authorization")))
            return std::string(*bearer);
        return std::nullopt;
    }

    bool authorized(const sdk::Request& request) const {
        if (token_.empty()) return true;
        const auto bearer = sdk::bearer_token(request.header("Authorization"));
        return bearer && host().secure_equals(*bearer, token_);
    }

    // True (and a 429 with Retry-After filled in) when the request's address used up its
    // wrong guesses.
    bool locked_out(const sdk::Request& request, sdk::Response& response) {
        const int64_t wait = failures_.wait_ms(request.peer_address(), host().now_ms());
        if (wait <= 0) return false;
        answer(response, 429, error_body("Too many attempts; try again later"));
        response.headers.emplace_back("Retry-After", std::to_string((wait + 999) / 1000));
        return true;
    }

    void login(const sdk::Request& request, sdk::Response& response) {
        if (locked_out(request, response)) return;
        std::string problem;
        const std::optional<std::string> pin = read_pin_body(request.body(), problem);
        if (!pin) {
            answer(response, 400, error_body(problem));
            return;
        }
        if (token_.empty()) {
            answer(response, 200, R"({"token":""})");
            return;
        }
        const std::string token = pin_token(*pin);
        if (!host().secure_equals(token, token_)) {
            failures_.record_failure(request.peer_address(), host().now_ms());
            answer(response, 401, error_body("Invalid PIN"));
            return;
        }
        failures_.forget(request.peer_address());
        answer(response, 200, R"({"token":")" + token + "\"}");
    }

    // PUT (a new PIN) or DELETE (no PIN) /api/settings/pin, with the current token.
    sy_status change_pin(const sdk::Request& request, sdk::Response& response) {
        if (locked_out(request, response)) return SY_OK;
        if (!authorized(request)) {
            if (sdk::bearer_token(request.header("Authorization")))
                failures_.record_failure(request.peer_address(), host().now_ms());
            answer(response, 401, error_body("Unauthorized"));
            return SY_OK;
        }
        std::string next;
        if (request.route_index() == kSetPinRoute) {
            std::string problem;
            const std::optional<std::string> pin = read_pin_body(request.body(), problem);
            if (!pin) {
                answer(response, 400, error_body(problem));
                return SY_OK;
            }
            if (!is_valid_pin(*pin)) {
                answer(response, 400, error_body("PIN must be 4 to 8 characters"));
                return SY_OK;
            }
            next = pin_token(*pin);
        }
        // One change at a time: a second one racing the first to the disk could leave the
        // older PIN there after the newer one was answered.
        if (!pin_changes_.empty()) {
            answer(response, 409, error_body("A PIN change is in progress"));
            return SY_OK;
        }
        std::optional<std::string> previous;
        if (const auto saved = host().state_load(kPinStateKey)) previous = std::string(*saved);
        const sy_status saved =
            host().state_save(kPinStateKey, encode_pin_state(next), request.id());
        if (saved == SY_ERR_UNSUPPORTED) {
            // No state_dir (or an older kernel): in force until the server stops.
            warn_not_persisted();
            apply_token(next, true);
            answer(response, 200, pin_answer(next));
            return SY_OK;
        }
        if (saved != SY_OK) {
            answer(response, 500, error_body("The PIN could not be saved"));
            return SY_OK;
        }
        const std::optional<std::string_view> origin = request.find_header("Origin");
        pin_changes_.emplace(request.id(), PinChange{request.id(), next, std::move(previous),
                                                     std::string(origin.value_or(""))});
        return SY_DEFERRED;
    }

    static std::string pin_answer(std::string_view token) {
        if (token.empty()) return R"({"ok":true})";
        return R"({"ok":true,"token":")" + std::string(token) + "\"}";
    }

    // Puts `token` in force; the sockets authenticated with the old one are closed.
    void apply_token(const std::string& token, bool in_memory_only) {
        token_in_memory_only_ = in_memory_only;
        if (token == token_) return;
        token_ = token;
        std::vector<sy_conn_id> open;
        open.reserve(clients_.size());
        for (const auto& [conn, workspace] : clients_) open.push_back(conn);
        for (sy_conn_id conn : open) host().close(conn, kUnauthorizedCode, kUnauthorizedReason);
        host().info(token_.empty() ? "the PIN was removed" : "the PIN was changed");
    }

    void revert_state(const std::optional<std::string>& previous) {
        const sy_status status = previous ? host().state_save(kPinStateKey, *previous, 0)
                                          : host().state_remove(kPinStateKey, 0);
        if (status != SY_OK)
            host().error("could not restore the saved PIN state (status " + std::to_string(status) +
                         ")");
    }

    void respond(const PinChange& change, sdk::Response response) {
        if (!change.origin.empty()) append_cors_headers(response.headers, change.origin);
        const sy_status status = host().respond(change.request, response);
        if (status != SY_OK)
            host().info("the answer to PIN request " + std::to_string(change.request) +
                        " found no client (status " + std::to_string(status) + ")");
    }

    void warn_not_persisted() {
        if (std::exchange(warned_not_persisted_, true)) return;
        host().warn(
            "the kernel keeps no plugin state ([kernel] state_dir): a PIN set through "
            "the API lasts until the server stops");
    }

    const std::string& workspace_group(std::string_view workspace) {
        group_name_.assign(kWorkspaceGroupPrefix);
        group_name_.append(workspace);
        return group_name_;
    }

    sy_status subscribe(sy_conn_id conn, std::string& current, const std::string& workspace) {
        if (current == workspace) return SY_OK;
        leave_subscription(conn, current);
        const sy_group_id group = host().group_transient(workspace_group(workspace));
        const sy_status status = host().group_add(group, conn);
        if (status != SY_OK) {
            // Back among the unfiltered clients rather than in no group at all.
            sdk::ignore_gone(host().group_add(unsubscribed_, conn));
            return sdk::ignore_gone(status);
        }
        current = workspace;
        return SY_OK;
    }

    sy_status unsubscribe(sy_conn_id conn, std::string& current) {
        if (current.empty()) return SY_OK;
        leave_subscription(conn, current);
        current.clear();
        return sdk::ignore_gone(host().group_add(unsubscribed_, conn));
    }

    // Takes `conn` out of the group it is filtered by: its workspace's, or "unsubscribed".
    void leave_subscription(sy_conn_id conn, const std::string& current) {
        const sy_group_id group =
            current.empty() ? unsubscribed_ : host().group_transient(workspace_group(current));
        sdk::ignore_gone(host().group_remove(group, conn));
    }

    sy_status answer_permission(sy_conn_id conn, const std::string& request_id,
                                std::string_view payload) {
        const auto found = pending_index_.find(request_id);
        if (found == pending_index_.end())
            return refuse(conn, "Unknown or already answered requestId", request_id);
        std::string scope = sdk::conn_scope(conn);
        if (!found->second->workspace.empty()) {
            scope.pop_back();
            scope += ",\"workspaceId\":";
            json::append_escaped(scope, found->second->workspace);
            scope += '}';
        }
        sdk::Publish event;
        event.topic = kInboundTopic;
        event.type = "permission_response";
        event.data = payload;
        event.scope = scope;
        if (!host().publish(event))
            return refuse(conn, "The response could not be forwarded; try again", request_id);
        // The first answer wins: the request is answered now.
        pending_order_.erase(found->second);
        pending_index_.erase(found);
        return SY_OK;
    }

    void remember(PendingPermission request) {
        if (pending_index_.contains(request.request_id)) return;
        while (pending_order_.size() >= settings_.max_pending_permissions) {
            log_dropped(pending_order_.front().request_id);
            pending_index_.erase(pending_order_.front().request_id);
            pending_order_.pop_front();
        }
        pending_order_.push_back(std::move(request));
        const auto added = std::prev(pending_order_.end());
        pending_index_.emplace(added->request_id, added);
    }

    void log_dropped(std::string_view request_id) {
        uint64_t suppressed = 0;
        if (!dropped_log_.admit(host().now_ms(), suppressed)) return;
        if (suppressed != 0)
            host().warn(std::to_string(suppressed) +
                        " more dropped permission requests not logged");
        host().warn("more than " + std::to_string(settings_.max_pending_permissions) +
                    " permission requests unanswered: the oldest, '" + std::string(request_id) +
                    "', can no longer be answered");
    }

    // The error event to `conn` alone; the socket stays open.
    sy_status refuse(sy_conn_id conn, std::string_view problem, std::string_view request_id = {}) {
        return sdk::ignore_gone(host().send_text(conn, error_event(problem, request_id)));
    }

    ClaudeControlSettings settings_;
    std::vector<sy_str> allowed_hosts_; // views of settings_.allowed_origins
    sy_group_id all_;                   // every authenticated client
    sy_group_id unsubscribed_;          // the clients without a workspace subscription
    // The SHA-256 of the PIN in force; empty: no PIN.
    std::string token_;
    bool token_in_memory_only_ = false;
    bool warned_not_persisted_ = false;
    // PIN changes waiting for the disk, by request id (the save's tag).
    std::unordered_map<sy_request_id, PinChange> pin_changes_;
    // Authenticated clients and the workspace each subscribed to ("" = none).
    std::unordered_map<sy_conn_id, std::string> clients_;
    // Unanswered permission requests, oldest first, and by id.
    std::list<PendingPermission> pending_order_;
    std::unordered_map<std::string_view, std::list<PendingPermission>::iterator> pending_index_;
    FailureLimiter failures_;
    sdk::LogBudget dropped_log_{5};
    // Reused so that encoding an event allocates nothing once warmed up.
    std::string scratch_;
    std::string group_name_;
};

} // namespace
} // namespace switchyard::claudecontrol

SWITCHYARD_PLUGIN(switchyard::claudecontrol::ClaudeControlPlugin)

// jarvis: the JARVIS daemon's WebSocket API and its HTTP bootstrap (seed 000).
//
// ws://<listen>/ws speaks the {type, payload, id?, priority?, timestamp} envelope: the
// plugin answers `status` and the `health`/`ping` commands itself, forwards chat, the
// commands the backend answers (backend_commands), voice messages (binary audio frames
// between voice_start and voice_end included), the dashboard's voice_text, interview_*
// and cancel, and the types named in forward_types to the bus stream `inbound`, and turns
// every event of stream `jarvis`, whatever its type, into an envelope, for every client
// or, with scope.conn, for one. A connection that closes mid voice session gets a voice_end
// published for it; the kernel pings every connection and drops dead ones (ping_interval_ms,
// pong_timeout_ms). Every other GET serves the dashboard's files from dashboard_dir (or the
// dashboard jarvis ships), through the kernel's file service: the plugin reads no file. With
// auth_token set, a browser presents the token once as ?token=... on any page, gets it back as
// cookie `token`, and the WebSocket upgrade checks that cookie; pages and /api/* take it
// as a Bearer header too. /api/* is the daemon's REST API: with `upstream` set, the
// kernel passes it to the daemon once on_upstream's token gate lets it through.
#include "jarvis_auth.hpp"
#include "jarvis_dashboard.hpp"
#include "jarvis_protocol.hpp"
#include "jarvis_settings.hpp"
#include "jarvis_snapshot.hpp"
#include "jarvis_text.hpp"

#include <switchyard/plugin.hpp>

#include <charconv>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace switchyard::jarvis {
namespace {

constexpr std::string_view kUnauthorized = R"({"error":"Unauthorized"})";
constexpr std::string_view kForbidden = R"({"error":"Forbidden"})";
constexpr std::string_view kNotFound = R"({"error":"Not found"})";
constexpr std::string_view kInboundTopic = "inbound/jarvis";

// The indices of kRoutes, as the kernel reports them in Request::route_index().
enum Route : uint32_t { kWsRoute, kHealthRoute, kApiRoute, kPageRoute, kPageHeadRoute };

class JarvisPlugin final : public sdk::Plugin {
  public:
    static constexpr const char* kName = "jarvis";
    static constexpr const char* kVersion = "1.0.0";
    static constexpr const char* kDescription =
        "JARVIS daemon: {type, payload, id, priority, timestamp} over WebSocket /ws, "
        "GET /health, the dashboard's files at /, token cookie bootstrap, /api/* passed to "
        "the daemon (upstream)";
    // GET * comes last: every GET the routes before it do not take is a dashboard page.
    static constexpr sy_route_v1 kRoutes[] = {
        sdk::websocket_route("/ws"), sdk::http_route("GET", "/health"),
        sdk::upstream_route("*", "/api/*"), sdk::http_route("GET", "*"),
        sdk::http_route("HEAD", "*")}; // the kernel sends HEAD answers without their body
    static constexpr sy_endpoint_v1 kEndpoints[] = {
        sdk::endpoint("default", "127.0.0.1:3142", kRoutes, kMaxMessageBytes)};
    static constexpr const char* kStreams[] = {"jarvis"};

    JarvisPlugin(sdk::Host host, const sdk::Config& config)
        : Plugin(host), settings_(parse_settings(config.json)), clients_(host.group("clients")) {
        // A dashboard folder that is not there is a config mistake: refuse the start (or
        // the reload) rather than answer 404 for every page. Without the key, the
        // dashboard jarvis ships, when it is installed.
        if (!settings_.dashboard_dir_given) {
            settings_.dashboard_dir = shipped_dashboard_dir();
            if (settings_.dashboard_dir.empty())
                host.warn(
                    "no dashboard_dir and no shipped dashboard beside jarvis.so; pages are 404");
        } else if (!settings_.dashboard_dir.empty()) {
            check_dashboard_dir(settings_.dashboard_dir);
            // The file service takes absolute folders only.
            settings_.dashboard_dir =
                std::filesystem::absolute(settings_.dashboard_dir).lexically_normal().string();
        }
        // A reload hands on the start time (uptime counts from the first generation) and
        // the open voice sessions.
        std::optional<Snapshot> previous;
        if (!config.snapshot.empty()) {
            previous = decode_snapshot(config.snapshot);
            if (!previous) host.warn("the previous generation's snapshot is unreadable; ignored");
        }
        if (previous) {
            state_ = std::move(*previous);
        } else {
            state_.started_ms = host.now_ms();
        }
    }

    std::string snapshot() override { return encode_snapshot(state_); }

    sy_status on_http(const sdk::Request& request, sdk::Response& response) override {
        switch (request.route_index()) {
            case kHealthRoute: {
                const int64_t now = host().now_ms();
                response.status = 200;
                response.body = health_body(kVersion, (now - state_.started_ms) / 1000,
                                            host().group_size(clients_), now);
                return SY_OK;
            }
            case kApiRoute:
                // The daemon's REST API is the backend's: with an `upstream` the kernel
                // passes it there (after on_upstream). Without one, this gate keeps the
                // namespace behind the token all the same, so a client learns nothing
                // without it.
                if (authorized(request)) {
                    respond(response, 404, kNotFound);
                } else {
                    respond(response, 401, kUnauthorized);
                }
                return SY_OK;
            case kPageRoute:
            case kPageHeadRoute: return answer_page(request, response);
            default: respond(response, 404, kNotFound); return SY_OK;
        }
    }

    // A request on its way to the daemon's REST API (`upstream` in the config): the same
    // token gate as the plugin's own /api/* answer, before the kernel passes it on. Routes
    // no route of the plugin serves (a POST outside /api/, say) pass the same gate.
    sy_status on_upstream(const sdk::Request& request, sdk::Response& response) override {
        if (!authorized(request)) respond(response, 401, kUnauthorized);
        return SY_OK;
    }

    sy_status on_accept(const sdk::Request& request, sdk::Response& response) override {
        const std::string public_origin = settings_.public_origin.empty()
                                              ? default_public_origin(request.local_port())
                                              : settings_.public_origin;
        if (!origin_allowed(request.find_header("Origin"), request.header("Host"), public_origin)) {
            respond(response, 403, kForbidden);
            return SY_OK;
        }
        // Seed 000: the upgrade checks the cookie only, not an Authorization header.
        if (!settings_.auth_token.empty() &&
            !host().secure_equals(request.cookie("token"), settings_.auth_token)) {
            respond(response, 401, kUnauthorized);
        }
        return SY_OK;
    }

    sy_status on_open(sy_conn_id conn, const sdk::Request& request) override {
        // A connection that closed in between is not an error of this plugin.
        sy_status status = host().group_add(clients_, conn);
        if (status == SY_ERR_CLOSED || status == SY_ERR_NOT_FOUND) return SY_OK;
        if (status != SY_OK) return status;
        // A peer that vanished without closing would count as a client forever: the
        // kernel pings it and drops it when the pong does not come.
        if (settings_.ping_interval_ms != 0) {
            status = host().keepalive(conn, settings_.ping_interval_ms, settings_.pong_timeout_ms);
            if (status != SY_OK) return sdk::ignore_gone(status);
        }
        // The port the client reached, for its `status` answers: the kernel keeps it with
        // the connection, across reloads.
        return sdk::ignore_gone(host().conn_state_set(conn, std::to_string(request.local_port())));
    }

    void on_close(sy_conn_id conn, uint16_t code, std::string_view reason) override {
        (void)code;
        (void)reason;
        // A client that goes away mid-session never sends voice_end: the backend hears it
        // from the plugin, so it can let go of the audio it buffered for that requestId.
        end_voice_session(conn, "closed");
    }

    sy_status on_message(sy_conn_id conn, sy_frame_kind kind, std::string_view payload) override {
        if (kind == SY_FRAME_BINARY) return on_audio(conn, payload);
        const ClientMessage message = read_client_message(payload, settings_);
        const int64_t now = host().now_ms();
        switch (message.action) {
            case Action::Error: return say(conn, error_reply(message.error, message.id_json, now));
            case Action::Health:
                return say(conn,
                           reply("status", health_command_payload(host().group_size(clients_)),
                                 message.id_json, now));
            case Action::Ping:
                return say(conn, reply("status", ping_payload(), message.id_json, now));
            case Action::Status:
                return say(conn, reply("status",
                                       status_payload(host().group_size(clients_), port_of(conn)),
                                       {}, now));
            case Action::Chat:
            case Action::Command: return forward(conn, message, payload, {});
            case Action::VoiceStart: {
                // One session at a time: replacing an open one silently would leave the
                // backend waiting for a voice_end that never comes. The open one stays.
                if (const auto open = voice_sessions().find(conn); open != voice_sessions().end()) {
                    const std::string error = "A voice session is already in progress (requestId " +
                                              open->second + "): send voice_end first";
                    return say(conn, error_reply(error, message.id_json, now));
                }
                voice_sessions().emplace(conn, message.request_id);
                return forward(conn, message, payload, message.request_id);
            }
            case Action::VoiceEnd: {
                const auto open = voice_sessions().find(conn);
                if (open == voice_sessions().end())
                    return say(conn,
                               error_reply("No voice session in progress", message.id_json, now));
                const std::string request_id = std::move(open->second);
                voice_sessions().erase(open);
                return forward(conn, message, payload, request_id);
            }
            case Action::VoiceText:
                // The browser's own transcript replaces the audio of a session still open
                // (the daemon drops that audio): the backend hears the session end first.
                end_voice_session(conn, "voice_text");
                return forward(conn, message, payload, {});
            case Action::Forward: return forward(conn, message, payload, {});
        }
        return SY_OK;
    }

    sy_status on_event(const sdk::Event& event) override {
        // An event that cannot be sent is the publisher's mistake, said once in a warning
        // below; returning an error besides would make the kernel log it a second time.
        // Internal events are for backends, never for clients.
        if (event.internal()) return SY_OK;
        const Target target = event_target(event.scope());
        if (!target.valid) {
            host().warn("event '" + std::string(event.type()) + "' seq " +
                        std::to_string(event.seq()) +
                        ": scope.conn is not a connection id; not sent");
            return SY_OK;
        }
        sdk::Frame frame;
        if (event.type() == "binary") {
            // Speech and other bytes: data {"binary": "<base64>"} becomes one binary frame.
            std::optional<std::string> bytes = event_binary(event.data());
            if (!bytes) {
                host().warn("binary event seq " + std::to_string(event.seq()) +
                            ": data.binary is not padded standard base64; not sent");
                return SY_OK;
            }
            frame = host().frame(SY_FRAME_BINARY, *bytes);
        } else {
            encoded_.clear();
            append_event_envelope(encoded_, event.type(), event.data(), event.id(),
                                  event.priority(), event.ts());
            frame = host().frame(SY_FRAME_TEXT, encoded_);
        }
        if (!frame) {
            host().warn("event '" + std::string(event.type()) +
                        "' is larger than a frame may be; not sent");
            return SY_OK;
        }
        if (target.conn == 0) return host().broadcast(clients_, frame);
        const sy_status status = host().send(target.conn, frame);
        if (status == SY_ERR_NOT_FOUND || status == SY_ERR_CLOSED) {
            host().debug("event for connection " + std::to_string(target.conn) +
                         ", which is gone; dropped");
            return SY_OK;
        }
        return status;
    }

  private:
    static void respond(sdk::Response& response, uint16_t status, std::string_view body) {
        response.status = status;
        response.body = body;
    }

    // Whether an HTTP request carries the token, as cookie `token` or as a Bearer header.
    bool authorized(const sdk::Request& request) const {
        if (settings_.auth_token.empty()) return true;
        if (host().secure_equals(request.cookie("token"), settings_.auth_token)) return true;
        const std::optional<std::string_view> bearer =
            bearer_credentials(request.header("Authorization"));
        return bearer && host().secure_equals(*bearer, settings_.auth_token);
    }

    // Any GET that is not /ws, /health or /api/*: a page of the dashboard. With the token
    // set, ?token=RIGHT on any page sets the cookie and redirects to the same URL without
    // the token, so it does not stay in the address bar or the history.
    sy_status answer_page(const sdk::Request& request, sdk::Response& response) {
        if (!settings_.auth_token.empty()) {
            if (std::optional<std::string> token = request.query_param("token")) {
                if (!host().secure_equals(*token, settings_.auth_token)) {
                    respond(response, 401, kUnauthorized);
                    return SY_OK;
                }
                // Behind a proxy terminating TLS the browser spoke https: the cookie gets
                // Secure. Only that client's own cookie is affected by what it claims here.
                const bool secure = forwarded_proto_is_https(request.header("X-Forwarded-Proto"));
                response.status = 302;
                response.headers = {
                    {"Set-Cookie", token_cookie(settings_.auth_token, secure)},
                    {"Location", local_redirect_target(request.path(),
                                                       query_without(request.query(), "token"))},
                    {"Cache-Control", "no-store"}};
                return SY_OK;
            }
            if (!authorized(request)) {
                respond(response, 401, kUnauthorized);
                return SY_OK;
            }
        }
        if (settings_.dashboard_dir.empty()) {
            respond(response, 404, kNotFound);
            return SY_OK;
        }
        // The kernel reads and sends the file off the network threads; its MIME type,
        // ETag/304, HEAD and Range come with it. no-cache: the browser keeps the file but
        // asks every time, so a changed dashboard is seen at once and an unchanged one
        // costs a 304.
        sdk::FileResponse file;
        file.root = settings_.dashboard_dir;
        file.path = dashboard_file(request.path());
        file.headers = {{"Cache-Control", "no-cache"}, {"X-Content-Type-Options", "nosniff"}};
        const sy_status status = host().respond_file(request.id(), file);
        if (status == SY_ERR_UNSUPPORTED) {
            respond(response, 500, R"({"error":"Internal server error"})");
            return SY_OK;
        }
        // Answered, or answered 503 by the kernel (SY_ERR_FULL), or nobody to answer.
        return SY_DEFERRED;
    }

    uint16_t port_of(sy_conn_id conn) const {
        const std::string_view stored = host().conn_state_get(conn);
        uint16_t port = 0;
        std::from_chars(stored.data(), stored.data() + stored.size(), port);
        return port;
    }

    std::unordered_map<uint64_t, std::string>& voice_sessions() { return state_.voice_sessions; }

    sy_status say(sy_conn_id conn, const std::string& text) {
        return sdk::ignore_gone(host().send_text(conn, text));
    }

    // Publishes a client message for the backend: stream `inbound`, the message as sent.
    sy_status forward(sy_conn_id conn, const ClientMessage& message, std::string_view data,
                      std::string_view request_id) {
        const std::string scope = inbound_scope(conn, request_id);
        sdk::Publish event;
        event.topic = kInboundTopic;
        event.type = message.type;
        event.data = data;
        event.id = message.id;
        event.priority = message.priority;
        event.scope = scope;
        if (host().publish(event)) return SY_OK;
        return say(conn,
                   error_reply("Could not forward the message", message.id_json, host().now_ms()));
    }

    // Closes the connection's voice session, if one is open, and tells the backend with a
    // voice_end published on the client's behalf, `reason` saying why.
    void end_voice_session(sy_conn_id conn, std::string_view reason) {
        const auto session = voice_sessions().find(conn);
        if (session == voice_sessions().end()) return;
        const std::string request_id = std::move(session->second);
        voice_sessions().erase(session);
        const std::string data = closed_voice_end_data(request_id, host().now_ms(), reason);
        const std::string scope = inbound_scope(conn, request_id);
        sdk::Publish event;
        event.topic = kInboundTopic;
        event.type = "voice_end";
        event.data = data;
        event.scope = scope;
        if (!host().publish(event))
            host().warn("voice_end for connection " + std::to_string(conn) + " (requestId " +
                        request_id + ") could not be published");
    }

    // A binary frame: microphone audio of the connection's voice session.
    sy_status on_audio(sy_conn_id conn, std::string_view bytes) {
        const auto session = voice_sessions().find(conn);
        if (session == voice_sessions().end()) {
            return say(conn, error_reply("Binary data received outside a voice session", {},
                                         host().now_ms()));
        }
        const std::string data = binary_inbound_data(bytes, session->second);
        const std::string scope = inbound_scope(conn, session->second);
        sdk::Publish event;
        event.topic = kInboundTopic;
        event.type = "binary";
        event.data = data;
        event.scope = scope;
        if (host().publish(event)) return SY_OK;
        return say(conn, error_reply("Could not forward the audio", {}, host().now_ms()));
    }

    JarvisSettings settings_;
    sy_group_id clients_;
    // The start time and the open voice sessions: what a reload hands on.
    Snapshot state_;
    std::string encoded_; // reused so a broadcast does not allocate once warmed up
};

} // namespace
} // namespace switchyard::jarvis

SWITCHYARD_PLUGIN(switchyard::jarvis::JarvisPlugin)

// groove: the GROOVE agent orchestrator's WebSocket event feed (seed 001), and the
// shipping daemon's dialect of it.
//
// Every connection on ws://<listen>/ws receives every event of bus stream "groove". With
// `envelope = "docs"` (the default) it goes out as seed 001's {"event": type, "data": data}
// and whatever clients send is ignored. With `envelope = "daemon"` it goes out as the
// shipping daemon's {"type": type, ...data}; upgrades at / are accepted too (the GUI's
// URL), every new client gets the latest `state` first (the GUI's loading screen waits for
// it), and the GUI's messages (the daemon's whitelist) go to the backend on inbound/groove
// with scope.conn. In both, an event whose scope names a connection goes to it alone.
// Browsers are held to an Origin allow-list, for upgrades and for the requests the kernel
// passes to the `upstream` (the daemon's REST routes) alike; clients without Origin are
// accepted.
#include "groove_protocol.hpp"
#include "groove_settings.hpp"
#include "groove_snapshot.hpp"

#include <switchyard/log_budget.hpp>
#include <switchyard/plugin.hpp>
#include <switchyard/scope.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace switchyard::groove {
namespace {

constexpr std::string_view kForbiddenOrigin = R"({"error":"FORBIDDEN_ORIGIN"})";
constexpr std::string_view kNotFound = R"({"error":"NOT_FOUND"})";

// The indices of kRoutes, as the kernel reports them in Request::route_index().
enum Route : uint32_t { kWsRoute, kRootSocketRoute };

void refuse(sdk::Response& response, uint16_t status, std::string_view body) {
    response.status = status;
    response.body = body;
}

class GroovePlugin final : public sdk::Plugin {
  public:
    static constexpr const char* kName = "groove";
    static constexpr const char* kVersion = "1.1.0";
    static constexpr const char* kDescription =
        "GROOVE agent orchestrator events over WebSocket /ws: seed 001's {event, data}, or the "
        "shipping daemon's {type, ...data} with state on connect, / and inbound/groove";
    // A plain request for / or /ws (the GUI's page) is not an upgrade: the kernel passes it
    // to the upstream (426 without one).
    static constexpr sy_route_v1 kRoutes[] = {sdk::websocket_route("/ws"),
                                              sdk::websocket_route("/")};
    static constexpr sy_endpoint_v1 kEndpoints[] = {
        sdk::endpoint("default", "127.0.0.1:31415", kRoutes, 1'048'576)}; // 1 MiB
    static constexpr const char* kStreams[] = {"groove"};

    GroovePlugin(sdk::Host host, const sdk::Config& config)
        : Plugin(host), settings_(parse_settings(config.json)), clients_(host.group("clients")) {
        for (const std::string& name : settings_.allowed_origins)
            allowed_hosts_.push_back(sdk::to_sy_str(name));
        if (!config.snapshot.empty()) {
            if (std::optional<Snapshot> previous = decode_snapshot(config.snapshot)) {
                if (previous->state_data) keep_state(*previous->state_data);
            } else {
                host.warn("the previous generation's snapshot is unreadable; ignored");
            }
        }
    }

    std::string snapshot() override {
        // Nothing to carry over before the first state.
        if (!has_state_) return {};
        return encode_snapshot(Snapshot{state_data_});
    }

    sy_status on_accept(const sdk::Request& request, sdk::Response& response) override {
        if (!host().origin_host_allowed(request, allowed_hosts_)) {
            refuse(response, 403, kForbiddenOrigin);
        } else if (request.route_index() == kRootSocketRoute && !daemon()) {
            // Seed 001 names /ws only.
            refuse(response, 404, kNotFound);
        }
        return SY_OK;
    }

    // The daemon's REST routes, on their way to the upstream: a browser the upgrade would
    // refuse is refused here too (a page of another origin cannot make the daemon act).
    sy_status on_upstream(const sdk::Request& request, sdk::Response& response) override {
        if (!host().origin_host_allowed(request, allowed_hosts_))
            refuse(response, 403, kForbiddenOrigin);
        return SY_OK;
    }

    sy_status on_open(sy_conn_id conn, const sdk::Request&) override {
        // The latest state first, as the daemon does: the GUI shows its loading screen
        // until a state arrives.
        if (daemon() && state_frame_) {
            const sy_status sent = host().send(conn, state_frame_);
            if (sent != SY_OK) return sdk::ignore_gone(sent);
        }
        return sdk::ignore_gone(host().group_add(clients_, conn));
    }

    sy_status on_message(sy_conn_id conn, sy_frame_kind kind, std::string_view payload) override {
        // Seed 001: clients only listen; text, binary, bad JSON and pings get no answer.
        if (!daemon()) return SY_OK;
        // The daemon: what it does not know it drops silently and keeps the socket.
        if (kind != SY_FRAME_TEXT) {
            log_ignored(conn, "a binary message");
            return SY_OK;
        }
        const ClientMessage message = read_client_message(payload);
        if (!message.accepted) {
            log_ignored(conn, message.problem);
            return SY_OK;
        }
        if (!host().publish_from_client(kInboundTopic, conn, message.type, payload))
            log_ignored(conn, "the bus refused it (" + message.type + ")");
        return SY_OK;
    }

    void on_close(sy_conn_id conn, uint16_t code, std::string_view) override {
        if (!daemon()) return;
        // The daemon stops a client's terminals and file watches when it goes: the backend
        // behind needs to hear it.
        if (!host().publish_from_client(kInboundTopic, conn, kClosedType, closed_data(code)))
            host().warn("connection " + std::to_string(conn) +
                        " closed; the bus refused to tell the backend");
    }

    sy_status on_event(const sdk::Event& event) override {
        // Internal events are for backends, never for clients.
        if (event.internal()) return SY_OK;
        const sdk::ScopeConn target = sdk::read_scope_conn(event.scope());
        if (!target.valid) {
            host().warn("event '" + std::string(event.type()) + "' seq " +
                        std::to_string(event.seq()) +
                        ": scope.conn is not a connection id; not sent");
            return SY_OK;
        }
        const bool is_state = target.conn == 0 && event.type() == kStateType;
        encoded_.clear();
        if (!daemon()) {
            append_event_message(encoded_, event.type(), event.data());
        } else if (!append_daemon_message(encoded_, event.type(), event.data())) {
            host().warn("event '" + std::string(event.type()) + "' seq " +
                        std::to_string(event.seq()) + " has data that is not JSON; not sent");
            return SY_OK;
        }
        sdk::Frame frame = host().frame(SY_FRAME_TEXT, encoded_);
        if (!frame) {
            host().warn("event '" + std::string(event.type()) +
                        "' is larger than a frame may be; not sent");
            return SY_ERR_INVALID;
        }
        if (target.conn != 0) return send_to(target.conn, frame);
        const sy_status status = host().broadcast(clients_, frame);
        if (is_state) keep_state(event.data(), std::move(frame));
        return status;
    }

  private:
    bool daemon() const noexcept { return settings_.envelope == Envelope::Daemon; }

    // Keeps `data` as the latest state, and its wire frame for new clients (daemon
    // envelope); `frame` is that frame when the caller has it already.
    void keep_state(std::string_view data, sdk::Frame frame = {}) {
        state_data_.assign(data); // reuses its buffer once warmed up
        has_state_ = true;
        state_frame_.reset();
        if (!daemon()) return;
        if (!frame) {
            encoded_.clear();
            if (append_daemon_message(encoded_, kStateType, state_data_))
                frame = host().frame(SY_FRAME_TEXT, encoded_);
        }
        state_frame_ = std::move(frame);
    }

    sy_status send_to(sy_conn_id conn, const sdk::Frame& frame) {
        const sy_status status = host().send(conn, frame);
        if (status == SY_ERR_NOT_FOUND || status == SY_ERR_CLOSED) {
            host().debug("event for connection " + std::to_string(conn) +
                         ", which is gone; dropped");
            return SY_OK;
        }
        return status;
    }

    void log_ignored(sy_conn_id conn, std::string_view problem) {
        uint64_t suppressed = 0;
        if (!ignored_log_.admit(host().now_ms(), suppressed)) return;
        if (suppressed != 0)
            host().info(std::to_string(suppressed) + " more ignored client messages not logged");
        host().info("connection " + std::to_string(conn) +
                    ": ignored a client message: " + std::string(problem));
    }

    GrooveSettings settings_;
    std::vector<sy_str> allowed_hosts_; // views of settings_.allowed_origins
    sy_group_id clients_;
    // The latest public, untargeted `state` event's data, and its frame (daemon envelope).
    std::string state_data_;
    bool has_state_ = false;
    sdk::Frame state_frame_;
    sdk::LogBudget ignored_log_{5};
    std::string encoded_; // reused so a broadcast does not allocate once warmed up
};

} // namespace
} // namespace switchyard::groove

SWITCHYARD_PLUGIN(switchyard::groove::GroovePlugin)

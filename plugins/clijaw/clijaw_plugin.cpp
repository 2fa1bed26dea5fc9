// clijaw: CLI-JAW's event channel (seed 002, PROTOCOLS.md "clijaw").
//
// GET /api/events is a data-only SSE stream of the bus stream `clijaw`: `id: <seq>` (the
// bus sequence) and `data: {...data, "topic", "event"}` per event, ": connected" first,
// ": ping" every heartbeat_ms, a replay from Last-Event-ID (or ?lastEventId=) out of the
// bus's replay ring, at most max_listeners listeners. A WebSocket upgrade on any path is
// the legacy fallback: `{type, ...data, ts}` frames, the latest statuses on connect, and
// send_message / stop going to inbound/clijaw. Loopback peers pass; others need the
// Bearer token; a browser Origin must be an allowed host and gets the CORS headers. With
// `workers` configured the plugin is also a manager (clijaw_manager.hpp).
//
// Every event is encoded once per transport and broadcast to one group (SSE listeners
// and WebSockets in separate groups: a raw SSE frame never reaches a WebSocket). Internal
// events, and topic `trace` whatever the publisher says, reach nobody.
#include "clijaw_auth.hpp"
#include "clijaw_manager.hpp"
#include "clijaw_protocol.hpp"
#include "clijaw_settings.hpp"
#include "clijaw_snapshot.hpp"

#include <switchyard/log_budget.hpp>
#include <switchyard/plugin.hpp>
#include <switchyard/scope.hpp>

#include <array>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchyard::clijaw {
namespace {

constexpr std::string_view kUnauthorized = R"({"error":"UNAUTHORIZED"})";
constexpr std::string_view kForbiddenOrigin = R"({"error":"FORBIDDEN_ORIGIN"})";
constexpr std::string_view kCapacity = R"({"error":"SSE_CAPACITY"})";
constexpr std::string_view kNotFound = R"({"error":"NOT_FOUND"})";

// Largest WebSocket message a client may send.
constexpr uint64_t kMaxMessageBytes = 1 << 20;
// Bytes that may wait in one connection's write queue (the endpoint's default; the
// config's max_queued_bytes overrides it, and reaches the plugin's settings too).
constexpr uint64_t kMaxQueuedBytes = 4 << 20;
// What a replay may queue at once on a new listener: three quarters of the queue bound,
// so the live events that follow it have room. More than this is left for the client's
// next connection (it resumes from the last id it got).
size_t replay_budget_bytes(const ClijawSettings& settings) {
    const uint64_t bound =
        settings.max_queued_bytes != 0 ? settings.max_queued_bytes : kMaxQueuedBytes;
    return static_cast<size_t>(bound - bound / 4);
}
// A replay leaves in frames of at least this size (many events each; the last one may be
// smaller), not one frame per event.
constexpr size_t kReplayFrameBytes = 64 << 10;
// An accepted SSE request whose on_open never came (the client vanished in between) gives
// its slot back after this long.
constexpr int64_t kReservationMs = 5'000;

constexpr uint64_t kHeartbeatTimerTag = 1;

// The indices of kRoutes, as the kernel reports them in Request::route_index().
enum Route : uint32_t { kEventsRoute, kPreflightRoute, kWorkersRoute, kSocketRoute, kRestRoute };

void refuse(sdk::Response& response, uint16_t status, std::string_view body) {
    response.status = status;
    response.body = body;
}

class ClijawPlugin final : public sdk::Plugin {
  public:
    static constexpr const char* kName = "clijaw";
    static constexpr const char* kVersion = "1.0.0";
    static constexpr const char* kDescription =
        "CLI-JAW: data-only SSE GET /api/events with replay, legacy WebSocket on any path, "
        "CORS, manager mode following workers' /api/events";
    // The WebSocket route at "*" leaves a plain request to the HTTP routes after it.
    static constexpr sy_route_v1 kRoutes[] = {
        sdk::sse_route("/api/events"), sdk::http_route("OPTIONS", "*"),
        sdk::http_route("GET", "/api/manager/workers"), sdk::websocket_route("*"),
        sdk::upstream_route("*", "*")};
    static constexpr sy_endpoint_v1 kEndpoints[] = {
        sdk::endpoint("default", "127.0.0.1:3457", kRoutes, kMaxMessageBytes, 0, kMaxQueuedBytes)};
    static constexpr const char* kStreams[] = {"clijaw"};

    ClijawPlugin(sdk::Host host, const sdk::Config& config)
        : Plugin(host),
          settings_(parse_settings(config.json)),
          listeners_(host.group("sse")),
          sockets_(host.group("ws")),
          connected_frame_(host.frame(SY_FRAME_RAW, kConnectedComment)),
          ping_frame_(host.frame(SY_FRAME_RAW, kPingComment)),
          gap_frame_(host.frame(SY_FRAME_RAW, kReplayGapFrame)) {
        for (const std::string& name : settings_.allowed_origins)
            allowed_hosts_.push_back(sdk::to_sy_str(name));
        Snapshot previous;
        if (!config.snapshot.empty()) {
            if (std::optional<Snapshot> decoded = decode_snapshot(config.snapshot)) {
                previous = std::move(*decoded);
            } else {
                host.warn("the previous generation's snapshot is unreadable; ignored");
            }
        }
        last_handled_seq_ = previous.last_handled_seq;
        for (size_t slot = 0; slot < kLatestStatusCount; ++slot) {
            if (previous.latest_status[slot].empty()) continue;
            latest_status_text_[slot] = std::move(previous.latest_status[slot]);
            latest_status_[slot] = host.frame(SY_FRAME_TEXT, latest_status_text_[slot]);
        }
        // The kernel kept the previous generation's timers: restart them with this one's
        // settings.
        if (previous.heartbeat_timer != 0) host.timer_cancel(previous.heartbeat_timer);
        heartbeat_timer_ =
            host.timer_start(settings_.heartbeat_ms, settings_.heartbeat_ms, kHeartbeatTimerTag);
        if (heartbeat_timer_ == 0) throw std::runtime_error("could not start the heartbeat timer");
        manager_.emplace(host, settings_, std::move(previous.workers));
        manager_->start(previous.stall_timer);
    }

    std::string snapshot() override {
        // The next generation knows nothing of held listeners: they go live now, at the
        // cost of seeing again what they had (never of missing anything).
        release_held_before(std::numeric_limits<uint64_t>::max());
        Snapshot state;
        state.last_handled_seq = last_handled_seq_;
        state.latest_status = latest_status_text_;
        state.heartbeat_timer = heartbeat_timer_;
        state.stall_timer = manager_->stall_timer();
        state.workers = manager_->workers();
        return encode_snapshot(state);
    }

    sy_status on_http(const sdk::Request& request, sdk::Response& response) override {
        const std::optional<std::string_view> origin = request.find_header("Origin");
        if (request.route_index() == kPreflightRoute) {
            // A preflight never carries credentials (browsers send none): it is answered
            // for an allowed Origin without the token; it reveals nothing.
            if (!host().origin_host_allowed(request, allowed_hosts_)) {
                refuse(response, 403, kForbiddenOrigin);
                return SY_OK;
            }
            response.status = 204;
            if (origin) append_preflight_headers(response.headers, *origin);
            return SY_OK;
        }
        if (!admitted(request, response)) return SY_OK;
        if (origin) append_cors_headers(response.headers, *origin);
        if (request.route_index() == kWorkersRoute) {
            response.status = 200;
            response.body = manager_->workers_json();
            return SY_OK;
        }
        refuse(response, 404, kNotFound);
        return SY_OK;
    }

    // CLI-JAW's own REST routes (/api/messages, /api/settings, POST /api/message...) pass
    // to the product's server when the config names it as `upstream`, under the rules of
    // the plugin's routes: the token for a non-loopback client, an allowed Origin, and
    // CORS headers on the answer.
    sy_status on_upstream(const sdk::Request& request, sdk::Response& response) override {
        if (!admitted(request, response)) return SY_OK;
        if (const auto origin = request.find_header("Origin"))
            append_cors_headers(response.headers, *origin);
        return SY_OK;
    }

    sy_status on_accept(const sdk::Request& request, sdk::Response& response) override {
        if (!admitted(request, response)) return SY_OK;
        if (request.route_kind() != SY_ROUTE_SSE) return SY_OK;
        const std::optional<std::string_view> origin = request.find_header("Origin");
        if (origin) append_cors_headers(response.headers, *origin);
        expire_reservations();
        if (host().group_size(listeners_) + held_.size() + reservations_.size() >=
            settings_.max_listeners) {
            refuse(response, 503, kCapacity);
            return SY_OK;
        }
        reservations_.push_back(host().now_ms());
        return SY_OK;
    }

    sy_status on_open(sy_conn_id conn, const sdk::Request& request) override {
        if (request.route_kind() == SY_ROUTE_SSE) return open_listener(conn, request);
        return open_socket(conn);
    }

    sy_status on_message(sy_conn_id conn, sy_frame_kind kind, std::string_view payload) override {
        if (kind != SY_FRAME_TEXT) {
            log_bad_message(conn, "a binary message");
            return SY_OK;
        }
        const ClientMessage message = read_client_message(payload);
        if (!message.valid) {
            log_bad_message(conn, message.problem);
            return SY_OK;
        }
        if (!host().publish_from_client(kInboundTopic, conn, message.type, payload))
            log_bad_message(conn, "the bus refused it (" + message.type + ")");
        return SY_OK;
    }

    sy_status on_event(const sdk::Event& event) override {
        const sy_event_v1& raw = event.raw();
        if (SY_HAS_FIELD(&raw, sy_event_v1, gap) && raw.gap != 0 && last_handled_seq_ != 0 &&
            event.seq() > last_handled_seq_ + 1)
            catch_up(event.seq());
        deliver(event);
        return SY_OK;
    }

    void on_close(sy_conn_id conn, uint16_t, std::string_view) override {
        std::erase_if(held_, [conn](const HeldListener& held) { return held.conn == conn; });
    }

    sy_status on_timer(sy_timer_id timer, uint64_t tag) override {
        (void)timer;
        if (tag == kHeartbeatTimerTag) {
            // One frame for every listener; a listener that vanished without a FIN is
            // found when the write fails, and its slot comes back.
            if (host().group_size(listeners_) != 0) host().broadcast(listeners_, ping_frame_);
            return SY_OK;
        }
        manager_->on_timer(tag);
        return SY_OK;
    }

    sy_status on_follow(sy_follow_id follow, const sdk::FollowEvent& event) override {
        return manager_->on_follow(follow, event);
    }

  private:
    // Loopback or the Bearer token, then an allowed Origin. Fills a refusal and returns
    // false otherwise.
    bool admitted(const sdk::Request& request, sdk::Response& response) const {
        if (!is_loopback_address(request.peer_address())) {
            const std::optional<std::string_view> token =
                sdk::bearer_token(request.header("Authorization"));
            if (settings_.auth_token.empty() || !token ||
                !host().secure_equals(*token, settings_.auth_token)) {
                refuse(response, 401, kUnauthorized);
                // A browser page from an allowed origin may read why.
                const std::optional<std::string_view> origin = request.find_header("Origin");
                if (origin && host().origin_host_allowed(request, allowed_hosts_))
                    append_cors_headers(response.headers, *origin);
                return false;
            }
        }
        if (!host().origin_host_allowed(request, allowed_hosts_)) {
            refuse(response, 403, kForbiddenOrigin);
            return false;
        }
        return true;
    }

    void expire_reservations() {
        const int64_t now = host().now_ms();
        while (!reservations_.empty() &&
               (now - reservations_.front() >= kReservationMs || now < reservations_.front()))
            reservations_.pop_front();
    }

    sy_status open_listener(sy_conn_id conn, const sdk::Request& request) {
        expire_reservations();
        if (!reservations_.empty()) reservations_.pop_front();
        const sy_status status = host().send(conn, connected_frame_);
        if (status != SY_OK) return sdk::ignore_gone(status);
        // Last-Event-ID wins over ?lastEventId=; a value that is not a positive integer
        // means no replay.
        std::optional<uint64_t> cursor;
        const std::string_view header = request.header("Last-Event-ID");
        if (!header.empty()) {
            cursor = parse_cursor(header);
        } else if (std::optional<std::string> query = request.query_param("lastEventId")) {
            cursor = parse_cursor(*query);
        }
        const Replayed replayed = cursor ? replay(conn, *cursor) : Replayed::Complete;
        if (replayed == Replayed::Partly) {
            // More than one connection's queue may hold: what fit is on its way; the
            // client reconnects with the last id it got and gets the rest.
            host().close(conn, 1000, "replay continues on the next connection");
            return SY_OK;
        }
        if (replayed == Replayed::Ahead) {
            // The client comes from another node (the redis bus) and has seen events the
            // bus holds but this plugin has not handled yet: joining now would send it
            // those again. It joins when they have gone by (deliver()).
            held_.push_back(HeldListener{conn, *cursor});
            return SY_OK;
        }
        return sdk::ignore_gone(host().group_add(listeners_, conn));
    }

    // Listeners held until the plugin has handled their cursor join the group before the
    // first event they have not seen.
    void release_held_before(uint64_t seq) {
        std::erase_if(held_, [&](const HeldListener& held) {
            if (held.cursor >= seq) return false;
            (void)host().group_add(listeners_, held.conn); // gone meanwhile: nothing to do
            return true;
        });
    }

    // How a replay went: all sent; not all (they did not fit in one connection's queue,
    // or one could not be queued: the caller ends the stream); or nothing to send yet, the
    // cursor being past what this plugin has handled though within what the bus holds.
    enum class Replayed { Complete, Partly, Ahead };

    // Sends `conn` the gap notice when there is one, then the public events after
    // `cursor` this plugin has already handled (the later ones reach it through the
    // group).
    Replayed replay(sy_conn_id conn, uint64_t cursor) {
        const uint64_t limit = last_handled_seq_;
        std::vector<std::string> chunks;
        size_t queued = kConnectedComment.size() + kReplayGapFrame.size();
        bool complete = true;
        const sdk::ReplayResult result =
            host().replay(kStream, cursor, [&](const sdk::Event& event) {
                if (!complete || event.seq() > limit) return;
                const std::string_view topic = clijaw_topic(event.topic());
                if (is_private_event(event.internal(), topic)) return;
                scratch_.clear();
                encoder_.load(event.data());
                encoder_.append_sse(scratch_, event.seq(), topic, event.type());
                // One event always goes, however large, so a client always progresses.
                if (queued + scratch_.size() > replay_budget_bytes(settings_) && !chunks.empty()) {
                    complete = false;
                    return;
                }
                queued += scratch_.size();
                if (chunks.empty() || chunks.back().size() >= kReplayFrameBytes)
                    chunks.emplace_back();
                chunks.back() += scratch_;
            });
        if (result.status != SY_OK) {
            host().warn("replay of stream clijaw failed (status " + std::to_string(result.status) +
                        "); the listener starts live");
            return Replayed::Complete;
        }
        if (!result.gap && cursor > limit) return Replayed::Ahead;
        // A frame that could not be queued (the connection is gone, or its queue is
        // full) ends the stream: the listener must never go live past a hole.
        if (result.gap && host().send(conn, gap_frame_) != SY_OK) return Replayed::Partly;
        for (const std::string& chunk : chunks) {
            sdk::Frame frame = host().frame(SY_FRAME_RAW, chunk);
            if (!frame || host().send(conn, frame) != SY_OK) return Replayed::Partly;
        }
        return complete ? Replayed::Complete : Replayed::Partly;
    }

    sy_status open_socket(sy_conn_id conn) {
        const sy_status status = host().group_add(sockets_, conn);
        if (status != SY_OK) return sdk::ignore_gone(status);
        for (const sdk::Frame& frame : latest_status_) {
            if (frame) {
                const sy_status sent = host().send(conn, frame);
                if (sent != SY_OK) return sdk::ignore_gone(sent);
            }
        }
        return SY_OK;
    }

    // Events before `upto` this plugin never saw (its queue was full, or the bus skipped
    // them: trimmed in Redis while this node was away) are sent from the ring first, in
    // order, so live listeners miss nothing that is held. What is no longer held is a
    // hole: the listeners get CLI-JAW's replay_gap first, as a replay from too old a
    // cursor does, and can reload what they show.
    void catch_up(uint64_t upto) {
        bool told = false;
        // Seqs have no holes of their own: `seq` not following the last one handled means
        // the events between are gone.
        auto hole_before = [&](uint64_t seq) {
            if (told || seq <= last_handled_seq_ + 1) return;
            told = true;
            release_held_before(seq);
            if (host().group_size(listeners_) != 0) host().broadcast(listeners_, gap_frame_);
        };
        const sdk::ReplayResult result =
            host().replay(kStream, last_handled_seq_, [&](const sdk::Event& missed) {
                if (missed.seq() >= upto) return;
                hole_before(missed.seq());
                deliver(missed);
            });
        if (result.status != SY_OK) {
            host().warn("replay of stream clijaw failed (status " + std::to_string(result.status) +
                        "); the listeners are told of a gap before seq " + std::to_string(upto));
        }
        hole_before(upto);
    }

    // One event to every listener and every WebSocket: encoded once per transport.
    void deliver(const sdk::Event& event) {
        if (event.seq() <= last_handled_seq_) return; // seen already (a catch-up's overlap)
        if (!held_.empty()) release_held_before(event.seq());
        last_handled_seq_ = event.seq();
        const std::string_view topic = clijaw_topic(event.topic());
        if (is_private_event(event.internal(), topic)) return;
        const std::optional<size_t> slot = latest_status_slot(event.type());
        const bool to_listeners = host().group_size(listeners_) != 0;
        const bool to_sockets = host().group_size(sockets_) != 0;
        if (!to_listeners && !to_sockets && !slot) return;
        encoder_.load(event.data());
        if (to_listeners) {
            scratch_.clear();
            encoder_.append_sse(scratch_, event.seq(), topic, event.type());
            sdk::Frame frame = host().frame(SY_FRAME_RAW, scratch_);
            if (frame) {
                host().broadcast(listeners_, frame);
            } else {
                too_large(event);
            }
        }
        if (!to_sockets && !slot) return;
        scratch_.clear();
        encoder_.append_ws(scratch_, event.type(), event.ts());
        sdk::Frame frame = host().frame(SY_FRAME_TEXT, scratch_);
        if (!frame) {
            too_large(event);
            return;
        }
        if (to_sockets) host().broadcast(sockets_, frame);
        if (slot) {
            latest_status_text_[*slot] = scratch_;
            latest_status_[*slot] = std::move(frame);
        }
    }

    void too_large(const sdk::Event& event) const {
        host().warn("event '" + std::string(event.type()) + "' seq " + std::to_string(event.seq()) +
                    " is larger than a frame may be; not sent");
    }

    void log_bad_message(sy_conn_id conn, std::string_view problem) {
        uint64_t suppressed = 0;
        if (!bad_messages_log_.admit(host().now_ms(), suppressed)) return;
        if (suppressed != 0)
            host().info(std::to_string(suppressed) + " more ignored WebSocket messages not logged");
        host().info("connection " + std::to_string(conn) +
                    ": ignored a WebSocket message: " + std::string(problem));
    }

    ClijawSettings settings_;
    std::vector<sy_str> allowed_hosts_; // views of settings_.allowed_origins
    sy_group_id listeners_;             // SSE listeners of /api/events
    sy_group_id sockets_;               // WebSocket clients
    sdk::Frame connected_frame_;
    sdk::Frame ping_frame_;
    sdk::Frame gap_frame_;
    // When each accepted SSE request whose on_open has not come yet was accepted.
    std::deque<int64_t> reservations_;
    // The last bus sequence of stream clijaw handed to the groups: a replay stops there.
    uint64_t last_handled_seq_ = 0;
    // SSE listeners whose cursor is past last_handled_seq_ (see open_listener).
    struct HeldListener {
        sy_conn_id conn;
        uint64_t cursor;
    };
    std::vector<HeldListener> held_;
    // The latest WebSocket frame of each status type, and its text (for the snapshot).
    std::array<sdk::Frame, kLatestStatusCount> latest_status_;
    std::array<std::string, kLatestStatusCount> latest_status_text_;
    sy_timer_id heartbeat_timer_ = 0;
    std::optional<Manager> manager_;
    sdk::LogBudget bad_messages_log_{5};
    // Reused so that encoding an event allocates nothing once warmed up.
    EventEncoder encoder_;
    std::string scratch_;
};

} // namespace
} // namespace switchyard::clijaw

SWITCHYARD_PLUGIN(switchyard::clijaw::ClijawPlugin)

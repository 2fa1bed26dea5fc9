// switchyard/plugin.hpp — the C++ way to write a Switchyard plugin.
//
// plugin.h is the ABI: C structs and function pointers. This header wraps it so that a
// plugin is an ordinary C++ class:
//
//     class EchoPlugin final : public switchyard::sdk::Plugin {
//       public:
//         static constexpr const char* kName = "echo";
//         static constexpr const char* kVersion = "1.0.0";
//         static constexpr sy_route_v1 kRoutes[] = {switchyard::sdk::websocket_route("/ws")};
//         static constexpr sy_endpoint_v1 kEndpoints[] = {
//             switchyard::sdk::endpoint("default", "127.0.0.1:31400", kRoutes)};
//         EchoPlugin(switchyard::sdk::Host host, const switchyard::sdk::Config& config);
//         sy_status on_message(sy_conn_id conn, sy_frame_kind kind,
//                              std::string_view payload) override;
//     };
//     SWITCHYARD_PLUGIN(EchoPlugin)
//
// Optional static members: kDescription (const char*) and kStreams (array of const
// char*, the bus streams the plugin consumes).
//
// Every hook is called through a C trampoline that catches every exception, logs it
// through the host and returns SY_ERR_FAILED, so no exception crosses the ABI. The
// descriptor is a constant (no static constructor, no destructor, no thread_local),
// which is what lets the kernel unload the image cleanly.
#pragma once

#include <switchyard/plugin.h>
#include <switchyard/scope.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <iterator>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace switchyard::sdk {

// A view of `s` for the ABI (valid as long as `s`).
constexpr sy_str to_sy_str(std::string_view s) noexcept {
    return sy_str{s.data(), s.size()};
}
// A view of an ABI string (empty when its pointer is null).
constexpr std::string_view to_string_view(sy_str s) noexcept {
    return s.ptr == nullptr ? std::string_view() : std::string_view(s.ptr, s.len);
}

// ---------------------------------------------------------------------------------
// Descriptor building blocks (constexpr, for the static members of a plugin class)
// ---------------------------------------------------------------------------------

// A route of `kind` matching `method` ("GET", "*") and `path` ("/ws", "/api/*", "*").
constexpr sy_route_v1 route(sy_route_kind kind, const char* method, const char* path) noexcept {
    return sy_route_v1{sizeof(sy_route_v1), static_cast<uint32_t>(kind), method, path};
}
// A plain HTTP route answered by on_http.
constexpr sy_route_v1 http_route(const char* method, const char* path) noexcept {
    return route(SY_ROUTE_HTTP, method, path);
}
// A WebSocket upgrade route (GET).
constexpr sy_route_v1 websocket_route(const char* path) noexcept {
    return route(SY_ROUTE_WEBSOCKET, "GET", path);
}
// A Server-Sent Events route (GET).
constexpr sy_route_v1 sse_route(const char* path) noexcept {
    return route(SY_ROUTE_SSE, "GET", path);
}

// A route the product's own backend answers (ABI 1.4): passed to the config's
// `upstream` once on_upstream lets it pass; answered by on_http when there is none.
constexpr sy_route_v1 upstream_route(const char* method, const char* path) noexcept {
    return route(SY_ROUTE_UPSTREAM, method, path);
}

// An endpoint (one listening port) named `name`, listening on `default_listen` unless
// the config says otherwise, serving `routes` in order. 0 limits mean the kernel's
// defaults (1 MiB messages, 1024 queued frames, twice the largest message queued).
template <size_t N>
constexpr sy_endpoint_v1 endpoint(const char* name, const char* default_listen,
                                  const sy_route_v1 (&routes)[N], uint64_t max_message_bytes = 0,
                                  uint32_t max_queued_frames = 0,
                                  uint64_t max_queued_bytes = 0) noexcept {
    return sy_endpoint_v1{sizeof(sy_endpoint_v1),
                          name,
                          default_listen,
                          routes,
                          N,
                          max_message_bytes,
                          max_queued_frames,
                          max_queued_bytes};
}

// ---------------------------------------------------------------------------------
// Views of what the kernel hands to hooks
// ---------------------------------------------------------------------------------

// A frame created by the host: encoded once, sent to any number of connections. Owns
// one reference and releases it when destroyed. Move-only. Empty when creation failed
// (the payload was larger than the kernel allows).
class Frame {
  public:
    Frame() = default;
    // Adopts one reference to `frame` (may be null) owned by `host`.
    Frame(const sy_host_v1* host, sy_frame* frame) noexcept : host_(host), frame_(frame) {}
    Frame(Frame&& other) noexcept
        : host_(other.host_), frame_(std::exchange(other.frame_, nullptr)) {}
    Frame& operator=(Frame&& other) noexcept {
        if (this != &other) {
            reset();
            host_ = other.host_;
            frame_ = std::exchange(other.frame_, nullptr);
        }
        return *this;
    }
    Frame(const Frame&) = delete;
    Frame& operator=(const Frame&) = delete;
    ~Frame() { reset(); }

    // True when the frame exists.
    explicit operator bool() const noexcept { return frame_ != nullptr; }
    // The ABI handle (still owned by this object).
    sy_frame* get() const noexcept { return frame_; }
    // Releases the reference now.
    void reset() noexcept {
        if (frame_ != nullptr) host_->frame_release(host_->ctx, std::exchange(frame_, nullptr));
    }

  private:
    const sy_host_v1* host_ = nullptr;
    sy_frame* frame_ = nullptr;
};

// The request that reached a hook (plain HTTP, WebSocket upgrade or SSE). A view: valid
// only during the hook; copy what you keep.
class Request {
  public:
    // Wraps `request`, using `host`'s pure helpers for headers, query and cookies.
    Request(const sy_request_v1& request, const sy_host_v1& host) noexcept
        : request_(&request), host_(&host) {}

    // "GET", "POST", ...
    std::string_view method() const noexcept { return to_string_view(request_->method); }
    // Path and query as sent, percent-encoded.
    std::string_view target() const noexcept { return to_string_view(request_->target); }
    // The target before '?', percent-encoded.
    std::string_view path() const noexcept { return to_string_view(request_->path); }
    // The target after '?' (without it), percent-encoded; may be empty.
    std::string_view query() const noexcept { return to_string_view(request_->query); }
    // The request body (empty for upgrades and SSE requests).
    std::string_view body() const noexcept { return to_string_view(request_->body); }
    // Every header, in the order received.
    std::span<const sy_header> headers() const noexcept {
        return {request_->headers, request_->header_count};
    }
    // The first header of that name (case-insensitive); empty when absent.
    std::string_view header(std::string_view name) const {
        return to_string_view(host_->request_header(request_, to_sy_str(name)));
    }
    // The first header of that name (case-insensitive) when the request has one, even an
    // empty one (an empty Origin is not a missing Origin).
    std::optional<std::string_view> find_header(std::string_view name) const noexcept {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
        for (const sy_header& header : headers()) {
            const std::string_view key = to_string_view(header.name);
            if (key.size() == name.size() &&
                std::equal(key.begin(), key.end(), name.begin(),
                           [&](char a, char b) { return lower(a) == lower(b); }))
                return to_string_view(header.value);
        }
        return std::nullopt;
    }
    // A query parameter, percent-decoded; nullopt when absent.
    std::optional<std::string> query_param(std::string_view name) const {
        // A decoded value is never longer than the query it comes from.
        std::string value(request_->query.len, '\0');
        int64_t length =
            host_->request_query(request_, to_sy_str(name), value.data(), value.size());
        if (length < 0) return std::nullopt;
        value.resize(static_cast<size_t>(length));
        return value;
    }
    // A cookie's value; empty when absent.
    std::string_view cookie(std::string_view name) const {
        return to_string_view(host_->request_cookie(request_, to_sy_str(name)));
    }
    // The client's address ("127.0.0.1", "::1").
    std::string_view peer_address() const noexcept {
        return to_string_view(request_->peer_address);
    }
    // The client's port.
    uint16_t peer_port() const noexcept { return request_->peer_port; }
    // The port of the endpoint that accepted the request.
    uint16_t local_port() const noexcept { return request_->local_port; }
    // The endpoint's name, as the plugin declared it.
    std::string_view endpoint() const noexcept { return to_string_view(request_->endpoint); }
    // The kind of the matched route.
    sy_route_kind route_kind() const noexcept {
        return static_cast<sy_route_kind>(request_->route_kind);
    }
    // The index of the matched route in its endpoint's routes.
    uint32_t route_index() const noexcept { return request_->route_index; }
    // The id that names this request for Host::respond and Host::respond_file (1.1);
    // non-zero on HTTP routes, 0 for upgrades, SSE requests and a 1.0 kernel.
    sy_request_id id() const noexcept {
        return SY_HAS_FIELD(request_, sy_request_v1, request_id) ? request_->request_id : 0;
    }
    // The ABI struct.
    const sy_request_v1& raw() const noexcept { return *request_; }

  private:
    const sy_request_v1* request_;
    const sy_host_v1* host_;
};

// A bus event. A view: valid only during the hook (or the replay callback).
class Event {
  public:
    // Wraps `event`.
    explicit Event(const sy_event_v1& event) noexcept : event_(&event) {}

    // The stream ("clijaw").
    std::string_view stream() const noexcept { return to_string_view(event_->stream); }
    // The topic ("clijaw/agent"; the stream when there is no subtopic).
    std::string_view topic() const noexcept { return to_string_view(event_->topic); }
    // The event type ("agent:spawned").
    std::string_view type() const noexcept { return to_string_view(event_->type); }
    // The data as JSON text ("{}" when the publisher gave none).
    std::string_view data() const noexcept { return to_string_view(event_->data); }
    // The publisher's correlation id; empty when absent.
    std::string_view id() const noexcept { return to_string_view(event_->id); }
    // The priority; empty when absent.
    std::string_view priority() const noexcept { return to_string_view(event_->priority); }
    // The routing keys as JSON object text; empty when absent.
    std::string_view scope() const noexcept { return to_string_view(event_->scope); }
    // True when the event's visibility is "internal" (not for public clients).
    bool internal() const noexcept { return event_->internal != 0; }
    // The per-stream sequence number (from 1).
    uint64_t seq() const noexcept { return event_->seq; }
    // When the bus took it, in ms since the Unix epoch.
    int64_t ts() const noexcept { return event_->ts; }
    // The ABI struct.
    const sy_event_v1& raw() const noexcept { return *event_; }

  private:
    const sy_event_v1* event_;
};

// The answer to an HTTP request, or to an upgrade/SSE request in on_accept (leave
// status 0 to accept; set 401, 403, 503 ... to refuse).
struct Response {
    // 0 (accept an upgrade) or an HTTP status.
    uint16_t status = 0;
    // Empty: "application/json" when a body is set.
    std::string content_type;
    // Extra headers (Set-Cookie, Location, ...).
    std::vector<std::pair<std::string, std::string>> headers;
    // The response body.
    std::string body;
};

// A file for the kernel to answer a request with (Host::respond_file): looked up under
// `root` one name at a time, links out of it, dotfiles, folders and missing files are 404.
struct FileResponse {
    // An absolute folder.
    std::string root;
    // '/'-separated path under root, percent-encoded as in a request target; usually the
    // request's path().
    std::string path;
    // Empty: from the file name's extension.
    std::string content_type;
    // Extra headers (Cache-Control, ...).
    std::vector<std::pair<std::string, std::string>> headers;
    // Files larger than this are 404; 0: no bound.
    uint64_t max_bytes = 0;
};

// ABI views of `headers` written into `out` (valid while `headers` lives).
inline void export_headers(const std::vector<std::pair<std::string, std::string>>& headers,
                           std::vector<sy_header>& out) {
    out.clear();
    out.reserve(headers.size());
    for (const auto& [name, value] : headers)
        out.push_back(sy_header{to_sy_str(name), to_sy_str(value)});
}

// Fills `out` (all but struct_size) with views of `response`; its headers' views go to
// `header_storage`, which must live as long as `out` is read.
inline void export_response(const Response& response, std::vector<sy_header>& header_storage,
                            sy_response_v1* out) {
    export_headers(response.headers, header_storage);
    out->status = response.status;
    out->content_type = to_sy_str(response.content_type);
    out->headers = header_storage.data();
    out->header_count = header_storage.size();
    out->body = to_sy_str(response.body);
}

// An event to publish on the bus. Views: they must stay valid for the publish() call.
struct Publish {
    // "stream" or "stream/subtopic".
    std::string_view topic;
    // The event type.
    std::string_view type;
    // JSON text; empty means {}.
    std::string_view data;
    // Correlation id; optional.
    std::string_view id;
    // Priority; optional.
    std::string_view priority;
    // Routing keys as JSON object text; optional.
    std::string_view scope;
    // Visibility "internal" instead of "public".
    bool internal = false;
};

// What Host::replay found besides the events.
struct ReplayResult {
    // SY_OK, or the host's error.
    sy_status status = SY_OK;
    // True when events after the cursor are no longer held, or the cursor is ahead.
    bool gap = false;
    // The stream's latest sequence number.
    uint64_t last_seq = 0;
};

// An outbound SSE stream for the kernel to follow (Host::follow_open, ABI 1.2).
struct Follow {
    // "http://host:port/path?query".
    std::string url;
    // Extra request headers (Authorization, ...).
    std::vector<std::pair<std::string, std::string>> headers;
    // Sent as Last-Event-ID when not empty: where to resume.
    std::string last_event_id;
    // Handed back in every FollowEvent.
    uint64_t tag = 0;
    // Largest event accepted; 0: 1 MiB.
    uint64_t max_event_bytes = 0;
    // To connect and read the response head; 0: 10 s.
    uint32_t connect_timeout_ms = 0;
    // Ends the follow when nothing arrives for this long; 0: never.
    uint32_t idle_timeout_ms = 0;
};

// News of a follow (on_follow). A view: valid only during the hook.
class FollowEvent {
  public:
    // Wraps `event`.
    explicit FollowEvent(const sy_follow_event_v1& event) noexcept : event_(&event) {}

    // SY_FOLLOW_OPEN, SY_FOLLOW_EVENT or SY_FOLLOW_CLOSED.
    sy_follow_kind kind() const noexcept { return static_cast<sy_follow_kind>(event_->kind); }
    // Follow::tag.
    uint64_t tag() const noexcept { return event_->tag; }
    // EVENT: the stream's last event id; empty when none was sent.
    std::string_view id() const noexcept { return to_string_view(event_->id); }
    // EVENT: the event: field; empty when absent.
    std::string_view event() const noexcept { return to_string_view(event_->event); }
    // EVENT: the data lines joined with '\n'.
    std::string_view data() const noexcept { return to_string_view(event_->data); }
    // OPEN: 200; CLOSED: the refusing server's status, else 0.
    uint32_t http_status() const noexcept { return event_->http_status; }
    // CLOSED: why, for logs.
    std::string_view reason() const noexcept { return to_string_view(event_->reason); }
    // The ABI struct.
    const sy_follow_event_v1& raw() const noexcept { return *event_; }

  private:
    const sy_follow_event_v1* event_;
};

// The token of an `Authorization: Bearer <token>` value (scheme case-insensitive, spaces
// around the token ignored); nullopt for another scheme or an empty token.
inline std::optional<std::string_view> bearer_token(std::string_view authorization) noexcept {
    constexpr std::string_view kScheme = "bearer ";
    if (authorization.size() < kScheme.size()) return std::nullopt;
    for (size_t i = 0; i < kScheme.size(); ++i) {
        const char c = authorization[i];
        if ((c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c) != kScheme[i]) return std::nullopt;
    }
    std::string_view token = authorization.substr(kScheme.size());
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
    if (token.empty()) return std::nullopt;
    return token;
}

// A send, close or group change that found its connection gone (SY_ERR_CLOSED, or
// SY_ERR_NOT_FOUND once it is forgotten) is not the hook's failure: the client left
// between its message and the answer. Other statuses pass through.
constexpr sy_status ignore_gone(sy_status status) noexcept {
    return status == SY_ERR_CLOSED || status == SY_ERR_NOT_FOUND ? SY_OK : status;
}

// The kernel, as the plugin sees it: a thin, copyable handle on the host table. Every
// id is opaque; a stale id is harmless (SY_ERR_NOT_FOUND).
class Host {
  public:
    // Wraps the table handed to create(); valid until the instance is destroyed.
    explicit Host(const sy_host_v1* table) noexcept : table_(table) {}

    // The ABI table (for host functions this wrapper does not cover).
    const sy_host_v1* table() const noexcept { return table_; }

    // Logs `message` tagged with the plugin's name.
    void log(sy_log_level level, std::string_view message) const noexcept {
        table_->log(table_->ctx, level, to_sy_str(message));
    }
    // Logs at that level.
    void debug(std::string_view message) const noexcept { log(SY_LOG_DEBUG, message); }
    void info(std::string_view message) const noexcept { log(SY_LOG_INFO, message); }
    void warn(std::string_view message) const noexcept { log(SY_LOG_WARN, message); }
    void error(std::string_view message) const noexcept { log(SY_LOG_ERROR, message); }

    // Wall-clock time in ms since the Unix epoch.
    int64_t now_ms() const noexcept { return table_->now_ms(table_->ctx); }

    // Encodes `payload` once as a frame of `kind`; empty when it is too large.
    Frame frame(sy_frame_kind kind, std::string_view payload) const noexcept {
        return Frame(table_, table_->frame_create(table_->ctx, kind, to_sy_str(payload)));
    }
    // Queues `frame` on one connection.
    sy_status send(sy_conn_id conn, const Frame& frame) const noexcept {
        if (!frame) return SY_ERR_INVALID;
        return table_->send(table_->ctx, conn, frame.get());
    }
    // Sends one text message to one connection.
    sy_status send_text(sy_conn_id conn, std::string_view text) const noexcept {
        return table_->send_text(table_->ctx, conn, to_sy_str(text));
    }
    // Queues `frame` on every member of `group` but `except` (0: none).
    sy_status broadcast(sy_group_id group, const Frame& frame,
                        sy_conn_id except = 0) const noexcept {
        if (!frame) return SY_ERR_INVALID;
        return table_->broadcast(table_->ctx, group, frame.get(), except);
    }
    // Closes a connection with a WebSocket close code and reason (SSE ignores both).
    sy_status close(sy_conn_id conn, uint16_t code, std::string_view reason = {}) const noexcept {
        return table_->close(table_->ctx, conn, code, to_sy_str(reason));
    }

    // The group named `name`, created on first use; the same id across reloads.
    sy_group_id group(std::string_view name) const noexcept {
        return table_->group(table_->ctx, to_sy_str(name));
    }
    // Adds a connection to a group.
    sy_status group_add(sy_group_id group, sy_conn_id conn) const noexcept {
        return table_->group_add(table_->ctx, group, conn);
    }
    // Removes a connection from a group.
    sy_status group_remove(sy_group_id group, sy_conn_id conn) const noexcept {
        return table_->group_remove(table_->ctx, group, conn);
    }
    // The number of open connections in a group.
    size_t group_size(sy_group_id group) const noexcept {
        return table_->group_size(table_->ctx, group);
    }
    // True when the kernel has transient groups and plugin state (ABI 1.3 and later).
    bool has_abi_1_3() const noexcept {
        return SY_HAS_FIELD(table_, sy_host_v1, group_transient) &&
               table_->group_transient != nullptr;
    }
    // A group that goes away with its last member (a room, a workspace), or when the
    // hook that named it returns with nobody in it; then its id is stale and the name
    // makes a new group. Before ABI 1.3, a permanent group().
    sy_group_id group_transient(std::string_view name) const noexcept {
        if (!has_abi_1_3()) return group(name);
        return table_->group_transient(table_->ctx, to_sy_str(name));
    }

    // The value last saved under `key`, or nullopt. A view, valid until the hook returns
    // or the key is saved again.
    std::optional<std::string_view> state_load(std::string_view key) const noexcept {
        if (!has_abi_1_3()) return std::nullopt;
        sy_str value = table_->state_load(table_->ctx, to_sy_str(key));
        if (value.ptr == nullptr) return std::nullopt;
        return std::string_view(value.ptr, value.len);
    }
    // Saves `value` under `key`; on_state_saved(key, tag, status) hears when it is on
    // disk. SY_ERR_UNSUPPORTED when the kernel keeps no state (no state_dir, or < 1.3).
    sy_status state_save(std::string_view key, std::string_view value,
                         uint64_t tag = 0) const noexcept {
        if (!has_abi_1_3()) return SY_ERR_UNSUPPORTED;
        return table_->state_save(table_->ctx, to_sy_str(key), to_sy_str(value), tag);
    }
    // Removes `key`; on_state_saved(key, tag, status) hears when its file is gone.
    sy_status state_remove(std::string_view key, uint64_t tag = 0) const noexcept {
        if (!has_abi_1_3()) return SY_ERR_UNSUPPORTED;
        return table_->state_remove(table_->ctx, to_sy_str(key), tag);
    }

    // Stores bytes with a connection; the kernel keeps them across reloads.
    sy_status conn_state_set(sy_conn_id conn, std::string_view bytes) const noexcept {
        return table_->conn_state_set(table_->ctx, conn, to_sy_str(bytes));
    }
    // The bytes stored with a connection (empty if none); valid until the next
    // conn_state_set on it or until it closes.
    std::string_view conn_state_get(sy_conn_id conn) const noexcept {
        return to_string_view(table_->conn_state_get(table_->ctx, conn));
    }
    // Pings the connection every interval_ms; closes it without a pong in timeout_ms.
    sy_status keepalive(sy_conn_id conn, uint32_t interval_ms, uint32_t timeout_ms) const noexcept {
        return table_->conn_keepalive(table_->ctx, conn, interval_ms, timeout_ms);
    }

    // Publishes an event; its sequence number, or nullopt when the bus refused it.
    std::optional<uint64_t> publish(const Publish& event) const noexcept {
        sy_publish_v1 abi{sizeof(sy_publish_v1),  to_sy_str(event.topic),
                          to_sy_str(event.type),  to_sy_str(event.data),
                          to_sy_str(event.id),    to_sy_str(event.priority),
                          to_sy_str(event.scope), event.internal ? 1u : 0u};
        uint64_t seq = 0;
        if (table_->publish(table_->ctx, &abi, &seq) != SY_OK) return std::nullopt;
        return seq;
    }
    // Publishes what client `conn` sent, for the backend: on `topic` ("inbound/<name>"),
    // with `type`, `data` (the message as the client sent it) and the scope
    // {"conn":"<conn>"} a backend answers that client with (scope.hpp).
    std::optional<uint64_t> publish_from_client(std::string_view topic, sy_conn_id conn,
                                                std::string_view type,
                                                std::string_view data) const {
        const std::string scope = conn_scope(conn);
        Publish event;
        event.topic = topic;
        event.type = type;
        event.data = data;
        event.scope = scope;
        return publish(event);
    }

    // Calls `visit(const Event&)` for each event of `stream` still held with
    // seq > after_seq, oldest first. An exception from `visit` stops the visit (the
    // remaining events are skipped) and is rethrown here, after the host returned.
    template <class Visitor>
    ReplayResult replay(std::string_view stream, uint64_t after_seq, Visitor&& visit) const {
        struct Context {
            Visitor* visit;
            std::exception_ptr error;
        };
        Context context{&visit, nullptr};
        sy_event_visitor trampoline = [](void* user, const sy_event_v1* event) {
            auto* c = static_cast<Context*>(user);
            if (c->error) return;
            try {
                (*c->visit)(Event(*event));
            } catch (...) {
                c->error = std::current_exception();
            }
        };
        int gap = 0;
        ReplayResult result;
        result.status = table_->bus_replay(table_->ctx, to_sy_str(stream), after_seq, trampoline,
                                           &context, &gap, &result.last_seq);
        if (context.error) std::rethrow_exception(context.error);
        result.gap = gap != 0;
        return result;
    }

    // Calls on_timer(timer, tag) after delay_ms, then every interval_ms unless 0.
    // Returns 0 on failure.
    sy_timer_id timer_start(uint64_t delay_ms, uint64_t interval_ms, uint64_t tag) const noexcept {
        return table_->timer_start(table_->ctx, delay_ms, interval_ms, tag);
    }
    // Stops a timer.
    sy_status timer_cancel(sy_timer_id timer) const noexcept {
        return table_->timer_cancel(table_->ctx, timer);
    }

    // True when the kernel offers respond and respond_file (ABI 1.1 and later).
    bool can_respond_later() const noexcept {
        return SY_HAS_FIELD(table_, sy_host_v1, respond_file) && table_->respond != nullptr &&
               table_->respond_file != nullptr;
    }
    // Answers a request that on_http deferred (returned SY_DEFERRED), from a later hook.
    // SY_ERR_NOT_FOUND for an unknown id or one answered already (or timed out),
    // SY_ERR_CLOSED when the client has gone.
    sy_status respond(sy_request_id request, const Response& response) const {
        if (!can_respond_later()) return SY_ERR_UNSUPPORTED;
        std::vector<sy_header> headers;
        sy_response_v1 abi{};
        abi.struct_size = sizeof abi;
        export_response(response, headers, &abi);
        return table_->respond(table_->ctx, request, &abi);
    }
    // Answers a request with a file the kernel reads and sends off the network threads
    // (MIME type, ETag/304, HEAD, Range). From on_http: call it with request.id() and
    // return SY_DEFERRED. Same statuses as respond.
    sy_status respond_file(sy_request_id request, const FileResponse& file) const {
        if (!can_respond_later()) return SY_ERR_UNSUPPORTED;
        std::vector<sy_header> headers;
        export_headers(file.headers, headers);
        sy_file_response_v1 abi{};
        abi.struct_size = sizeof abi;
        abi.root = to_sy_str(file.root);
        abi.path = to_sy_str(file.path);
        abi.content_type = to_sy_str(file.content_type);
        abi.headers = headers.data();
        abi.header_count = headers.size();
        abi.max_bytes = file.max_bytes;
        return table_->respond_file(table_->ctx, request, &abi);
    }

    // True when the kernel follows outbound event streams (ABI 1.2 and later).
    bool can_follow() const noexcept {
        return SY_HAS_FIELD(table_, sy_host_v1, follow_close) && table_->follow_open != nullptr &&
               table_->follow_close != nullptr;
    }
    // Starts following an SSE stream; on_follow hears OPEN, each EVENT, then CLOSED (the
    // kernel does not reconnect). 0 when refused (malformed url, too many follows).
    sy_follow_id follow_open(const Follow& follow) const {
        if (!can_follow()) return 0;
        std::vector<sy_header> headers;
        export_headers(follow.headers, headers);
        sy_follow_v1 abi{};
        abi.struct_size = sizeof abi;
        abi.url = to_sy_str(follow.url);
        abi.headers = headers.data();
        abi.header_count = headers.size();
        abi.last_event_id = to_sy_str(follow.last_event_id);
        abi.tag = follow.tag;
        abi.max_event_bytes = follow.max_event_bytes;
        abi.connect_timeout_ms = follow.connect_timeout_ms;
        abi.idle_timeout_ms = follow.idle_timeout_ms;
        return table_->follow_open(table_->ctx, &abi);
    }
    // Stops a follow; on_follow is not called for it again.
    sy_status follow_close(sy_follow_id follow) const noexcept {
        if (!can_follow()) return SY_ERR_UNSUPPORTED;
        return table_->follow_close(table_->ctx, follow);
    }

    // Compares secrets in time that depends only on their lengths.
    bool secure_equals(std::string_view a, std::string_view b) const noexcept {
        return table_->secure_equals(to_sy_str(a), to_sy_str(b)) != 0;
    }
    // True when the request has no Origin header or its host is one of `hosts`.
    bool origin_host_allowed(const Request& request, std::span<const sy_str> hosts) const noexcept {
        return table_->origin_host_allowed(&request.raw(), hosts.data(), hosts.size()) != 0;
    }

  private:
    const sy_host_v1* table_;
};

// What create() hands to the plugin's constructor. Views: copy what you keep.
struct Config {
    // The plugin's config table as a JSON object text. It may also hold the keys the
    // kernel reads from every plugin table (see is_kernel_config_key): skip those when
    // refusing unknown keys.
    std::string_view json;
    // The previous generation's snapshot(); empty on a first start.
    std::string_view snapshot;
    // 1 on the first start, +1 on every reload.
    uint64_t generation = 0;
};

// True for the keys of a [plugins.<name>] table that the kernel itself reads (enabled,
// library, listen, publish_to; the connection caps max_connections and
// max_connections_per_address; the endpoints' default WebSocket keepalive
// ping_interval_ms and pong_timeout_ms; the deferred answers' respond_timeout_ms and
// max_deferred; the endpoints' outbound byte bound max_queued_bytes; the pass-through's
// upstream, upstream_connect_timeout_ms and upstream_timeout_ms, and the endpoints' TLS
// identity tls, which the kernel keeps to itself), and the one the kernel
// writes itself, "listening": {"<endpoint>": "<host>:<port>", ...}, each endpoint's bound
// address (the real port when the config asked for port 0): a plugin that refuses
// unknown keys must let these pass. A plugin may read them too.
inline bool is_kernel_config_key(std::string_view key) noexcept {
    return key == "enabled" || key == "library" || key == "listen" || key == "publish_to" ||
           key == "max_connections" || key == "max_connections_per_address" ||
           key == "ping_interval_ms" || key == "pong_timeout_ms" || key == "respond_timeout_ms" ||
           key == "max_deferred" || key == "max_queued_bytes" || key == "listening" ||
           key == "upstream" || key == "upstream_connect_timeout_ms" ||
           key == "upstream_timeout_ms" || key == "tls";
}

// Base class of a plugin instance. Override the hooks the protocol needs; the defaults
// accept connections, ignore messages and events, and answer HTTP with 404. The
// derived class is constructed as `Derived(Host, const Config&)`; throwing from the
// constructor refuses the start (or the reload) with the exception's message.
class Plugin {
  public:
    // Keeps the host handle for host().
    explicit Plugin(Host host) noexcept : host_(host) {}
    virtual ~Plugin() = default;
    Plugin(const Plugin&) = delete;
    Plugin& operator=(const Plugin&) = delete;

    // A plain HTTP request on an HTTP route. Fill `response` and return SY_OK, or return
    // SY_DEFERRED and answer later with host().respond or host().respond_file using
    // request.id() (`response` is then ignored).
    virtual sy_status on_http(const Request& request, Response& response) {
        (void)request;
        response.status = 404;
        response.body = R"({"error":"NOT_FOUND"})";
        return SY_OK;
    }
    // A WebSocket upgrade or SSE request: leave response.status 0 to accept.
    virtual sy_status on_accept(const Request& request, Response& response) {
        (void)request;
        (void)response;
        return SY_OK;
    }
    // The connection is open; `request` is the one that opened it.
    virtual sy_status on_open(sy_conn_id conn, const Request& request) {
        (void)conn;
        (void)request;
        return SY_OK;
    }
    // A complete client message (SY_FRAME_TEXT or SY_FRAME_BINARY).
    virtual sy_status on_message(sy_conn_id conn, sy_frame_kind kind, std::string_view payload) {
        (void)conn;
        (void)kind;
        (void)payload;
        return SY_OK;
    }
    // The connection is gone (code 1006 when it just vanished).
    virtual void on_close(sy_conn_id conn, uint16_t code, std::string_view reason) {
        (void)conn;
        (void)code;
        (void)reason;
    }
    // An event of one of the plugin's streams.
    virtual sy_status on_event(const Event& event) {
        (void)event;
        return SY_OK;
    }
    // A timer started with Host::timer_start fired.
    virtual sy_status on_timer(sy_timer_id timer, uint64_t tag) {
        (void)timer;
        (void)tag;
        return SY_OK;
    }
    // The kernel is stopping: last chance to send goodbyes.
    virtual void on_shutdown() {}
    // News of a follow started with Host::follow_open. A status other than SY_OK ends it.
    virtual sy_status on_follow(sy_follow_id follow, const FollowEvent& event) {
        (void)follow;
        (void)event;
        return SY_OK;
    }
    // A Host::state_save or state_remove made with `tag` reached the disk (SY_OK) or
    // failed (SY_ERR_FAILED: the value stays in memory; the next save tries again).
    virtual sy_status on_state_saved(std::string_view key, uint64_t tag, sy_status result) {
        (void)key;
        (void)tag;
        (void)result;
        return SY_OK;
    }
    // A plain request on its way to the `upstream` the config names (ABI 1.4): one on an
    // upstream_route, or one no route serves. Leave response.status 0 to let the kernel
    // pass it on (response.headers are added to the backend's answer), or set a status
    // to answer it instead. Apply the plugin's auth rules here; the default passes every
    // request. The body is not read yet (request.body() is empty).
    virtual sy_status on_upstream(const Request& request, Response& response) {
        (void)request;
        (void)response;
        return SY_OK;
    }
    // State for the next generation on a reload; read back as Config::snapshot.
    virtual std::string snapshot() { return {}; }

  protected:
    // The kernel.
    const Host& host() const noexcept { return host_; }

  private:
    Host host_;
};

namespace detail {

// What the kernel holds as the opaque instance: the plugin and the storage of the last
// response, which the host reads after on_http/on_accept return (calls into one
// instance are serialized, so one slot is enough).
struct Instance {
    Host host;
    std::unique_ptr<Plugin> plugin;
    Response response;
    std::vector<sy_header> response_headers;
};

// Logs "<hook> failed: <what>" without letting anything escape.
inline void log_failure(const sy_host_v1* host, const char* hook, const char* what) noexcept {
    try {
        std::string message = std::string(hook) + " failed: " + what;
        host->log(host->ctx, SY_LOG_ERROR, to_sy_str(message));
    } catch (...) {
        host->log(host->ctx, SY_LOG_ERROR, to_sy_str(hook));
    }
}

// Runs `body`, turning any exception into a logged SY_ERR_FAILED.
template <class Body>
sy_status guarded(const sy_host_v1* host, const char* hook, Body&& body) noexcept {
    try {
        return body();
    } catch (const std::exception& e) {
        log_failure(host, hook, e.what());
    } catch (...) {
        log_failure(host, hook, "unknown exception");
    }
    return SY_ERR_FAILED;
}

// The Instance behind the opaque pointer the kernel passes back.
inline Instance& instance(void* opaque) noexcept {
    return *static_cast<Instance*>(opaque);
}

// Copies the plugin's Response into the ABI struct; views point into `box`.
inline void export_response(Instance& box, sy_response_v1* out) {
    sdk::export_response(box.response, box.response_headers, out);
}

// The C hooks of the descriptor: each forwards to the Plugin, inside guarded().

template <class T>
sy_status create(const sy_host_v1* host, const sy_create_args_v1* args,
                 void** out_instance) noexcept {
    if (host == nullptr || args == nullptr || out_instance == nullptr) return SY_ERR_INVALID;
    *out_instance = nullptr;
    if (host->struct_size < sizeof(sy_host_v1)) {
        host->log(host->ctx, SY_LOG_ERROR,
                  to_sy_str("create refused: the host table is older than this plugin's SDK"));
        return SY_ERR_UNSUPPORTED;
    }
    return guarded(host, "create", [&] {
        auto box = std::make_unique<Instance>(Instance{Host(host), nullptr, {}, {}});
        Config config{to_string_view(args->config), to_string_view(args->snapshot),
                      args->generation};
        box->plugin = std::make_unique<T>(box->host, config);
        *out_instance = box.release();
        return SY_OK;
    });
}

inline void destroy(void* opaque) noexcept {
    delete static_cast<Instance*>(opaque);
}

inline sy_status snapshot(void* opaque, const sy_sink* out) noexcept {
    Instance& box = instance(opaque);
    return guarded(box.host.table(), "snapshot", [&] {
        std::string state = box.plugin->snapshot();
        if (!state.empty()) out->write(out->ctx, state.data(), state.size());
        return SY_OK;
    });
}

inline sy_status on_http(void* opaque, const sy_request_v1* request,
                         sy_response_v1* response) noexcept {
    Instance& box = instance(opaque);
    return guarded(box.host.table(), "on_http", [&] {
        box.response = Response{};
        sy_status status = box.plugin->on_http(Request(*request, *box.host.table()), box.response);
        export_response(box, response);
        return status;
    });
}

inline sy_status on_accept(void* opaque, const sy_request_v1* request,
                           sy_response_v1* response) noexcept {
    Instance& box = instance(opaque);
    return guarded(box.host.table(), "on_accept", [&] {
        box.response = Response{};
        sy_status status =
            box.plugin->on_accept(Request(*request, *box.host.table()), box.response);
        export_response(box, response);
        return status;
    });
}

inline sy_status on_open(void* opaque, sy_conn_id conn, const sy_request_v1* request) noexcept {
    Instance& box = instance(opaque);
    return guarded(box.host.table(), "on_open",
                   [&] { return box.plugin->on_open(conn, Request(*request, *box.host.table())); });
}

inline sy_status on_message(void* opaque, sy_conn_id conn, sy_frame_kind kind,
                            sy_str payload) noexcept {
    Instance& box = instance(opaque);
    return guarded(box.host.table(), "on_message",
                   [&] { return box.plugin->on_message(conn, kind, to_string_view(payload)); });
}

inline void on_close(void* opaque, sy_conn_id conn, uint16_t code, sy_str reason) noexcept {
    Instance& box = instance(opaque);
    guarded(box.host.table(), "on_close", [&] {
        box.plugin->on_close(conn, code, to_string_view(reason));
        return SY_OK;
    });
}

inline sy_status on_event(void* opaque, const sy_event_v1* event) noexcept {
    Instance& box = instance(opaque);
    return guarded(box.host.table(), "on_event",
                   [&] { return box.plugin->on_event(Event(*event)); });
}

inline sy_status on_timer(void* opaque, sy_timer_id timer, uint64_t tag) noexcept {
    Instance& box = instance(opaque);
    return guarded(box.host.table(), "on_timer", [&] { return box.plugin->on_timer(timer, tag); });
}

inline void on_shutdown(void* opaque) noexcept {
    Instance& box = instance(opaque);
    guarded(box.host.table(), "on_shutdown", [&] {
        box.plugin->on_shutdown();
        return SY_OK;
    });
}

inline sy_status on_follow(void* opaque, sy_follow_id follow,
                           const sy_follow_event_v1* event) noexcept {
    Instance& box = instance(opaque);
    return guarded(box.host.table(), "on_follow",
                   [&] { return box.plugin->on_follow(follow, FollowEvent(*event)); });
}

inline sy_status on_state_saved(void* opaque, sy_str key, uint64_t tag, sy_status result) noexcept {
    Instance& box = instance(opaque);
    return guarded(box.host.table(), "on_state_saved", [&] {
        return box.plugin->on_state_saved(std::string_view(key.ptr, key.len), tag, result);
    });
}

inline sy_status on_upstream(void* opaque, const sy_request_v1* request,
                             sy_response_v1* response) noexcept {
    Instance& box = instance(opaque);
    return guarded(box.host.table(), "on_upstream", [&] {
        box.response = Response{};
        sy_status status =
            box.plugin->on_upstream(Request(*request, *box.host.table()), box.response);
        export_response(box, response);
        return status;
    });
}

// The descriptor of plugin class T, computed at compile time from its static members.
template <class T>
constexpr sy_plugin_v1 make_descriptor() noexcept {
    static_assert(std::is_base_of_v<Plugin, T>, "a plugin class derives from sdk::Plugin");
    static_assert(std::is_constructible_v<T, Host, const Config&>,
                  "a plugin class is constructible as T(sdk::Host, const sdk::Config&)");
    sy_plugin_v1 d{};
    d.struct_size = sizeof(sy_plugin_v1);
    d.abi_major = SY_ABI_MAJOR;
    d.abi_minor = SY_ABI_MINOR;
    d.name = T::kName;
    d.version = T::kVersion;
    if constexpr (requires { T::kDescription; }) d.description = T::kDescription;
    d.endpoints = T::kEndpoints;
    d.endpoint_count = std::size(T::kEndpoints);
    if constexpr (requires { T::kStreams; }) {
        d.streams = T::kStreams;
        d.stream_count = std::size(T::kStreams);
    }
    d.create = &create<T>;
    d.destroy = &destroy;
    d.snapshot = &snapshot;
    d.on_http = &on_http;
    d.on_accept = &on_accept;
    d.on_open = &on_open;
    d.on_message = &on_message;
    d.on_close = &on_close;
    d.on_event = &on_event;
    d.on_timer = &on_timer;
    d.on_shutdown = &on_shutdown;
    d.on_follow = &on_follow;
    d.on_state_saved = &on_state_saved;
    d.on_upstream = &on_upstream;
    return d;
}

} // namespace detail
} // namespace switchyard::sdk

// Defines the plugin's exported entry point for plugin class `PluginClass`. Use once,
// at namespace scope, in one .cpp of the plugin. The descriptor is a compile-time
// constant: no static initializer runs when the library is loaded.
#define SWITCHYARD_PLUGIN(PluginClass)                                    \
    extern "C" SY_EXPORT const sy_plugin_v1* switchyard_plugin_v1(void);  \
    extern "C" SY_EXPORT const sy_plugin_v1* switchyard_plugin_v1(void) { \
        static constexpr sy_plugin_v1 kDescriptor =                       \
            ::switchyard::sdk::detail::make_descriptor<PluginClass>();    \
        return &kDescriptor;                                              \
    }

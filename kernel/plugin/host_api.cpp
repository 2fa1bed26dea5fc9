// The kernel's side of the host table. plugin.h marks each function [hooks] or [any]:
// a [hooks] function first checks that the calling thread is inside one of this plugin's
// hooks (HookScope), which is what lets it touch the runtime's dispatcher-only parts
// (connections, groups, frames, timers, follows: PluginRuntime's public accessors); called from
// anywhere else it refuses with SY_ERR_WRONG_THREAD. Every refusal caused by a plugin's
// mistake (a stale id, a frame released twice or never made, a frame of the wrong kind
// for the transport, a topic outside its lanes) is logged naming the plugin,
// rate-limited, and leaves the kernel and the wire untouched.
#include "plugin/host_api.hpp"

#include "auth/auth.hpp"
#include "log/logging.hpp"
#include "log/rate_limited_log.hpp"
#include "plugin/abi_event.hpp"
#include "plugin/hook_scope.hpp"
#include "plugin/plugin_runtime.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstring>

namespace switchyard {

namespace {

constexpr size_t kMaxFrameBytes = size_t{1} << 30;

std::string_view sv(sy_str s) {
    return s.ptr == nullptr ? std::string_view() : std::string_view(s.ptr, s.len);
}
sy_str to_sy(std::string_view s) {
    return sy_str{s.data(), s.size()};
}

PluginRuntime& rt(void* ctx) {
    return *static_cast<PluginRuntime*>(ctx);
}

// A plugin's misuse of the host table: a bug in the plugin, which could be called in a
// loop, so its lines are rate-limited.
RateLimitedLog g_misuse("plugin host-table misuse");

// Publishes that failed because the bus engine could not reach its store (Redis down).
RateLimitedLog g_bus_unavailable("plugin publishes while the bus is unavailable");

// The connection id a scope's "conn" names ("42" or 42); 0 when absent or not an id.
sy_conn_id scope_conn(const boost::json::object& scope) {
    const auto* conn = scope.if_contains("conn");
    if (conn == nullptr) return 0;
    if (conn->is_uint64()) return conn->as_uint64();
    if (conn->is_int64())
        return conn->as_int64() > 0 ? static_cast<sy_conn_id>(conn->as_int64()) : 0;
    if (!conn->is_string()) return 0;
    sy_conn_id id = 0;
    for (const char c : conn->as_string()) {
        if (c < '0' || c > '9' || id > (UINT64_MAX - 9) / 10) return 0;
        id = id * 10 + static_cast<sy_conn_id>(c - '0');
    }
    return id;
}

// Close codes a plugin may send: the registered ones and the application range.
bool is_valid_close_code(uint16_t code) {
    return code == 1000 || code == 1001 || code == 1002 || code == 1003 ||
           (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

bool is_json(std::string_view text) {
    boost::system::error_code ec;
    boost::json::parse(text, ec);
    return !ec;
}

std::string_view header_of(const sy_request_v1* request, std::string_view name) {
    if (request == nullptr) return {};
    for (size_t i = 0; i < request->header_count; ++i) {
        if (auth::iequals(sv(request->headers[i].name), name)) return sv(request->headers[i].value);
    }
    return {};
}

// The host functions, as the table's entries (make_host_table).
struct HostApi {
    // The runtime, when the caller is inside one of its plugin's hooks; otherwise the call
    // is logged and refused (nullptr).
    static PluginRuntime* in_hook(void* ctx, const char* function) {
        auto& r = rt(ctx);
        if (HookScope::current() == &r.hooks()) return &r;
        g_misuse.warn(
            "plugin {}: {} called outside the plugin's hooks (another thread, or "
            "after destroy); refused with SY_ERR_WRONG_THREAD",
            r.name(), function);
        return nullptr;
    }

    // The plugin's record of `conn`, or nullptr with a log line (a stale or foreign id).
    static ConnRecord* conn_of(PluginRuntime& r, sy_conn_id conn, const char* function) {
        auto* record = r.connections().find(conn);
        if (record == nullptr) {
            g_misuse.info(
                "plugin {}: {} on connection {}, which is not one of its open "
                "connections; SY_ERR_NOT_FOUND",
                r.name(), function, conn);
        }
        return record;
    }

    // The plugin's group `group`, or nullptr with a log line.
    static GroupMembers* group_of(PluginRuntime& r, sy_group_id group, const char* function) {
        if (auto* members = r.groups().find(group)) return members;
        // A transient group that went away leaves stale ids in a plugin's hands: using
        // one is expected, not a bug worth a warning.
        if (GroupTable::was_issued(group)) {
            g_misuse.debug(
                "plugin {}: {} on group {}, which is gone (or another plugin's); "
                "SY_ERR_NOT_FOUND",
                r.name(), function, group);
            return nullptr;
        }
        g_misuse.warn(
            "plugin {}: {} on group {}, which is not one of its groups; "
            "SY_ERR_NOT_FOUND",
            r.name(), function, group);
        return nullptr;
    }

    // True when the plugin owns a reference to `frame` (made by frame_create, not yet
    // released); otherwise logs: a frame released already, or a pointer the host never
    // handed out, must never reach a connection.
    static bool owns_frame(PluginRuntime& r, const sy_frame* frame, const char* function) {
        if (r.frames().owns(frame)) return true;
        g_misuse.warn(
            "plugin {}: {} with a frame it holds no reference to (released "
            "already, or not made by frame_create); SY_ERR_INVALID",
            r.name(), function);
        return false;
    }

    // True when a frame of `kind` fits the transport (raw bytes to event streams only,
    // WebSocket messages to WebSockets only); otherwise logs.
    static bool fits(PluginRuntime& r, sy_frame_kind kind, bool sse, const char* function) {
        if ((kind == SY_FRAME_RAW) == sse) return true;
        g_misuse.warn("plugin {}: {} of a {} frame to {}; SY_ERR_INVALID, nothing sent", r.name(),
                      function, kind == SY_FRAME_RAW ? "raw (SSE)" : "WebSocket",
                      sse ? "an event stream" : "a WebSocket");
        return false;
    }

    static sy_status worker_queue_full(PluginRuntime& r, const char* function) {
        g_misuse.warn(
            "plugin {}: {}: too many requests waiting for the network workers; "
            "SY_ERR_FULL",
            r.name(), function);
        return SY_ERR_FULL;
    }

    static void log(void* ctx, sy_log_level level, sy_str message) {
        log_plugin_line(rt(ctx).name(), static_cast<spdlog::level::level_enum>(level), sv(message));
    }

    static int64_t now_ms(void*) {
        using namespace std::chrono;
        return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    }

    static sy_frame* frame_create(void* ctx, sy_frame_kind kind, sy_str payload) {
        auto* r = in_hook(ctx, "frame_create");
        if (r == nullptr) return nullptr;
        if (payload.len > kMaxFrameBytes) return nullptr;
        if (kind != SY_FRAME_TEXT && kind != SY_FRAME_BINARY && kind != SY_FRAME_RAW)
            return nullptr;
        return r->frames().create(kind, sv(payload));
    }

    static void frame_release(void* ctx, sy_frame* frame) {
        auto* r = in_hook(ctx, "frame_release");
        if (r == nullptr || frame == nullptr) return;
        if (r->frames().release(frame)) return;
        g_misuse.warn(
            "plugin {}: frame_release of a frame it holds no reference to "
            "(released twice, or not made by frame_create); ignored",
            r->name());
    }

    static sy_status send(void* ctx, sy_conn_id conn, sy_frame* frame) {
        auto* r = in_hook(ctx, "send");
        if (r == nullptr) return SY_ERR_WRONG_THREAD;
        if (!owns_frame(*r, frame, "send")) return SY_ERR_INVALID;
        return send_owned(*r, conn, frame, "send");
    }

    // Queues a frame the kernel knows is valid on `conn`, through the worker's bounded
    // inbox (past its bound the connection is closed as a slow consumer: SY_ERR_FULL).
    static sy_status send_owned(PluginRuntime& r, sy_conn_id conn, sy_frame* frame,
                                const char* function) {
        const auto* record = conn_of(r, conn, function);
        if (record == nullptr) return SY_ERR_NOT_FOUND;
        if (!fits(r, frame->kind, record->sse, function)) return SY_ERR_INVALID;
        if (!r.effects().send(conn, frame)) return SY_ERR_FULL;
        return SY_OK;
    }

    static sy_status send_text(void* ctx, sy_conn_id conn, sy_str text) {
        auto* r = in_hook(ctx, "send_text");
        if (r == nullptr) return SY_ERR_WRONG_THREAD;
        if (text.len > kMaxFrameBytes) return SY_ERR_INVALID;
        const FrameRef frame = FrameRef::adopt(make_wire_frame(SY_FRAME_TEXT, sv(text)));
        return send_owned(*r, conn, frame.get(), "send_text");
    }

    static sy_status broadcast(void* ctx, sy_group_id group, sy_frame* frame, sy_conn_id except) {
        auto* r = in_hook(ctx, "broadcast");
        if (r == nullptr) return SY_ERR_WRONG_THREAD;
        if (!owns_frame(*r, frame, "broadcast")) return SY_ERR_INVALID;
        auto* members = group_of(*r, group, "broadcast");
        if (members == nullptr) return SY_ERR_NOT_FOUND;
        if (members->size() == 0) return SY_OK;
        // A mixed group would get bytes that are not its protocol's on some members.
        if ((members->websocket != 0 && !fits(*r, frame->kind, false, "broadcast")) ||
            (members->sse != 0 && !fits(*r, frame->kind, true, "broadcast"))) {
            return SY_ERR_INVALID;
        }
        if (!r->effects().broadcast(group, *members, frame, except))
            return worker_queue_full(*r, "broadcast");
        return SY_OK;
    }

    static sy_status close(void* ctx, sy_conn_id conn, uint16_t code, sy_str reason) {
        auto* r = in_hook(ctx, "close");
        if (r == nullptr) return SY_ERR_WRONG_THREAD;
        if (!is_valid_close_code(code)) return SY_ERR_INVALID;
        if (conn_of(*r, conn, "close") == nullptr) return SY_ERR_NOT_FOUND;
        const bool queued = r->effects().on_conn(
            conn, [code, why = std::string(sv(reason))](Connection& c) { c.close(code, why); });
        return queued ? SY_OK : worker_queue_full(*r, "close");
    }

    static sy_group_id group(void* ctx, sy_str name) {
        auto* r = in_hook(ctx, "group");
        if (r == nullptr) return 0;
        return r->groups().id_of(sv(name));
    }

    static sy_group_id group_transient(void* ctx, sy_str name) {
        auto* r = in_hook(ctx, "group_transient");
        if (r == nullptr) return 0;
        return r->groups().transient_id_of(sv(name));
    }

    static sy_status group_add(void* ctx, sy_group_id group, sy_conn_id conn) {
        auto* r = in_hook(ctx, "group_add");
        if (r == nullptr) return SY_ERR_WRONG_THREAD;
        auto* members = group_of(*r, group, "group_add");
        if (members == nullptr) return SY_ERR_NOT_FOUND;
        auto* record = conn_of(*r, conn, "group_add");
        if (record == nullptr) return SY_ERR_NOT_FOUND;
        if (GroupTable::has_member(*record, group)) return SY_OK;
        const bool queued =
            r->effects().on_conn(conn, [group](Connection& c) { c.worker().group_add(group, &c); });
        if (!queued) return worker_queue_full(*r, "group_add");
        r->groups().join(*members, group, conn, *record);
        return SY_OK;
    }

    static sy_status group_remove(void* ctx, sy_group_id group, sy_conn_id conn) {
        auto* r = in_hook(ctx, "group_remove");
        if (r == nullptr) return SY_ERR_WRONG_THREAD;
        auto* members = group_of(*r, group, "group_remove");
        if (members == nullptr) return SY_ERR_NOT_FOUND;
        auto* record = conn_of(*r, conn, "group_remove");
        if (record == nullptr) return SY_ERR_NOT_FOUND;
        if (!GroupTable::has_member(*record, group)) return SY_OK;
        const bool queued = r->effects().on_conn(
            conn, [group](Connection& c) { c.worker().group_remove(group, &c); });
        if (!queued) return worker_queue_full(*r, "group_remove");
        r->groups().leave(*members, group, conn, *record);
        return SY_OK;
    }

    static size_t group_size(void* ctx, sy_group_id group) {
        auto* r = in_hook(ctx, "group_size");
        if (r == nullptr) return 0;
        return r->groups().size(group);
    }

    static sy_status conn_state_set(void* ctx, sy_conn_id conn, sy_str bytes) {
        auto* r = in_hook(ctx, "conn_state_set");
        if (r == nullptr) return SY_ERR_WRONG_THREAD;
        auto* record = conn_of(*r, conn, "conn_state_set");
        if (record == nullptr) return SY_ERR_NOT_FOUND;
        r->connections().set_state(conn, *record, sv(bytes));
        return SY_OK;
    }

    static sy_str conn_state_get(void* ctx, sy_conn_id conn) {
        auto* r = in_hook(ctx, "conn_state_get");
        if (r == nullptr) return sy_str{nullptr, 0};
        const auto* record = r->connections().find(conn);
        if (record == nullptr) return sy_str{nullptr, 0};
        return to_sy(record->state);
    }

    static sy_status conn_keepalive(void* ctx, sy_conn_id conn, uint32_t interval_ms,
                                    uint32_t timeout_ms) {
        auto* r = in_hook(ctx, "conn_keepalive");
        if (r == nullptr) return SY_ERR_WRONG_THREAD;
        if (conn_of(*r, conn, "conn_keepalive") == nullptr) return SY_ERR_NOT_FOUND;
        const bool queued = r->effects().on_conn(conn, [interval_ms, timeout_ms](Connection& c) {
            c.set_keepalive(interval_ms, timeout_ms);
        });
        return queued ? SY_OK : worker_queue_full(*r, "conn_keepalive");
    }

    // The plugin may publish `e` (its lanes; a scope.conn of its own): SY_OK, or why not.
    // `scope`: the event's scope, parsed; null when it has none.
    static sy_status publish_allowed(PluginRuntime& r, const Event& e,
                                     const boost::json::object* scope) {
        if (!r.lanes().allows(e.topic)) {
            g_misuse.warn(
                "plugin {}: publish to {} refused (SY_ERR_DENIED): a plugin publishes "
                "to {}, {}/..., inbound/{} and what publish_to grants it",
                r.name(), e.topic, r.name(), r.name(), r.name());
            return SY_ERR_DENIED;
        }
        if (scope == nullptr || !scope->contains("conn")) return SY_OK;
        if (r.connections().is_known(scope_conn(*scope))) return SY_OK;
        g_misuse.warn(
            "plugin {}: publish to {} refused (SY_ERR_DENIED): scope.conn {} is not "
            "one of its connections",
            r.name(), e.topic, boost::json::serialize(scope->at("conn")));
        return SY_ERR_DENIED;
    }

    static sy_status publish(void* ctx, const sy_publish_v1* event, uint64_t* out_seq) {
        auto* hooked = in_hook(ctx, "publish");
        if (hooked == nullptr) return SY_ERR_WRONG_THREAD;
        auto& r = *hooked;
        if (event == nullptr || !SY_HAS_FIELD(event, sy_publish_v1, type)) return SY_ERR_INVALID;
        Event e;
        e.topic = sv(event->topic);
        e.type = sv(event->type);
        if (SY_HAS_FIELD(event, sy_publish_v1, data) && event->data.len != 0)
            e.data = sv(event->data);
        if (SY_HAS_FIELD(event, sy_publish_v1, id)) e.id = sv(event->id);
        if (SY_HAS_FIELD(event, sy_publish_v1, priority)) e.priority = sv(event->priority);
        if (SY_HAS_FIELD(event, sy_publish_v1, scope)) e.scope = sv(event->scope);
        if (SY_HAS_FIELD(event, sy_publish_v1, internal) && event->internal != 0) {
            e.visibility = Visibility::Internal;
        }
        boost::system::error_code ec;
        boost::json::value scope;
        if (!e.scope.empty()) scope = boost::json::parse(e.scope, ec);
        if (ec || (!e.scope.empty() && !scope.is_object()) || !is_json(e.data)) {
            spdlog::warn("plugin {}: publish to {} refused: data or scope is not valid JSON",
                         r.name(), e.topic);
            return SY_ERR_INVALID;
        }
        const sy_status allowed =
            publish_allowed(r, e, scope.is_object() ? &scope.as_object() : nullptr);
        if (allowed != SY_OK) return allowed;
        try {
            auto stored = r.bus().publish(std::move(e));
            if (out_seq != nullptr) *out_seq = stored->seq;
            return SY_OK;
        } catch (const BusUnavailable& error) {
            // Every publish fails alike until the engine is back: a plugin that publishes per
            // client message must not flood the log meanwhile.
            g_bus_unavailable.warn("plugin {}: publish failed (SY_ERR_FAILED): {}", r.name(),
                                   error.what());
            return SY_ERR_FAILED;
        } catch (const std::invalid_argument& error) {
            spdlog::warn("plugin {}: publish refused: {}", r.name(), error.what());
            return SY_ERR_INVALID;
        }
    }

    static sy_status bus_replay(void* ctx, sy_str stream, uint64_t after_seq,
                                sy_event_visitor visit, void* user, int* out_gap,
                                uint64_t* out_last_seq) {
        auto* hooked = in_hook(ctx, "bus_replay");
        if (hooked == nullptr) return SY_ERR_WRONG_THREAD;
        auto& r = *hooked;
        const ReplayResult replay = r.bus().replay_after(sv(stream), after_seq);
        if (out_gap != nullptr) *out_gap = replay.gap ? 1 : 0;
        if (out_last_seq != nullptr) *out_last_seq = replay.last_seq;
        if (visit == nullptr) return SY_OK;
        for (const auto& event : replay.events) {
            const sy_event_v1 e = abi_event(*event);
            visit(user, &e);
        }
        return SY_OK;
    }

    static sy_timer_id timer_start(void* ctx, uint64_t delay_ms, uint64_t interval_ms,
                                   uint64_t tag) {
        auto* r = in_hook(ctx, "timer_start");
        if (r == nullptr) return 0;
        return r->timers().start(delay_ms, interval_ms, tag);
    }

    static sy_status timer_cancel(void* ctx, sy_timer_id timer) {
        auto* r = in_hook(ctx, "timer_cancel");
        if (r == nullptr) return SY_ERR_WRONG_THREAD;
        if (r->timers().cancel(timer)) return SY_OK;
        g_misuse.info(
            "plugin {}: timer_cancel of timer {}, which is not running; "
            "SY_ERR_NOT_FOUND",
            r->name(), timer);
        return SY_ERR_NOT_FOUND;
    }

    static sy_follow_id follow_open(void* ctx, const sy_follow_v1* follow) {
        auto* r = in_hook(ctx, "follow_open");
        if (r == nullptr) return 0;
        if (follow == nullptr || !SY_HAS_FIELD(follow, sy_follow_v1, idle_timeout_ms)) {
            g_misuse.warn("plugin {}: follow_open without a whole sy_follow_v1; refused",
                          r->name());
            return 0;
        }
        return r->follows().open(*follow);
    }

    static sy_status follow_close(void* ctx, sy_follow_id follow) {
        auto* r = in_hook(ctx, "follow_close");
        if (r == nullptr) return SY_ERR_WRONG_THREAD;
        if (r->follows().close(follow)) return SY_OK;
        g_misuse.info(
            "plugin {}: follow_close of follow {}, which is not running; SY_ERR_NOT_FOUND",
            r->name(), follow);
        return SY_ERR_NOT_FOUND;
    }

    // -- 1.3: state kept on disk ------------------------------------------------------

    static sy_str state_load(void* ctx, sy_str key) {
        auto* r = in_hook(ctx, "state_load");
        if (r == nullptr) return sy_str{nullptr, 0};
        const std::string* value = r->state_store().load(sv(key));
        if (value == nullptr) return sy_str{nullptr, 0};
        // An empty value is a value: a non-null pointer tells it from none.
        return sy_str{value->data(), value->size()};
    }

    static sy_status state_refused(PluginRuntime& r, sy_status status, const char* function,
                                   sy_str key) {
        if (status == SY_ERR_INVALID) {
            // The key itself is not logged: it may be anything a client sent.
            g_misuse.warn(
                "plugin {}: {} with a bad key ({} bytes; a key is 1 to 64 of "
                "[A-Za-z0-9._-], not starting with '.') or a value over 1 MiB; "
                "SY_ERR_INVALID",
                r.name(), function, key.len);
        } else if (status == SY_ERR_FULL) {
            g_misuse.warn(
                "plugin {}: {} of '{}' refused: past the bound of {} keys and {} "
                "bytes, or too many writes waiting; SY_ERR_FULL",
                r.name(), function, sv(key), StateStore::kMaxKeys, StateStore::kMaxTotalBytes);
        }
        return status;
    }

    static sy_status state_save(void* ctx, sy_str key, sy_str value, uint64_t tag) {
        auto* r = in_hook(ctx, "state_save");
        if (r == nullptr) return SY_ERR_WRONG_THREAD;
        if (key.ptr == nullptr || (value.ptr == nullptr && value.len != 0)) return SY_ERR_INVALID;
        const sy_status status = r->state_store().save(sv(key), sv(value), tag);
        return status == SY_OK ? SY_OK : state_refused(*r, status, "state_save", key);
    }

    static sy_status state_remove(void* ctx, sy_str key, uint64_t tag) {
        auto* r = in_hook(ctx, "state_remove");
        if (r == nullptr) return SY_ERR_WRONG_THREAD;
        if (key.ptr == nullptr) return SY_ERR_INVALID;
        const sy_status status = r->state_store().remove(sv(key), tag);
        return status == SY_OK ? SY_OK : state_refused(*r, status, "state_remove", key);
    }

    static sy_str request_header(const sy_request_v1* request, sy_str name) {
        return to_sy(header_of(request, sv(name)));
    }

    static int64_t request_query(const sy_request_v1* request, sy_str name, char* buf,
                                 size_t buf_len) {
        if (request == nullptr) return -1;
        auto value = auth::query_param(sv(request->query), sv(name));
        if (!value || value->size() > buf_len) return -1;
        if (!value->empty()) std::memcpy(buf, value->data(), value->size());
        return static_cast<int64_t>(value->size());
    }

    static sy_str request_cookie(const sy_request_v1* request, sy_str name) {
        if (request == nullptr) return sy_str{nullptr, 0};
        for (size_t i = 0; i < request->header_count; ++i) {
            if (!auth::iequals(sv(request->headers[i].name), "cookie")) continue;
            if (auto value = auth::cookie_value(sv(request->headers[i].value), sv(name))) {
                return to_sy(*value);
            }
        }
        return sy_str{nullptr, 0};
    }

    static int secure_equals(sy_str a, sy_str b) {
        return auth::secure_equals(sv(a), sv(b)) ? 1 : 0;
    }

    static int origin_host_allowed(const sy_request_v1* request, const sy_str* hosts,
                                   size_t host_count) {
        if (request == nullptr) return 0;
        bool present = false;
        std::string_view origin;
        for (size_t i = 0; i < request->header_count; ++i) {
            if (auth::iequals(sv(request->headers[i].name), "origin")) {
                present = true;
                origin = sv(request->headers[i].value);
                break;
            }
        }
        std::vector<std::string> allowed;
        allowed.reserve(host_count);
        for (size_t i = 0; i < host_count; ++i) allowed.emplace_back(sv(hosts[i]));
        return auth::origin_host_allowed(origin, present, allowed) ? 1 : 0;
    }

    // -- 1.1: deferred answers and files ---------------------------------------------

    // The deferred request `id`, taken out of the plugin's held requests for its answer;
    // `status` says why there is none to answer.
    static HttpExchangePtr take_deferred(void* ctx, sy_request_id id, sy_status& status,
                                         const char* function) {
        auto* hooked = in_hook(ctx, function);
        if (hooked == nullptr) {
            status = SY_ERR_WRONG_THREAD;
            return nullptr;
        }
        HttpExchangePtr exchange = hooked->deferred().take(id);
        if (!exchange) {
            status = SY_ERR_NOT_FOUND;
            return nullptr;
        }
        // Taken all the same: an answer to a client that has gone is no answer.
        if (exchange->client_gone()) {
            status = SY_ERR_CLOSED;
            return nullptr;
        }
        status = SY_OK;
        return exchange;
    }

    static sy_status respond(void* ctx, sy_request_id request, const sy_response_v1* response) {
        if (response == nullptr || !SY_HAS_FIELD(response, sy_response_v1, body))
            return SY_ERR_INVALID;
        sy_status status = SY_OK;
        HttpExchangePtr exchange = take_deferred(ctx, request, status, "respond");
        if (!exchange) return status;
        HeaderList headers;
        for (size_t i = 0; i < response->header_count; ++i) {
            headers.emplace_back(sv(response->headers[i].name), sv(response->headers[i].value));
        }
        exchange->respond(response->status != 0 ? response->status : 200,
                          sv(response->content_type), std::string(sv(response->body)), headers);
        return SY_OK;
    }

    static sy_status respond_file(void* ctx, sy_request_id request,
                                  const sy_file_response_v1* file) {
        auto& r = rt(ctx);
        if (file == nullptr || !SY_HAS_FIELD(file, sy_file_response_v1, max_bytes))
            return SY_ERR_INVALID;
        sy_status status = SY_OK;
        HttpExchangePtr exchange = take_deferred(ctx, request, status, "respond_file");
        if (!exchange) return status;
        const sy_request_v1& abi = exchange->abi_request();
        FileRequest job;
        job.root = sv(file->root);
        job.path = sv(file->path);
        job.content_type = sv(file->content_type);
        for (size_t i = 0; i < file->header_count; ++i) {
            job.extra_headers.emplace_back(sv(file->headers[i].name), sv(file->headers[i].value));
        }
        job.max_bytes = file->max_bytes;
        job.head = sv(abi.method) == "HEAD";
        job.if_none_match = header_of(&abi, "if-none-match");
        job.range = header_of(&abi, "range");
        auto done = [exchange](FileAnswer answer) { exchange->respond_file(std::move(answer)); };
        if (!r.files().submit(std::move(job), std::move(done))) {
            exchange->respond(503, "application/json",
                              error_json("BUSY", "too many files are waiting to be read"));
            return SY_ERR_FULL;
        }
        return SY_OK;
    }
};

} // namespace

sy_host_v1 make_host_table(PluginRuntime* runtime) {
    sy_host_v1 host{};
    host.struct_size = sizeof host;
    host.abi_major = SY_ABI_MAJOR;
    host.abi_minor = SY_ABI_MINOR;
    host.ctx = runtime;
    host.log = &HostApi::log;
    host.now_ms = &HostApi::now_ms;
    host.frame_create = &HostApi::frame_create;
    host.frame_release = &HostApi::frame_release;
    host.send = &HostApi::send;
    host.send_text = &HostApi::send_text;
    host.broadcast = &HostApi::broadcast;
    host.close = &HostApi::close;
    host.group = &HostApi::group;
    host.group_add = &HostApi::group_add;
    host.group_remove = &HostApi::group_remove;
    host.group_size = &HostApi::group_size;
    host.conn_state_set = &HostApi::conn_state_set;
    host.conn_state_get = &HostApi::conn_state_get;
    host.conn_keepalive = &HostApi::conn_keepalive;
    host.publish = &HostApi::publish;
    host.bus_replay = &HostApi::bus_replay;
    host.timer_start = &HostApi::timer_start;
    host.timer_cancel = &HostApi::timer_cancel;
    host.request_header = &HostApi::request_header;
    host.request_query = &HostApi::request_query;
    host.request_cookie = &HostApi::request_cookie;
    host.secure_equals = &HostApi::secure_equals;
    host.origin_host_allowed = &HostApi::origin_host_allowed;
    host.respond = &HostApi::respond;
    host.respond_file = &HostApi::respond_file;
    host.follow_open = &HostApi::follow_open;
    host.follow_close = &HostApi::follow_close;
    host.state_load = &HostApi::state_load;
    host.state_save = &HostApi::state_save;
    host.state_remove = &HostApi::state_remove;
    host.group_transient = &HostApi::group_transient;
    return host;
}

} // namespace switchyard

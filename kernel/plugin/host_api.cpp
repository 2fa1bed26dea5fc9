// Every function here is called by a plugin from inside one of its hooks, that is on the
// plugin's dispatcher: they may touch the runtime's dispatcher-only state freely.
#include "plugin/host_api.hpp"

#include "auth/auth.hpp"
#include "plugin/abi_event.hpp"
#include "plugin/plugin_runtime.hpp"

#include <boost/asio/post.hpp>
#include <boost/json/parse.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstring>

namespace switchyard {

namespace {

constexpr size_t kMaxFrameBytes = size_t{1} << 30;

std::atomic<sy_group_id> g_next_group{1};

std::string_view sv(sy_str s) {
    return s.ptr == nullptr ? std::string_view() : std::string_view(s.ptr, s.len);
}
sy_str to_sy(std::string_view s) {
    return sy_str{s.data(), s.size()};
}

PluginRuntime& rt(void* ctx) {
    return *static_cast<PluginRuntime*>(ctx);
}

// Close codes a plugin may send: the registered ones and the application range.
bool is_valid_close_code(uint16_t code) {
    return code == 1000 || code == 1001 || code == 1002 || code == 1003 ||
           (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

bool is_json(std::string_view text, bool must_be_object) {
    boost::system::error_code ec;
    auto value = boost::json::parse(text, ec);
    return !ec && (!must_be_object || value.is_object());
}

std::string_view header_of(const sy_request_v1* request, std::string_view name) {
    if (request == nullptr) return {};
    for (size_t i = 0; i < request->header_count; ++i) {
        if (auth::iequals(sv(request->headers[i].name), name)) return sv(request->headers[i].value);
    }
    return {};
}

} // namespace

struct HostApi {
    static void log(void* ctx, sy_log_level level, sy_str message) {
        spdlog::log(static_cast<spdlog::level::level_enum>(level), "plugin {}: {}", rt(ctx).name(),
                    sv(message));
    }

    static int64_t now_ms(void*) {
        using namespace std::chrono;
        return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    }

    static sy_frame* frame_create(void*, sy_frame_kind kind, sy_str payload) {
        if (payload.len > kMaxFrameBytes) return nullptr;
        if (kind != SY_FRAME_TEXT && kind != SY_FRAME_BINARY && kind != SY_FRAME_RAW)
            return nullptr;
        return make_wire_frame(kind, sv(payload));
    }

    static void frame_release(void*, sy_frame* frame) {
        if (frame != nullptr) release(frame);
    }

    static sy_status send(void* ctx, sy_conn_id conn, sy_frame* frame) {
        auto& r = rt(ctx);
        if (frame == nullptr) return SY_ERR_INVALID;
        if (r.find_conn(conn) == nullptr) return SY_ERR_NOT_FOUND;
        r.on_conn_worker(conn, [f = FrameRef::share(frame)](Connection& c) { c.send(f); });
        return SY_OK;
    }

    static sy_status send_text(void* ctx, sy_conn_id conn, sy_str text) {
        sy_frame* frame = frame_create(ctx, SY_FRAME_TEXT, text);
        if (frame == nullptr) return SY_ERR_INVALID;
        const sy_status status = send(ctx, conn, frame);
        release(frame);
        return status;
    }

    static sy_status broadcast(void* ctx, sy_group_id group, sy_frame* frame, sy_conn_id except) {
        auto& r = rt(ctx);
        if (frame == nullptr) return SY_ERR_INVALID;
        auto size = r.group_sizes_.find(group);
        if (size == r.group_sizes_.end()) return SY_ERR_NOT_FOUND;
        if (size->second == 0) return SY_OK;
        // One task per worker, whatever the number of members: the frame is shared.
        for (size_t i = 0; i < r.pool_.size(); ++i) {
            Worker& worker = r.pool_.at(i);
            boost::asio::post(worker.io(), [&worker, group, except, f = FrameRef::share(frame)] {
                worker.broadcast(group, f, except);
            });
        }
        return SY_OK;
    }

    static sy_status close(void* ctx, sy_conn_id conn, uint16_t code, sy_str reason) {
        auto& r = rt(ctx);
        if (!is_valid_close_code(code)) return SY_ERR_INVALID;
        if (r.find_conn(conn) == nullptr) return SY_ERR_NOT_FOUND;
        r.on_conn_worker(
            conn, [code, why = std::string(sv(reason))](Connection& c) { c.close(code, why); });
        return SY_OK;
    }

    static sy_group_id group(void* ctx, sy_str name) {
        auto& r = rt(ctx);
        auto [it, added] = r.group_ids_.try_emplace(std::string(sv(name)), 0);
        if (added) {
            it->second = g_next_group.fetch_add(1);
            r.group_sizes_.emplace(it->second, 0);
        }
        return it->second;
    }

    static sy_status group_add(void* ctx, sy_group_id group, sy_conn_id conn) {
        auto& r = rt(ctx);
        auto size = r.group_sizes_.find(group);
        auto record = r.conns_.find(conn);
        if (size == r.group_sizes_.end() || record == r.conns_.end()) return SY_ERR_NOT_FOUND;
        auto& groups = record->second.groups;
        if (std::find(groups.begin(), groups.end(), group) != groups.end()) return SY_OK;
        groups.push_back(group);
        ++size->second;
        r.on_conn_worker(conn, [group](Connection& c) { c.worker().group_add(group, &c); });
        return SY_OK;
    }

    static sy_status group_remove(void* ctx, sy_group_id group, sy_conn_id conn) {
        auto& r = rt(ctx);
        auto size = r.group_sizes_.find(group);
        auto record = r.conns_.find(conn);
        if (size == r.group_sizes_.end() || record == r.conns_.end()) return SY_ERR_NOT_FOUND;
        auto& groups = record->second.groups;
        auto pos = std::find(groups.begin(), groups.end(), group);
        if (pos == groups.end()) return SY_OK;
        groups.erase(pos);
        --size->second;
        r.on_conn_worker(conn, [group](Connection& c) { c.worker().group_remove(group, &c); });
        return SY_OK;
    }

    static size_t group_size(void* ctx, sy_group_id group) {
        auto& r = rt(ctx);
        auto size = r.group_sizes_.find(group);
        return size == r.group_sizes_.end() ? 0 : size->second;
    }

    static sy_status conn_state_set(void* ctx, sy_conn_id conn, sy_str bytes) {
        auto& r = rt(ctx);
        auto record = r.conns_.find(conn);
        if (record == r.conns_.end()) return SY_ERR_NOT_FOUND;
        record->second.state.assign(sv(bytes));
        return SY_OK;
    }

    static sy_str conn_state_get(void* ctx, sy_conn_id conn) {
        auto& r = rt(ctx);
        auto record = r.conns_.find(conn);
        if (record == r.conns_.end()) return sy_str{nullptr, 0};
        return to_sy(record->second.state);
    }

    static sy_status conn_keepalive(void* ctx, sy_conn_id conn, uint32_t interval_ms,
                                    uint32_t timeout_ms) {
        auto& r = rt(ctx);
        if (r.find_conn(conn) == nullptr) return SY_ERR_NOT_FOUND;
        r.on_conn_worker(conn, [interval_ms, timeout_ms](Connection& c) {
            c.set_keepalive(interval_ms, timeout_ms);
        });
        return SY_OK;
    }

    static sy_status publish(void* ctx, const sy_publish_v1* event, uint64_t* out_seq) {
        auto& r = rt(ctx);
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
        if (!is_json(e.data, false) || (!e.scope.empty() && !is_json(e.scope, true))) {
            spdlog::warn("plugin {}: publish to {} refused: data or scope is not valid JSON",
                         r.name(), e.topic);
            return SY_ERR_INVALID;
        }
        try {
            auto stored = r.bus_.publish(std::move(e));
            if (out_seq != nullptr) *out_seq = stored->seq;
            return SY_OK;
        } catch (const std::invalid_argument& error) {
            spdlog::warn("plugin {}: publish refused: {}", r.name(), error.what());
            return SY_ERR_INVALID;
        }
    }

    static sy_status bus_replay(void* ctx, sy_str stream, uint64_t after_seq,
                                sy_event_visitor visit, void* user, int* out_gap,
                                uint64_t* out_last_seq) {
        auto& r = rt(ctx);
        const ReplayResult replay = r.bus_.replay_after(sv(stream), after_seq);
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
        auto& r = rt(ctx);
        const sy_timer_id id = r.next_timer_++;
        PluginRuntime::TimerRecord record;
        record.timer = std::make_unique<boost::asio::steady_timer>(r.home_.io());
        record.tag = tag;
        record.interval_ms = interval_ms;
        r.timers_.emplace(id, std::move(record));
        r.arm_timer(id, delay_ms);
        return id;
    }

    static sy_status timer_cancel(void* ctx, sy_timer_id timer) {
        auto& r = rt(ctx);
        return r.timers_.erase(timer) != 0 ? SY_OK : SY_ERR_NOT_FOUND;
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
    static HttpExchangePtr take_deferred(PluginRuntime& r, sy_request_id id, sy_status& status) {
        if (!r.dispatcher_.on_home_thread()) {
            spdlog::error("plugin {}: respond called outside its hooks; ignored", r.name());
            status = SY_ERR_WRONG_THREAD;
            return nullptr;
        }
        HttpExchangePtr exchange = r.deferred_.take(id);
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
        HttpExchangePtr exchange = take_deferred(rt(ctx), request, status);
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
        HttpExchangePtr exchange = take_deferred(r, request, status);
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
        if (!r.files_.submit(std::move(job), std::move(done))) {
            exchange->respond(503, "application/json",
                              error_json("BUSY", "too many files are waiting to be read"));
            return SY_ERR_FULL;
        }
        return SY_OK;
    }
};

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
    return host;
}

} // namespace switchyard

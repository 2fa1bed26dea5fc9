// A fake kernel for the plugins' unit tests (clijaw, jetstart): a host table (sy_host_v1)
// that records what the plugin asks (frames sent and broadcast, groups, closes with their
// codes, publishes, timers, follows, per-connection state, keepalives, files) and answers
// bus_replay from a ring the test fills. The clock is the test's.
#pragma once

#include <switchyard/plugin.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::plugin_testing {

inline std::string_view view(sy_str s) {
    return s.ptr == nullptr ? "" : std::string_view(s.ptr, s.len);
}
inline sy_str str(std::string_view s) {
    return sy_str{s.data(), s.size()};
}

class FakeHost {
  public:
    struct Published {
        std::string topic, type, data, scope;
        bool internal;
    };
    struct Close {
        sy_conn_id conn;
        uint16_t code;
        std::string reason;
    };
    struct FileAnswer {
        sy_request_id request;
        std::string root, path;
    };
    struct Timer {
        uint64_t delay_ms, interval_ms, tag;
    };
    struct Followed {
        std::string url, last_event_id, authorization;
        uint64_t tag;
        uint32_t idle_timeout_ms;
    };
    // A frame queued on one connection (group 0) or broadcast to a group.
    struct Delivery {
        sy_group_id group;
        sy_conn_id conn;
        sy_frame_kind kind;
        std::string payload;
    };
    // An event the ring holds, for bus_replay.
    struct HeldEvent {
        std::string topic, type, data;
        bool internal;
        uint64_t seq;
        int64_t ts;
    };

    explicit FakeHost(bool can_follow = true) {
        table_.struct_size = sizeof table_;
        table_.abi_major = SY_ABI_MAJOR;
        table_.abi_minor = SY_ABI_MINOR;
        table_.ctx = this;
        table_.log = [](void* ctx, sy_log_level, sy_str message) {
            self(ctx).logs.emplace_back(view(message));
        };
        table_.now_ms = [](void* ctx) { return self(ctx).now; };
        table_.frame_create = [](void* ctx, sy_frame_kind kind, sy_str payload) -> sy_frame* {
            ++self(ctx).frames_alive;
            return reinterpret_cast<sy_frame*>(new Frame{kind, std::string(view(payload))});
        };
        table_.frame_release = [](void* ctx, sy_frame* frame) {
            --self(ctx).frames_alive;
            delete reinterpret_cast<Frame*>(frame);
        };
        table_.send = [](void* ctx, sy_conn_id conn, sy_frame* frame) -> sy_status {
            FakeHost& host = self(ctx);
            if (host.full.count(conn) != 0) return SY_ERR_FULL;
            const auto* f = reinterpret_cast<Frame*>(frame);
            host.deliveries.push_back({0, conn, f->kind, f->payload});
            return SY_OK;
        };
        table_.send_text = [](void* ctx, sy_conn_id conn, sy_str text) -> sy_status {
            self(ctx).deliveries.push_back({0, conn, SY_FRAME_TEXT, std::string(view(text))});
            return SY_OK;
        };
        table_.broadcast = [](void* ctx, sy_group_id group, sy_frame* frame,
                              sy_conn_id except) -> sy_status {
            const auto* f = reinterpret_cast<Frame*>(frame);
            self(ctx).deliveries.push_back({group, except, f->kind, f->payload});
            return SY_OK;
        };
        table_.close = [](void* ctx, sy_conn_id conn, uint16_t code, sy_str reason) -> sy_status {
            self(ctx).closed.push_back(conn);
            self(ctx).closes.push_back({conn, code, std::string(view(reason))});
            return SY_OK;
        };
        table_.conn_state_set = [](void* ctx, sy_conn_id conn, sy_str bytes) -> sy_status {
            self(ctx).state[conn] = std::string(view(bytes));
            return SY_OK;
        };
        table_.conn_state_get = [](void* ctx, sy_conn_id conn) -> sy_str {
            const auto& state = self(ctx).state;
            const auto it = state.find(conn);
            return it == state.end() ? sy_str{nullptr, 0} : str(it->second);
        };
        table_.conn_keepalive = [](void* ctx, sy_conn_id conn, uint32_t interval,
                                   uint32_t timeout) -> sy_status {
            self(ctx).keepalives[conn] = {interval, timeout};
            return SY_OK;
        };
        table_.respond = [](void*, sy_request_id, const sy_response_v1*) -> sy_status {
            return SY_OK;
        };
        table_.respond_file = [](void* ctx, sy_request_id request,
                                 const sy_file_response_v1* file) -> sy_status {
            self(ctx).files.push_back(
                {request, std::string(view(file->root)), std::string(view(file->path))});
            return SY_OK;
        };
        table_.group = [](void* ctx, sy_str name) -> sy_group_id {
            auto& groups = self(ctx).groups;
            return groups.emplace(std::string(view(name)), groups.size() + 1).first->second;
        };
        table_.group_add = [](void* ctx, sy_group_id group, sy_conn_id conn) -> sy_status {
            self(ctx).members[group].insert(conn);
            return SY_OK;
        };
        table_.group_remove = [](void* ctx, sy_group_id group, sy_conn_id conn) -> sy_status {
            self(ctx).members[group].erase(conn);
            return SY_OK;
        };
        table_.group_size = [](void* ctx, sy_group_id group) -> size_t {
            return self(ctx).members[group].size();
        };
        table_.publish = [](void* ctx, const sy_publish_v1* e, uint64_t* seq) -> sy_status {
            self(ctx).published.push_back({std::string(view(e->topic)), std::string(view(e->type)),
                                           std::string(view(e->data)), std::string(view(e->scope)),
                                           e->internal != 0});
            if (seq != nullptr) *seq = self(ctx).published.size();
            return SY_OK;
        };
        table_.bus_replay = [](void* ctx, sy_str, uint64_t after, sy_event_visitor visit,
                               void* user, int* gap, uint64_t* last) -> sy_status {
            FakeHost& host = self(ctx);
            const uint64_t last_seq = host.ring.empty() ? 0 : host.ring.back().seq;
            const uint64_t oldest = host.ring.empty() ? last_seq + 1 : host.ring.front().seq;
            if (gap != nullptr) *gap = after > last_seq || (after < last_seq && after + 1 < oldest);
            if (last != nullptr) *last = last_seq;
            for (const HeldEvent& held : host.ring) {
                if (held.seq <= after) continue;
                const sy_event_v1 e = abi(held);
                visit(user, &e);
            }
            return SY_OK;
        };
        table_.timer_start = [](void* ctx, uint64_t delay, uint64_t interval,
                                uint64_t tag) -> sy_timer_id {
            const sy_timer_id id = ++self(ctx).next_id;
            self(ctx).timers[id] = {delay, interval, tag};
            return id;
        };
        table_.timer_cancel = [](void* ctx, sy_timer_id id) -> sy_status {
            return self(ctx).timers.erase(id) != 0 ? SY_OK : SY_ERR_NOT_FOUND;
        };
        table_.request_header = [](const sy_request_v1* request, sy_str name) -> sy_str {
            for (size_t i = 0; i < request->header_count; ++i) {
                if (view(request->headers[i].name) == view(name)) return request->headers[i].value;
            }
            return sy_str{nullptr, 0};
        };
        table_.request_query = [](const sy_request_v1*, sy_str, char*, size_t) -> int64_t {
            return -1;
        };
        table_.secure_equals = [](sy_str a, sy_str b) -> int { return view(a) == view(b); };
        table_.origin_host_allowed = [](const sy_request_v1*, const sy_str*, size_t) -> int {
            return 1;
        };
        if (can_follow) {
            table_.follow_open = [](void* ctx, const sy_follow_v1* f) -> sy_follow_id {
                FakeHost& host = self(ctx);
                Followed followed{std::string(view(f->url)), std::string(view(f->last_event_id)),
                                  "", f->tag, f->idle_timeout_ms};
                for (size_t i = 0; i < f->header_count; ++i) {
                    if (view(f->headers[i].name) == "Authorization")
                        followed.authorization = view(f->headers[i].value);
                }
                const sy_follow_id id = ++host.next_id;
                host.follows[id] = followed;
                return id;
            };
            table_.follow_close = [](void* ctx, sy_follow_id id) -> sy_status {
                self(ctx).closed_follows.push_back(id);
                return self(ctx).follows.erase(id) != 0 ? SY_OK : SY_ERR_NOT_FOUND;
            };
        }
    }
    FakeHost(const FakeHost&) = delete;
    FakeHost& operator=(const FakeHost&) = delete;

    const sy_host_v1* table() const { return &table_; }

    // The ABI view of a held event (valid while `held` lives).
    static sy_event_v1 abi(const HeldEvent& held) {
        sy_event_v1 e{};
        e.struct_size = sizeof e;
        e.stream = str("jetstart");
        e.topic = str(held.topic);
        e.type = str(held.type);
        e.data = str(held.data);
        e.internal = held.internal ? 1 : 0;
        e.seq = held.seq;
        e.ts = held.ts;
        return e;
    }

    // The follow open on `url`, 0 when none.
    sy_follow_id follow_of(std::string_view url) const {
        for (const auto& [id, f] : follows) {
            if (f.url == url) return id;
        }
        return 0;
    }
    // The timer with `tag`, 0 when none.
    sy_timer_id timer_of(uint64_t tag) const {
        for (const auto& [id, t] : timers) {
            if (t.tag == tag) return id;
        }
        return 0;
    }
    // The published events of `type`.
    std::vector<Published> of_type(std::string_view type) const {
        std::vector<Published> out;
        for (const Published& p : published) {
            if (p.type == type) out.push_back(p);
        }
        return out;
    }
    // What was queued on `conn` alone, in order, and what was broadcast to `group`.
    std::vector<Delivery> sent_to(sy_conn_id conn) const {
        std::vector<Delivery> out;
        for (const Delivery& d : deliveries) {
            if (d.group == 0 && d.conn == conn) out.push_back(d);
        }
        return out;
    }
    std::vector<Delivery> broadcast_to(sy_group_id group) const {
        std::vector<Delivery> out;
        for (const Delivery& d : deliveries) {
            if (d.group == group) out.push_back(d);
        }
        return out;
    }

    int64_t now = 1'000'000;
    uint64_t next_id = 0;
    std::vector<std::string> logs;
    std::vector<Published> published;
    std::map<sy_timer_id, Timer> timers;
    std::map<sy_follow_id, Followed> follows;
    std::vector<sy_follow_id> closed_follows;
    std::vector<Delivery> deliveries;
    std::vector<sy_conn_id> closed;
    std::vector<Close> closes;
    std::map<sy_conn_id, std::string> state;
    std::map<sy_conn_id, std::pair<uint32_t, uint32_t>> keepalives;
    std::vector<FileAnswer> files;
    std::map<std::string, sy_group_id> groups;
    std::map<sy_group_id, std::set<sy_conn_id>> members;
    std::vector<HeldEvent> ring; // oldest first
    std::set<sy_conn_id> full;   // connections whose queue refuses frames
    int frames_alive = 0;

  private:
    struct Frame {
        sy_frame_kind kind;
        std::string payload;
    };
    static FakeHost& self(void* ctx) { return *static_cast<FakeHost*>(ctx); }
    sy_host_v1 table_{};
};

} // namespace switchyard::plugin_testing

// A host table (sy_host_v1) that records what a plugin asks of the kernel, for tests that
// drive a plugin library through its C descriptor without a running kernel.
#pragma once

#include <switchyard/plugin.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchyard::testing {

// An ABI string as a view (empty when null).
inline std::string_view view(sy_str s) {
    return s.ptr == nullptr ? "" : std::string_view(s.ptr, s.len);
}
// A view as an ABI string.
inline sy_str str(std::string_view s) {
    return sy_str{s.data(), s.size()};
}

// A frame of the fake host. Never dereferenced as the kernel's sy_frame: the plugin
// only passes the pointer back.
struct FakeFrame {
    sy_frame_kind kind;
    std::string payload;
};

// A host table that records what the plugin asks for. Functions no test needs yet
// (per-connection state, keepalive, publish, replay, timers, request helpers but the
// Origin check) are left NULL. One RecordingHost at a time: the Origin helper, which gets
// no ctx, answers for the latest one.
class RecordingHost {
  public:
    // One frame queued by send, send_text or broadcast.
    struct Delivery {
        sy_group_id group; // 0 for a send to one connection
        sy_conn_id conn;   // the connection, or `except` of a broadcast
        sy_frame_kind kind;
        std::string payload;
    };

    RecordingHost() {
        table_.struct_size = sizeof(sy_host_v1);
        table_.abi_major = SY_ABI_MAJOR;
        table_.abi_minor = SY_ABI_MINOR;
        table_.ctx = this;
        table_.log = [](void* ctx, sy_log_level level, sy_str message) {
            self(ctx).logs.push_back({level, std::string(view(message))});
        };
        table_.now_ms = [](void*) -> int64_t { return 1'700'000'000'000; };
        table_.frame_create = [](void* ctx, sy_frame_kind kind, sy_str payload) -> sy_frame* {
            if (payload.len > self(ctx).max_frame_bytes) return nullptr;
            ++self(ctx).frames_alive;
            return reinterpret_cast<sy_frame*>(new FakeFrame{kind, std::string(view(payload))});
        };
        table_.frame_release = [](void* ctx, sy_frame* frame) {
            --self(ctx).frames_alive;
            delete reinterpret_cast<FakeFrame*>(frame);
        };
        table_.send = [](void* ctx, sy_conn_id conn, sy_frame* frame) -> sy_status {
            auto* f = reinterpret_cast<FakeFrame*>(frame);
            self(ctx).deliveries.push_back({0, conn, f->kind, f->payload});
            return SY_OK;
        };
        table_.send_text = [](void* ctx, sy_conn_id conn, sy_str text) -> sy_status {
            self(ctx).deliveries.push_back({0, conn, SY_FRAME_TEXT, std::string(view(text))});
            return SY_OK;
        };
        table_.broadcast = [](void* ctx, sy_group_id group, sy_frame* frame,
                              sy_conn_id except) -> sy_status {
            auto* f = reinterpret_cast<FakeFrame*>(frame);
            self(ctx).deliveries.push_back({group, except, f->kind, f->payload});
            return SY_OK;
        };
        table_.close = [](void* ctx, sy_conn_id conn, uint16_t, sy_str) -> sy_status {
            self(ctx).closed.push_back(conn);
            return SY_OK;
        };
        table_.group = [](void* ctx, sy_str name) -> sy_group_id {
            auto& groups = self(ctx).groups;
            auto [it, added] = groups.emplace(std::string(view(name)), groups.size() + 1);
            ++self(ctx).group_lookups;
            return it->second;
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
        table_.origin_host_allowed = [](const sy_request_v1*, const sy_str* hosts,
                                        size_t count) -> int {
            // Pure helpers get no ctx: the test's single host answers them.
            current_->origin_hosts.clear();
            for (size_t i = 0; i < count; ++i) current_->origin_hosts.emplace_back(view(hosts[i]));
            return current_->origin_allowed ? 1 : 0;
        };
        current_ = this;
    }
    ~RecordingHost() { current_ = nullptr; }
    RecordingHost(const RecordingHost&) = delete;
    RecordingHost& operator=(const RecordingHost&) = delete;

    // The table to hand to create().
    const sy_host_v1* table() const { return &table_; }
    // The id the plugin got for group `name` (throws if it never asked).
    sy_group_id group_id(const std::string& name) const { return groups.at(name); }
    // Whether a line at `level` containing `part` was logged.
    bool logged(sy_log_level level, std::string_view part) const {
        for (const auto& [l, message] : logs) {
            if (l == level && message.find(part) != std::string::npos) return true;
        }
        return false;
    }

    std::vector<std::pair<sy_log_level, std::string>> logs; // every log line
    std::vector<Delivery> deliveries;                       // every frame queued
    std::vector<sy_conn_id> closed;                         // connections closed
    std::map<std::string, sy_group_id> groups;              // groups by name
    std::map<sy_group_id, std::set<sy_conn_id>> members;    // group members
    std::vector<std::string> origin_hosts;                  // the hosts of the last Origin check
    bool origin_allowed = true;                             // the Origin check's answer
    size_t max_frame_bytes = 1 << 20;                       // frame_create fails above this
    int frames_alive = 0;                                   // frames created and not yet released
    int group_lookups = 0;                                  // calls to group()

  private:
    static RecordingHost& self(void* ctx) { return *static_cast<RecordingHost*>(ctx); }
    static inline RecordingHost* current_ = nullptr;
    sy_host_v1 table_{};
};

} // namespace switchyard::testing

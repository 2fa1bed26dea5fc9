// The event streams a plugin follows (host functions follow_open and follow_close, ABI
// 1.2). Like its timers, they belong to the runtime, not to an instance: a follow
// survives a hot reload (the next generation hears its news) and they all end when the
// plugin stops. Each follow's I/O runs on a worker (net/event_stream_follower.hpp); its
// news reaches the plugin through the dispatcher, like every other call into it.
//
// Ids are never reused, and a follow closed by the plugin is silent from then on: news of
// it already queued for the dispatcher is dropped when its turn comes (the id is no
// longer in the table). A follow's news waiting for the dispatcher is bounded by the
// follower (it stops reading its socket), never dropped.
//
// Dispatcher thread only. While a new generation's create() runs (the journal is open),
// the follows it opens are closed again if it fails, and the follows of the old instance
// it closes stay until it succeeds (create_journal.hpp).
#pragma once

#include "net/event_stream_follower.hpp"
#include "net/worker_pool.hpp"
#include "plugin/create_journal.hpp"
#include "plugin/plugin_dispatcher.hpp"

#include <switchyard/plugin.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

namespace switchyard {

class FollowTable {
  public:
    // Follows one plugin may hold at once (plugin.h, follow_open).
    static constexpr size_t kMaxFollows = 256;
    // News of one follow that may wait for the dispatcher before its socket is not read.
    static constexpr size_t kMaxWaitingEvents = 256;

    // Hands one piece of news to the plugin (its on_follow, on the dispatcher); the
    // hook's status.
    using Hook = std::function<sy_status(sy_follow_id id, const sy_follow_event_v1& event)>;

    // Follows run on the workers of `pool` (round robin), their news through
    // `dispatcher` to `hook`. `plugin` names the plugin in log lines.
    FollowTable(WorkerPool& pool, PluginDispatcher& dispatcher, CreateJournal& journal,
                std::string plugin, Hook hook);
    // Stops every follow.
    ~FollowTable();
    FollowTable(const FollowTable&) = delete;
    FollowTable& operator=(const FollowTable&) = delete;

    // Starts following `follow`; its id, or 0 with a log line when the url is malformed,
    // the last event id is not a valid header value, or kMaxFollows run already.
    sy_follow_id open(const sy_follow_v1& follow);
    // Stops follow `id`; false when it is not running.
    bool close(sy_follow_id id);
    // Stops every follow, silently (the instance is going away).
    void clear();
    // A new generation's create() starts: the follows opened from now on are its own.
    void mark_create_start() noexcept { first_in_create_ = next_; }
    // Follows running (or ended, with their CLOSED news not yet handed over).
    size_t size() const noexcept { return follows_.size(); }

  private:
    struct FollowRecord {
        std::shared_ptr<EventStreamFollower> follower;
        uint64_t tag = 0;
    };

    // Hands `news` of follow `id` to the plugin (dispatcher); dropped when `id` ended.
    void deliver(sy_follow_id id, FollowNews& news);
    void erase(sy_follow_id id);

    WorkerPool& pool_;
    PluginDispatcher& dispatcher_;
    CreateJournal& journal_;
    std::string plugin_;
    Hook hook_;
    std::unordered_map<sy_follow_id, FollowRecord> follows_;
    sy_follow_id next_ = 1;
    sy_follow_id first_in_create_ = 0;
};

} // namespace switchyard

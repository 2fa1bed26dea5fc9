// What a plugin makes happen on the network workers: the frames it sends and broadcasts,
// the closes, group changes and keepalives it asks for, and the kernel's own hand-offs
// to a connection's worker on its behalf.
//
// The plugin's own are bounded (kMaxTasks waiting on the workers across the plugin; past
// it they are refused, and the host call fails with SY_ERR_FULL), so a plugin calling in
// a loop cannot grow the workers' queues without limit. While a new generation's
// create() runs (the journal is open), every one of them is held and goes out only once
// that create() has succeeded (create_journal.hpp).
//
// Called on the dispatcher; the tasks run on the workers.
#pragma once

#include "net/worker_pool.hpp"
#include "plugin/create_journal.hpp"
#include "plugin/group_table.hpp"

#include <switchyard/plugin.h>

#include <atomic>
#include <cstddef>
#include <functional>

namespace switchyard {

class Connection;

class PluginEffects {
  public:
    // Tasks the plugin's host calls (close, group changes, broadcasts) may have waiting on
    // the workers.
    static constexpr size_t kMaxTasks = size_t{1} << 18;

    PluginEffects(WorkerPool& pool, CreateJournal& journal) : pool_(pool), journal_(journal) {}
    PluginEffects(const PluginEffects&) = delete;
    PluginEffects& operator=(const PluginEffects&) = delete;

    // Queues `frame` on `conn` through its worker's bounded inbox; false when refused
    // (the connection is then closed as a slow consumer).
    bool send(sy_conn_id conn, sy_frame* frame);
    // Queues `frame` to the members of `group` but `except`, one task per worker that
    // holds members (`members.on_worker`; the frame is shared); false when the bound of
    // waiting tasks is reached.
    bool broadcast(sy_group_id group, const GroupMembers& members, sy_frame* frame,
                   sy_conn_id except);
    // Runs `fn` on the worker that owns `conn`, if it is still open there, for what the
    // plugin asks for; false (nothing queued) past the bound.
    bool on_conn(sy_conn_id conn, std::function<void(Connection&)> fn);
    // The same for the kernel's own hand-offs (a message done, a failed hook's close):
    // never refused.
    void kernel_on_conn(sy_conn_id conn, std::function<void(Connection&)> fn);

  private:
    // Runs `fn` on `worker` within the bound.
    bool on_worker(Worker& worker, std::function<void()> fn);

    WorkerPool& pool_;
    CreateJournal& journal_;
    // Tasks queued on the workers by on_worker and not yet run.
    std::atomic<size_t> waiting_{0};
};

} // namespace switchyard

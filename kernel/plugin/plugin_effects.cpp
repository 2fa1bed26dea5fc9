#include "plugin/plugin_effects.hpp"

#include "net/connection.hpp"

#include <algorithm>

namespace switchyard {

bool PluginEffects::send(sy_conn_id conn, sy_frame* frame) {
    if (journal_.is_open()) {
        // Reaches a client: only once the create() asking for it has succeeded.
        journal_.hold([this, conn, f = FrameRef::share(frame)] { send(conn, f.get()); });
        return true;
    }
    return pool_.owner_of(conn).post_send(conn, FrameRef::share(frame));
}

bool PluginEffects::broadcast(sy_group_id group, const GroupMembers& members, sy_frame* frame,
                              sy_conn_id except) {
    // One task per worker that holds members, whatever their number: the frame is shared.
    // A worker whose last member left since still gets the task (its list is empty then).
    const size_t workers = std::min(pool_.size(), members.on_worker.size());
    for (size_t i = 0; i < workers; ++i) {
        if (members.on_worker[i] == 0) continue;
        Worker& worker = pool_.at(i);
        const bool queued = on_worker(worker, [&worker, group, except, f = FrameRef::share(frame)] {
            worker.broadcast(group, f, except);
        });
        if (!queued) return false;
    }
    return true;
}

bool PluginEffects::on_conn(sy_conn_id conn, std::function<void(Connection&)> fn) {
    Worker& worker = pool_.owner_of(conn);
    return on_worker(worker, [&worker, conn, fn = std::move(fn)] {
        if (Connection* c = worker.find(conn)) fn(*c);
    });
}

void PluginEffects::kernel_on_conn(sy_conn_id conn, std::function<void(Connection&)> fn) {
    if (journal_.is_open()) {
        // Reaches a client: only once the create() asking for it has succeeded.
        journal_.hold(
            [this, conn, fn = std::move(fn)]() mutable { kernel_on_conn(conn, std::move(fn)); });
        return;
    }
    Worker& worker = pool_.owner_of(conn);
    worker.post_task([&worker, conn, fn = std::move(fn)] {
        if (Connection* c = worker.find(conn)) fn(*c);
    });
}

bool PluginEffects::on_worker(Worker& worker, std::function<void()> fn) {
    if (journal_.is_open()) {
        // Reaches the workers: only once the create() asking for it has succeeded.
        journal_.hold(
            [this, &worker, fn = std::move(fn)]() mutable { on_worker(worker, std::move(fn)); });
        return true;
    }
    if (waiting_.fetch_add(1, std::memory_order_relaxed) >= kMaxTasks) {
        waiting_.fetch_sub(1, std::memory_order_relaxed);
        return false;
    }
    // Through the worker's inbox, behind the plugin's sends: effects keep their order.
    worker.post_task([this, fn = std::move(fn)] {
        waiting_.fetch_sub(1, std::memory_order_relaxed);
        fn();
    });
    return true;
}

} // namespace switchyard

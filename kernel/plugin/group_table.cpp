#include "plugin/group_table.hpp"

#include "net/worker.hpp"

#include <algorithm>
#include <atomic>

namespace switchyard {

namespace {

std::atomic<sy_group_id> g_next_group{1};

} // namespace

void GroupMembers::add(sy_conn_id conn, const ConnRecord& record) {
    ++(record.sse ? sse : websocket);
    const unsigned worker = worker_index_of(conn);
    if (on_worker.size() <= worker) on_worker.resize(worker + 1, 0);
    ++on_worker[worker];
}

void GroupMembers::remove(sy_conn_id conn, const ConnRecord& record) {
    --(record.sse ? sse : websocket);
    const unsigned worker = worker_index_of(conn);
    if (worker < on_worker.size() && on_worker[worker] > 0) --on_worker[worker];
}

bool GroupTable::was_issued(sy_group_id group) noexcept {
    return group != 0 && group < g_next_group.load(std::memory_order_relaxed);
}

sy_group_id GroupTable::make(std::string_view name, bool transient) {
    const sy_group_id group = g_next_group.fetch_add(1);
    auto [it, added] = ids_.emplace(std::string(name), group);
    groups_.emplace(group, Group{GroupMembers{}, it->first, transient});
    set_count();
    if (transient) unheld_.push_back(group);
    if (journal_.is_open()) {
        journal_.on_failure([this, name = it->first, group] {
            ids_.erase(name);
            groups_.erase(group);
            set_count();
        });
    }
    return group;
}

sy_group_id GroupTable::id_of(std::string_view name) {
    auto it = ids_.find(std::string(name));
    if (it == ids_.end()) return make(name, false);
    Group& entry = groups_.at(it->second);
    if (entry.transient) {
        entry.transient = false; // pinned: group() makes it the plugin's for good
        if (journal_.is_open()) {
            journal_.on_failure([this, group = it->second] {
                if (auto pinned = groups_.find(group); pinned != groups_.end())
                    pinned->second.transient = true;
            });
        }
    }
    return it->second;
}

sy_group_id GroupTable::transient_id_of(std::string_view name) {
    auto it = ids_.find(std::string(name));
    return it == ids_.end() ? make(name, true) : it->second;
}

GroupMembers* GroupTable::find(sy_group_id group) {
    auto it = groups_.find(group);
    return it == groups_.end() ? nullptr : &it->second.members;
}

size_t GroupTable::size(sy_group_id group) const {
    auto it = groups_.find(group);
    return it == groups_.end() ? 0 : it->second.members.size();
}

bool GroupTable::has_member(const ConnRecord& record, sy_group_id group) {
    return std::find(record.groups.begin(), record.groups.end(), group) != record.groups.end();
}

void GroupTable::note_if_empty(sy_group_id group, const Group& entry) {
    if (entry.transient && entry.members.size() == 0) unheld_.push_back(group);
}

void GroupTable::join(GroupMembers& members, sy_group_id group, sy_conn_id conn,
                      ConnRecord& record) {
    record.groups.push_back(group);
    members.add(conn, record);
    if (!journal_.is_open()) return;
    journal_.on_failure([this, group, conn] {
        auto& joined = conns_.at(conn);
        joined.groups.erase(std::find(joined.groups.begin(), joined.groups.end(), group));
        groups_.at(group).members.remove(conn, joined);
    });
}

void GroupTable::leave(GroupMembers& members, sy_group_id group, sy_conn_id conn,
                       ConnRecord& record) {
    record.groups.erase(std::find(record.groups.begin(), record.groups.end(), group));
    members.remove(conn, record);
    if (auto it = groups_.find(group); it != groups_.end()) note_if_empty(group, it->second);
    if (!journal_.is_open()) return;
    journal_.on_failure([this, group, conn] {
        auto& left = conns_.at(conn);
        left.groups.push_back(group);
        groups_.at(group).members.add(conn, left);
    });
}

void GroupTable::forget(sy_conn_id conn, const ConnRecord& record) {
    for (sy_group_id group : record.groups) {
        auto it = groups_.find(group);
        if (it == groups_.end()) continue;
        it->second.members.remove(conn, record);
        note_if_empty(group, it->second);
    }
}

void GroupTable::sweep() {
    if (unheld_.empty()) return;
    for (sy_group_id group : unheld_) {
        auto it = groups_.find(group);
        if (it == groups_.end() || !it->second.transient || it->second.members.size() != 0)
            continue;
        ids_.erase(it->second.name);
        if (journal_.is_open()) {
            // Undone newest first: the group is back before the leave that emptied it
            // (or the make that named it) is undone.
            journal_.on_failure([this, group, entry = std::move(it->second)]() mutable {
                ids_.emplace(entry.name, group);
                groups_.emplace(group, std::move(entry));
                set_count();
            });
        }
        groups_.erase(it);
    }
    unheld_.clear();
    set_count();
}

} // namespace switchyard

// The plugin's groups: names to ids (ids are unique across the kernel and never reused,
// so a worker's member lists never mix two plugins' groups, and a forgotten group's id
// stays stale) and how many members each has, by transport and by network worker. Which
// groups a connection is in is kept on its ConnRecord; the workers hold the member lists
// broadcasts walk, and a broadcast is posted only to the workers that hold members.
//
// A group made by group() lives as long as the plugin. One made by group_transient() (a
// room, a workspace) is forgotten, name and id, once it has no member at the end of a
// hook: the hook that named it returned with nobody in it, or its last member left
// (group_remove, or the connection closed). sweep() does the forgetting; the runtime
// calls it when a hook of the plugin returns, so a hook may empty a group and fill it
// again without the id going stale under it.
//
// Dispatcher thread only. While a new generation's create() runs (the journal is open),
// every change records how to undo it (create_journal.hpp).
#pragma once

#include "plugin/connection_registry.hpp"
#include "plugin/create_journal.hpp"

#include <switchyard/plugin.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace switchyard {

// A group's members, by transport (a frame must fit every member's) and by network
// worker (a broadcast goes only to the workers with members).
struct GroupMembers {
    size_t websocket = 0;
    size_t sse = 0;
    // Members on each worker, indexed by worker_index_of(conn); grown on demand.
    std::vector<uint32_t> on_worker;

    size_t size() const noexcept { return websocket + sse; }
    // Counts connection `conn` (`record`) in, or out.
    void add(sy_conn_id conn, const ConnRecord& record);
    void remove(sy_conn_id conn, const ConnRecord& record);
};

class GroupTable {
  public:
    GroupTable(ConnectionRegistry& conns, CreateJournal& journal)
        : conns_(conns), journal_(journal) {}
    GroupTable(const GroupTable&) = delete;
    GroupTable& operator=(const GroupTable&) = delete;

    // The id of the permanent group called `name`, made on first use. A transient group
    // of that name becomes permanent.
    sy_group_id id_of(std::string_view name);
    // The id of the group called `name`; made transient when it does not exist (a
    // permanent group of that name stays permanent).
    sy_group_id transient_id_of(std::string_view name);
    // The members of `group`, or nullptr when it is not one of the plugin's groups.
    GroupMembers* find(sy_group_id group);
    // Members of `group`; 0 when it is not one of the plugin's groups.
    size_t size(sy_group_id group) const;
    // The plugin's groups now (any thread: for GET /api/v1/plugins and /metrics).
    size_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
    // True when `group` is an id the kernel handed out (to this plugin or another): a
    // stale id rather than a made-up one.
    static bool was_issued(sy_group_id group) noexcept;

    // True when connection `record` is a member of `group`.
    static bool has_member(const ConnRecord& record, sy_group_id group);
    // Records that connection `conn` (`record`, not a member yet) joined `group`.
    void join(GroupMembers& members, sy_group_id group, sy_conn_id conn, ConnRecord& record);
    // Records that connection `conn` (`record`, a member) left `group`.
    void leave(GroupMembers& members, sy_group_id group, sy_conn_id conn, ConnRecord& record);
    // Counts connection `conn` (`record`), which closed, out of its groups.
    void forget(sy_conn_id conn, const ConnRecord& record);
    // Forgets the transient groups that have no member now (at the end of a hook).
    void sweep();

  private:
    struct Group {
        GroupMembers members;
        std::string name;
        bool transient = false;
    };
    sy_group_id make(std::string_view name, bool transient);
    // Marks `group` for the next sweep when it is transient and empty.
    void note_if_empty(sy_group_id group, const Group& entry);
    void set_count() noexcept { count_.store(groups_.size(), std::memory_order_relaxed); }

    ConnectionRegistry& conns_;
    CreateJournal& journal_;
    std::unordered_map<std::string, sy_group_id> ids_;
    std::unordered_map<sy_group_id, Group> groups_;
    // Transient groups that had no member at some point of the hook running now.
    std::vector<sy_group_id> unheld_;
    std::atomic<size_t> count_{0};
};

} // namespace switchyard

// The plugin's groups: names to ids (ids are unique across the kernel, so a worker's
// member lists never mix two plugins' groups) and how many members each has, by
// transport. Which groups a connection is in is kept on its ConnRecord; the workers hold
// the member lists broadcasts walk.
//
// Dispatcher thread only. While a new generation's create() runs (the journal is open),
// every change records how to undo it (create_journal.hpp).
#pragma once

#include "plugin/connection_registry.hpp"
#include "plugin/create_journal.hpp"

#include <switchyard/plugin.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

namespace switchyard {

// A group's members, by transport: a frame must fit every member's.
struct GroupMembers {
    size_t websocket = 0;
    size_t sse = 0;
    size_t size() const noexcept { return websocket + sse; }
    size_t& count_of(const ConnRecord& conn) noexcept { return conn.sse ? sse : websocket; }
};

class GroupTable {
  public:
    GroupTable(ConnectionRegistry& conns, CreateJournal& journal)
        : conns_(conns), journal_(journal) {}
    GroupTable(const GroupTable&) = delete;
    GroupTable& operator=(const GroupTable&) = delete;

    // The id of the group called `name`, made on first use.
    sy_group_id id_of(std::string_view name);
    // The members of `group`, or nullptr when it is not one of the plugin's groups.
    GroupMembers* find(sy_group_id group);
    // Members of `group`; 0 when it is not one of the plugin's groups.
    size_t size(sy_group_id group) const;

    // True when connection `record` is a member of `group`.
    static bool has_member(const ConnRecord& record, sy_group_id group);
    // Records that connection `conn` (`record`, not a member yet) joined `group`.
    void join(GroupMembers& members, sy_group_id group, sy_conn_id conn, ConnRecord& record);
    // Records that connection `conn` (`record`, a member) left `group`.
    void leave(GroupMembers& members, sy_group_id group, sy_conn_id conn, ConnRecord& record);
    // Counts out of its groups a connection that closed.
    void forget(const ConnRecord& record);

  private:
    ConnectionRegistry& conns_;
    CreateJournal& journal_;
    std::unordered_map<std::string, sy_group_id> ids_;
    std::unordered_map<sy_group_id, GroupMembers> groups_;
};

} // namespace switchyard

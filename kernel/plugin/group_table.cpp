#include "plugin/group_table.hpp"

#include <algorithm>
#include <atomic>

namespace switchyard {

namespace {

std::atomic<sy_group_id> g_next_group{1};

} // namespace

sy_group_id GroupTable::id_of(std::string_view name) {
    auto [it, added] = ids_.try_emplace(std::string(name), 0);
    if (added) {
        it->second = g_next_group.fetch_add(1);
        groups_.emplace(it->second, GroupMembers{});
        if (journal_.is_open()) {
            journal_.on_failure([this, name = it->first, group = it->second] {
                ids_.erase(name);
                groups_.erase(group);
            });
        }
    }
    return it->second;
}

GroupMembers* GroupTable::find(sy_group_id group) {
    auto it = groups_.find(group);
    return it == groups_.end() ? nullptr : &it->second;
}

size_t GroupTable::size(sy_group_id group) const {
    auto it = groups_.find(group);
    return it == groups_.end() ? 0 : it->second.size();
}

bool GroupTable::has_member(const ConnRecord& record, sy_group_id group) {
    return std::find(record.groups.begin(), record.groups.end(), group) != record.groups.end();
}

void GroupTable::join(GroupMembers& members, sy_group_id group, sy_conn_id conn,
                      ConnRecord& record) {
    record.groups.push_back(group);
    ++members.count_of(record);
    if (!journal_.is_open()) return;
    journal_.on_failure([this, group, conn] {
        auto& joined = conns_.at(conn);
        joined.groups.erase(std::find(joined.groups.begin(), joined.groups.end(), group));
        --groups_.at(group).count_of(joined);
    });
}

void GroupTable::leave(GroupMembers& members, sy_group_id group, sy_conn_id conn,
                       ConnRecord& record) {
    record.groups.erase(std::find(record.groups.begin(), record.groups.end(), group));
    --members.count_of(record);
    if (!journal_.is_open()) return;
    journal_.on_failure([this, group, conn] {
        auto& left = conns_.at(conn);
        left.groups.push_back(group);
        ++groups_.at(group).count_of(left);
    });
}

void GroupTable::forget(const ConnRecord& record) {
    for (sy_group_id group : record.groups) --groups_[group].count_of(record);
}

} // namespace switchyard

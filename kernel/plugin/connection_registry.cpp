#include "plugin/connection_registry.hpp"

namespace switchyard {

std::optional<ConnRecord> ConnectionRegistry::remove(sy_conn_id id) {
    auto it = conns_.find(id);
    if (it == conns_.end()) return std::nullopt;
    std::optional<ConnRecord> record(std::move(it->second));
    conns_.erase(it);
    return record;
}

ConnRecord* ConnectionRegistry::find(sy_conn_id id) {
    auto it = conns_.find(id);
    return it == conns_.end() ? nullptr : &it->second;
}

const ConnRecord* ConnectionRegistry::find(sy_conn_id id) const {
    auto it = conns_.find(id);
    return it == conns_.end() ? nullptr : &it->second;
}

void ConnectionRegistry::set_state(sy_conn_id id, ConnRecord& record, std::string_view bytes) {
    if (journal_.is_open()) {
        journal_.on_failure([this, id, before = record.state] { conns_.at(id).state = before; });
    }
    record.state.assign(bytes);
}

} // namespace switchyard

// The plugin's view of its open connections: what the kernel keeps of each one for the
// plugin (its transport, the state the plugin stored on it, the groups it is in, where it
// came from), and the connection whose on_close runs now. It lives in the runtime, not in
// an instance, so connection ids and their state survive a hot reload.
//
// Dispatcher thread only. While a new generation's create() runs (the journal is open),
// a change of state records how to undo it (create_journal.hpp).
#pragma once

#include "plugin/create_journal.hpp"

#include <switchyard/plugin.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace switchyard {

// What the kernel keeps of one connection for the plugin.
struct ConnRecord {
    std::string state;               // conn_state_set's bytes
    std::vector<sy_group_id> groups; // the groups it is a member of
    std::string peer;                // "address:port", for logs
    uint32_t endpoint = 0;           // index of the endpoint that accepted it
    bool sse = false;                // an event stream (raw frames), else a WebSocket
};

class ConnectionRegistry {
  public:
    explicit ConnectionRegistry(CreateJournal& journal) : journal_(journal) {}
    ConnectionRegistry(const ConnectionRegistry&) = delete;
    ConnectionRegistry& operator=(const ConnectionRegistry&) = delete;

    // Registers an opened connection.
    void add(sy_conn_id id, ConnRecord record) { conns_.emplace(id, std::move(record)); }
    // Unregisters a closed connection and returns its record; nothing when unknown.
    std::optional<ConnRecord> remove(sy_conn_id id);
    // The record of `id`, or nullptr when it is not one of the plugin's open connections.
    ConnRecord* find(sy_conn_id id);
    const ConnRecord* find(sy_conn_id id) const;
    bool contains(sy_conn_id id) const { return conns_.count(id) != 0; }
    // The record of `id`, which must be open (throws std::out_of_range otherwise).
    ConnRecord& at(sy_conn_id id) { return conns_.at(id); }

    // Stores `bytes` as the connection's state (conn_state_set).
    void set_state(sy_conn_id id, ConnRecord& record, std::string_view bytes);

    // Marks `id` as the connection whose on_close runs now (0: none).
    void set_closing(sy_conn_id id) noexcept { closing_ = id; }
    // True when `id` is open, or is the connection whose on_close runs now: a connection
    // the plugin may still name (publish's scope.conn).
    bool is_known(sy_conn_id id) const { return id != 0 && (id == closing_ || contains(id)); }

  private:
    CreateJournal& journal_;
    std::unordered_map<sy_conn_id, ConnRecord> conns_;
    sy_conn_id closing_ = 0;
};

} // namespace switchyard

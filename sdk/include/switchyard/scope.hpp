// switchyard/scope.hpp — scope.conn, the routing key that names one connection.
//
// A plugin publishes a client's message to "inbound/<name>" with the scope
// {"conn":"<id>"}; a backend answers that one client by publishing with the same scope.
// Connection ids are decimal strings on the wire: a 64-bit number loses precision in
// JavaScript (DESIGN.md, the event bus).
#pragma once

#include <switchyard/json.hpp>
#include <switchyard/plugin.h>

#include <charconv>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard::sdk {

// The scope of an event about connection `conn`: {"conn":"<id>"}.
inline std::string conn_scope(sy_conn_id conn) {
    return R"({"conn":")" + std::to_string(conn) + "\"}";
}

// What an event's scope says about scope.conn.
struct ScopeConn {
    // False when the scope is not a JSON object, or its conn is not a connection id.
    bool valid = true;
    // The connection scope.conn names ("123" or 123); 0: none, the event is for every
    // client.
    sy_conn_id conn = 0;
};

// Reads scope.conn from the JSON text of an event's scope (empty: no scope).
inline ScopeConn read_scope_conn(std::string_view scope_json) {
    if (scope_json.empty()) return {};
    const std::optional<json::Value> scope = json::parse(scope_json);
    if (!scope || !scope->is_object()) return ScopeConn{false, 0};
    const json::Value* conn = scope->find("conn");
    if (conn == nullptr) return {};
    sy_conn_id id = 0;
    if (conn->is_string()) {
        const std::string& s = conn->as_string();
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
        if (s.empty() || ec != std::errc() || end != s.data() + s.size())
            return ScopeConn{false, 0};
    } else if (std::optional<int64_t> n = conn->as_int64(); n && *n > 0) {
        id = static_cast<sy_conn_id>(*n);
    } else {
        return ScopeConn{false, 0};
    }
    if (id == 0) return ScopeConn{false, 0};
    return ScopeConn{true, id};
}

} // namespace switchyard::sdk

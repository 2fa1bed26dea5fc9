// The server side of the WebSocket opening handshake (RFC 6455 section 4.2).
#pragma once

#include "net/http_exchange.hpp"

#include <optional>
#include <string>

namespace switchyard {

// Why `request` is not a valid WebSocket upgrade, or nullopt when it is.
std::optional<std::string> websocket_handshake_error(const HttpRequest& request);
// The Sec-WebSocket-Accept value for a Sec-WebSocket-Key.
std::string websocket_accept_key(std::string_view key);

} // namespace switchyard

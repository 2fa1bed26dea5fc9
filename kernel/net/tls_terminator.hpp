// TLS for any listener, terminated in the kernel like stunnel or hitch would do in front
// of it. After the handshake the connection is served by an ordinary HttpSession over one
// end of a unix socket pair, and the terminator pumps bytes between the other end and the
// TLS stream. So everything a session and the connections it becomes do on a plain
// socket (sendfile for files, MSG_PEEK while an answer is deferred, the WebSocket and SSE
// connections' own reads and writes on the worker's epoll, the upstream relay) works
// unchanged on TLS.
//
// Each direction has one buffer of a TLS record's size: a client that reads slowly stops
// the pump, the unix socket fills, and the kernel's slow-consumer logic applies as on
// TCP; a kernel side that does not read stops the pump from the client, and TCP pushes
// back on it. The end of either side ends the other (close_notify to the client).
#pragma once

#include "net/connection_gate.hpp"
#include "net/http_exchange.hpp"
#include "net/http_session.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace switchyard {

class Worker;

// Serves `socket`, accepted and admitted by a TLS listener, on `worker` (call it there):
// the handshake with `context` must finish within the worker's io_timeout, or the
// connection is closed (a failed handshake is logged, rate limited). `slot` is held
// through the handshake and then handed to the session.
void serve_tls(Worker& worker, boost::asio::ip::tcp::socket socket,
               std::shared_ptr<boost::asio::ssl::context> context,
               std::shared_ptr<HttpService> service, std::string endpoint, ConnectionSlot slot,
               SessionPeer peer);

} // namespace switchyard

// Answering a connection that a cap refused: 503 TOO_MANY_CONNECTIONS with the kernel's
// JSON error body, written at once without reading the request (the refusal must cost
// less than serving). The server then half-closes and reads, discarding, until the client
// closes or a short deadline passes: closing with the client's request unread would
// reset the connection and could destroy the answer before the client reads it.
#pragma once

#include "net/connection_gate.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <string>
#include <string_view>

namespace switchyard {

class Worker;

// The whole HTTP response a refusal writes.
std::string refusal_response(std::string_view message);

// Answers `socket` (accepted on `worker`'s io_context) with the 503 and lingers as
// described above. Runs on `worker`'s thread. At most a bounded number of refused
// connections linger at once, the rest are closed right after the answer.
void refuse_connection(Worker& worker, boost::asio::ip::tcp::socket socket,
                       std::string_view message);

// Why `admission` was refused, for the client and the log: "the endpoint groove/default
// has its 100 connections".
std::string refusal_message(const ConnectionGate& gate, const ConnectionGate::Admission& admission);

} // namespace switchyard

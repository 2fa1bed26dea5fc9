// An HTTP/1.1 connection before (or instead of) an upgrade: reads requests with Beast,
// hands each to the endpoint's service, writes the answer, keeps the connection alive,
// and hands the socket over when the service accepts a WebSocket or SSE stream.
//
// Pipelining: requests a client sent back to back (a backend publishing with several
// requests in flight) are served one after another from the read buffer, without a trip
// through the event loop each, and the answers given meanwhile leave in one write. That
// is what lets a burst of publishes become a burst of broadcasts, which the workers then
// write to each subscriber in one gather write. A request answered later (on another
// thread) holds the next one back, so answers always go out in request order.
#pragma once

#include "net/connection_gate.hpp"
#include "net/http_exchange.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>

#include <optional>

namespace switchyard {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
  public:
    // `slot`: the connection's place under the caps; a WebSocket or SSE connection the
    // session becomes takes it over.
    HttpSession(Worker& worker, boost::asio::ip::tcp::socket socket,
                std::shared_ptr<HttpService> service, std::string endpoint,
                ConnectionSlot slot = {});

    // Reads the first request.
    void run();

  private:
    friend class HttpExchange;

    using Response = boost::beast::http::response<boost::beast::http::string_body>;

    // Serves the requests already buffered, then reads for the next one.
    void read_request();
    void on_read(const boost::system::error_code& ec);
    // Starts a fresh parser and feeds it what is buffered: true when that completed a
    // request (or failed, with `ec` set); false when it needs more bytes.
    bool parse_buffered(boost::system::error_code& ec);
    // Hands one complete (or refused, `ec` set) request to the service.
    void serve(const boost::system::error_code& ec);
    void hand_to_service(const boost::system::error_code& ec);
    // Queues the answer to the request being served and writes it (or, while requests
    // are served from the buffer, after the last of them).
    void write_response(std::shared_ptr<Response> response);
    // Writes what is queued: at once if the socket takes it, otherwise asynchronously.
    void flush_output();
    void close_socket();
    using ConnectionFactory =
        std::function<std::shared_ptr<Connection>(boost::asio::ip::tcp::socket)>;
    // Hands the socket to a connection made by `make`, which writes `head` first.
    void upgrade(std::string head, const ConnectionFactory& make,
                 const std::function<void(Connection&)>& opened);
    // Runs `fn` on this session's worker thread.
    void on_worker(std::function<void()> fn);

    Worker& worker_;
    boost::beast::tcp_stream stream_;
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
    std::shared_ptr<HttpService> service_;
    std::string endpoint_;
    ConnectionSlot slot_;
    std::string peer_address_;
    uint16_t peer_port_ = 0;
    uint16_t local_port_ = 0;
    bool keep_alive_ = false;
    uint64_t served_ = 0;          // requests handed to the service so far
    bool pipelining_ = false;      // the client sent a request before the last was answered
    bool awaiting_answer_ = false; // the service has a request it has not answered
    bool in_service_call_ = false; // inside serve(): an answer now is written by its caller
    bool writing_ = false;         // an asynchronous write of `writing_output_` runs
    bool closing_ = false;         // the last answer is queued: close once written
    std::string output_;           // answers not written yet
    std::string writing_output_;   // what the asynchronous write is writing
};

} // namespace switchyard

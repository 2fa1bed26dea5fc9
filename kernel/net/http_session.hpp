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

#include "files/unique_fd.hpp"
#include "net/connection_gate.hpp"
#include "net/http_exchange.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>

#include <atomic>
#include <memory>
#include <optional>
#include <string>

namespace switchyard {

// Who is at the other end of a session, for a socket that cannot tell: the TLS
// terminator's unix socket (tls_terminator.hpp) stands for a TCP connection.
struct SessionPeer {
    std::string address;     // the client's IP address
    uint16_t port = 0;       // its port
    uint16_t local_port = 0; // the listener's port it reached
    bool tls = false;        // it came over TLS (X-Forwarded-Proto: https upstream)
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
  public:
    // `slot`: the connection's place under the caps; a WebSocket or SSE connection the
    // session becomes takes it over. `peer`: the client, when `socket` is not the TCP
    // connection itself; otherwise read from the socket.
    HttpSession(Worker& worker, boost::asio::ip::tcp::socket socket,
                std::shared_ptr<HttpService> service, std::string endpoint,
                ConnectionSlot slot = {}, std::optional<SessionPeer> peer = std::nullopt);

    // Reads the first request.
    void run();
    // True once the client has gone or the socket was closed. Any thread.
    bool peer_gone() const noexcept { return peer_gone_.load(std::memory_order_relaxed); }

  private:
    friend class HttpExchange;

    using Response = boost::beast::http::response<boost::beast::http::string_body>;
    // The bytes of a file that follow a response head: sent with sendfile(2) from the
    // open file, a slice at a time, so a large file neither sits in memory nor holds the
    // worker from its other connections.
    struct FileBody {
        UniqueFd file;
        uint64_t offset = 0;
        uint64_t remaining = 0;
    };

    // Serves the requests already buffered, then reads for the next one.
    void read_request();
    // The body size the request head announces (a chunked body counts as large).
    uint64_t announced_body_bytes() const;
    // Shrinks the read buffer grown for a large body, before waiting for the next request.
    void give_back_read_buffer();
    // The request head is in: reads the body, with a larger buffer for a large one.
    void on_header(const boost::system::error_code& ec);
    void on_read(const boost::system::error_code& ec);
    // Starts a fresh parser and feeds it what is buffered: true when that completed a
    // request (or failed, with `ec` set); false when it needs more bytes.
    bool parse_buffered(boost::system::error_code& ec);
    // Hands one complete (or refused, `ec` set) request to the service.
    void serve(const boost::system::error_code& ec);
    // True when the request whose head parser_ holds goes to the service's upstream;
    // decided once per request (upstream_verdict_).
    bool goes_upstream();
    // What the service's routes say of that head (an upgrade never goes upstream).
    bool head_matches_upstream() const;
    // Asks the service whether the request may pass (its body still unread).
    void screen_upstream();
    // The service let it pass: relays it, and carries on (or closes) when that is over.
    void relay_upstream(HttpService::UpstreamPass pass);
    void hand_to_service(const boost::system::error_code& ec);
    // Queues the answer to the request being served and writes it (or, while requests
    // are served from the buffer, after the last of them).
    void write_response(std::shared_ptr<Response> response);
    // write_response for a head whose body is sent from a file afterwards.
    void write_file_response(std::shared_ptr<Response> head, FileBody body);
    // Sends the next slice of file_ (output_ is written): at once while the socket takes
    // it, then when it is writable again; reads on when the file is sent.
    void send_file();
    void wait_writable_for_file();
    // After output_ is written: the file behind it, or the close of a last answer.
    void output_written();
    // While a deferred answer is awaited (nothing is read meanwhile), waits for the
    // socket to become readable and peeks: end of stream or an error means the client has
    // gone (peer_gone_). Bytes of a pipelined request end the watch: they wait their turn.
    void watch_peer();
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
    bool tls_ = false; // the client came over TLS (SessionPeer::tls)
    bool keep_alive_ = false;
    uint64_t served_ = 0;          // requests handed to the service so far
    bool pipelining_ = false;      // the client sent a request before the last was answered
    bool awaiting_answer_ = false; // the service has a request it has not answered
    bool in_service_call_ = false; // inside serve(): an answer now is written by its caller
    bool writing_ = false;         // an asynchronous write of `writing_output_` runs
    bool closing_ = false;         // the last answer is queued: close once written
    // Whether the request being parsed goes upstream, once its head has been looked at;
    // reset with each new parse.
    std::optional<bool> upstream_verdict_;
    // A pass that came while earlier answers were still being written: relayed after them.
    std::optional<HttpService::UpstreamPass> waiting_pass_;
    std::string output_;           // answers not written yet
    std::string writing_output_;   // what the asynchronous write is writing
    std::optional<FileBody> file_; // a file answer's bytes, sent after output_
    std::unique_ptr<boost::asio::steady_timer> file_stall_; // a reader that stopped reading
    bool watching_peer_ = false;                            // watch_peer() waits for the socket
    std::atomic<bool> peer_gone_{false};
};

} // namespace switchyard

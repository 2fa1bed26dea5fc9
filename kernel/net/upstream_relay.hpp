// One request passed to a plugin's upstream (the product's own backend) and its answer
// passed back, as nginx's proxy_pass does: the kernel's outbound HTTP client for the
// pass-through.
//
// Both bodies stream through one 64 KiB buffer each way: a piece is read, written to the
// other side, and only then is the next piece read, so a 100 MiB answer or upload costs
// the kernel 64 KiB whatever the speed of either side. Everything runs on the client
// connection's worker, asynchronously: a slow or dead backend holds no thread.
//
// Errors before anything was sent to the client are answered with the kernel's JSON
// error and the connection closes: 502 BAD_GATEWAY when the backend cannot be reached or
// answers garbage, 504 GATEWAY_TIMEOUT when it does not connect within the connect
// timeout or its answer's head does not come within the response timeout. Past the
// answer's head, a failure on either side closes both connections.
#pragma once

#include "net/http_exchange.hpp"
#include "net/upstream_target.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace switchyard {

class Worker;

class UpstreamRelay : public std::enable_shared_from_this<UpstreamRelay> {
  public:
    // The session's parser, holding the request head (no byte of the body parsed yet).
    using HeadParser = boost::beast::http::request_parser<boost::beast::http::string_body>;
    // Called on the worker when the exchange is over: `reusable` when the client's
    // connection may carry its next request, otherwise the caller closes it.
    using Done = std::function<void(bool reusable)>;

    struct Client {
        boost::beast::tcp_stream& stream;
        boost::beast::flat_buffer& buffer; // bytes read past the request head
        std::string address;
        // Answers to earlier pipelined requests not written yet: they go first.
        std::string pending_output;
        bool tls = false; // the client came over TLS: X-Forwarded-Proto https
    };

    // `request` holds the client's request head; its body, if any, is still unread.
    // `owner` (the HTTP session) is kept alive while the relay runs.
    UpstreamRelay(Worker& worker, std::shared_ptr<void> owner, Client client, HeadParser&& request,
                  std::shared_ptr<const UpstreamTarget> target, HeaderList response_headers,
                  Done done);

    // Connects and relays; `done` is called once, at the end.
    void start();

  private:
    using tcp = boost::asio::ip::tcp;
    using error_code = boost::system::error_code;
    using RequestParser = boost::beast::http::request_parser<boost::beast::http::buffer_body>;
    using ResponseParser = boost::beast::http::response_parser<boost::beast::http::buffer_body>;

    void connect(const tcp::resolver::results_type& endpoints);
    void write_request_head();
    void relay_request_body();
    void on_request_piece(const error_code& ec);
    void finish_request_body();
    void read_response_head();
    void on_response_head(const error_code& ec);
    void write_response_head();
    void relay_response_body();
    void on_response_piece(const error_code& ec);
    // Writes `bytes` (and `piece` framed as the client's body) to the client, then `next`.
    void write_to_client(std::string bytes, size_t piece, std::function<void()> next);
    // Answers with the kernel's JSON error (nothing was sent yet) and ends.
    void fail(unsigned status, std::string_view code, std::string message);
    // Ends the relay: `reusable` lets the client's connection go on.
    void finish(bool reusable);

    Worker& worker_;
    std::shared_ptr<void> owner_;
    Client client_;
    RequestParser request_;
    std::shared_ptr<const UpstreamTarget> target_;
    HeaderList response_headers_;
    Done done_;
    tcp::resolver resolver_;
    boost::beast::tcp_stream upstream_;
    boost::beast::flat_buffer upstream_buffer_;
    std::optional<ResponseParser> response_;
    bool request_chunked_ = false;  // the body goes to the upstream in chunks
    bool response_chunked_ = false; // the body goes to the client in chunks
    bool client_keep_alive_ = false;
    bool head_sent_ = false; // the answer's head reached the client: no error answer now
    bool finished_ = false;
    std::string client_out_;
    std::string upstream_out_;
    // What each direction's write sends: a chunk's head, the piece, its CRLF.
    std::array<boost::asio::const_buffer, 3> client_buffers_{};
    std::array<boost::asio::const_buffer, 3> upstream_buffers_{};
    std::array<char, 64 * 1024> piece_{};
};

} // namespace switchyard

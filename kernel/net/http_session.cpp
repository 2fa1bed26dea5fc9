#include "net/http_session.hpp"

#include "log/rate_limited_log.hpp"
#include "net/upstream_relay.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>

#include <sys/sendfile.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <charconv>

namespace switchyard {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {
constexpr uint32_t kHeaderLimit = 16 * 1024;
// How much a pipelining session reads at once. Beast reads at most the buffer's free
// capacity (512 bytes at first): fine for a request at a time, but a backend pipelining
// publishes would be read one request per system call, and each publish fanned out
// alone. Only a client seen pipelining gets the larger buffer (a couple of hundred
// publishes; less than the kernel's own receive buffer for the socket), so other
// kept-alive connections stay small. 16 KiB halved fan-out throughput under 64
// pipelined publishes: a burst then arrives in pieces, each flushed on its own.
constexpr size_t kPipelineReadBytes = 64 * 1024;
// How much a session reads at once while a large body (or a chunked one) comes in: Beast
// reads at most 64 KiB per call whatever the buffer.
constexpr size_t kLargeBodyReadBytes = 64 * 1024;
// What a waiting kept-alive session's buffer may keep (a request head's worth).
constexpr size_t kSmallReadBytes = 4096;

RateLimitedLog bad_requests_log("bad requests");

// How much of a file one turn of the worker sends before it lets its other connections
// run: a client on loopback takes a large file as fast as sendfile gives it, which would
// otherwise hold the worker for the whole file.
constexpr uint64_t kFileSliceBytes = 1 << 20;
} // namespace

HttpSession::HttpSession(Worker& worker, asio::ip::tcp::socket socket,
                         std::shared_ptr<HttpService> service, std::string endpoint,
                         ConnectionSlot slot, std::optional<SessionPeer> known_peer)
    : worker_(worker),
      stream_(std::move(socket)),
      service_(std::move(service)),
      endpoint_(std::move(endpoint)),
      slot_(std::move(slot)) {
    if (known_peer) {
        peer_address_ = std::move(known_peer->address);
        peer_port_ = known_peer->port;
        local_port_ = known_peer->local_port;
        tls_ = known_peer->tls;
        return;
    }
    boost::system::error_code ec;
    auto peer = stream_.socket().remote_endpoint(ec);
    if (!ec) {
        peer_address_ = peer.address().to_string();
        peer_port_ = peer.port();
    }
    auto local = stream_.socket().local_endpoint(ec);
    if (!ec) local_port_ = local.port();
}

void HttpSession::run() {
    parser_.emplace();
    read_request();
}

void HttpSession::read_request() {
    // Serve every complete request already buffered; each answered at once lets the loop
    // go on. Stop when one is answered later, the session closes or upgrades, or the
    // client has to be read from.
    // Bytes behind a request already served: this client pipelines.
    if (served_ > 0 && buffer_.size() > 0) pipelining_ = true;
    boost::system::error_code ec;
    while (!awaiting_answer_ && !closing_ && stream_.socket().is_open() && !writing_ && !file_ &&
           parse_buffered(ec)) {
        serve(ec);
    }
    flush_output();
    if (awaiting_answer_ || closing_ || writing_ || file_ || !stream_.socket().is_open()) return;
    // parse_buffered left a parser holding the start of the next request, if any.
    if (pipelining_ && buffer_.capacity() < kPipelineReadBytes) buffer_.reserve(kPipelineReadBytes);
    give_back_read_buffer();
    // The whole request, head and body, must arrive within the deadline: a client that
    // sends half of one and stops is cut off (and so is a kept-alive one that sends
    // nothing more).
    stream_.expires_after(worker_.io_timeout());
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](const boost::system::error_code& ec,
                                                        size_t) { self->on_header(ec); });
}

void HttpSession::give_back_read_buffer() {
    // A kept-alive session waits with a small buffer: the one grown for a large body
    // goes back once that body is read (unless this client pipelines).
    if (!pipelining_ && buffer_.size() == 0 && buffer_.capacity() > kSmallReadBytes) {
        buffer_.shrink_to_fit();
    }
}

uint64_t HttpSession::announced_body_bytes() const {
    // Read from the field (the parser has checked it): basic_parser::content_length()'s
    // boost::optional trips GCC 12's -Wmaybe-uninitialized in the sanitizer build.
    if (parser_->chunked()) return kLargeBodyReadBytes;
    const auto field = parser_->get()[http::field::content_length];
    uint64_t bytes = 0;
    std::from_chars(field.data(), field.data() + field.size(), bytes);
    return bytes;
}

void HttpSession::on_header(const boost::system::error_code& ec) {
    if (ec || parser_->is_done()) {
        on_read(ec);
        return;
    }
    // A request for the upstream streams its body there: it is not read here.
    if (goes_upstream()) {
        serve(ec);
        return;
    }
    // A body larger than the buffer would be read at most the buffer's free capacity at a
    // time: a 4 MiB publish in 512-byte reads is 8,000 system calls. The buffer grows for
    // this request only (give_back_read_buffer).
    if (announced_body_bytes() > kSmallReadBytes &&
        buffer_.capacity() - buffer_.size() < kLargeBodyReadBytes) {
        buffer_.reserve(buffer_.size() + kLargeBodyReadBytes);
    }
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                         self->on_read(ec);
                     });
}

bool HttpSession::parse_buffered(boost::system::error_code& ec) {
    parser_.emplace();
    parser_->body_limit(service_->max_body_bytes());
    parser_->header_limit(kHeaderLimit);
    // A service with an upstream looks at each head before the body is parsed: a request
    // that goes upstream has its body streamed there instead.
    const bool screen_heads = service_->has_upstream();
    parser_->eager(!screen_heads);
    upstream_verdict_.reset();
    while (buffer_.size() > 0) {
        const size_t used = parser_->put(buffer_.data(), ec);
        buffer_.consume(used);
        if (ec == http::error::need_more) {
            ec = {};
            if (used == 0) return false; // an incomplete piece: read more
            continue;
        }
        if (ec || parser_->is_done()) return true; // refused, or complete
        if (screen_heads && !upstream_verdict_ && parser_->is_header_done()) {
            if (goes_upstream()) return true;
            parser_->eager(true);
        }
        // No error but not done: the buffer ended right after the header.
    }
    return false;
}

void HttpSession::on_read(const boost::system::error_code& ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::eof) {
        boost::system::error_code ignored;
        stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
        peer_gone_ = true;
        return;
    }
    serve(ec);
    if (!awaiting_answer_) read_request();
}

void HttpSession::serve(const boost::system::error_code& ec) {
    ++served_;
    awaiting_answer_ = true;
    in_service_call_ = true;
    hand_to_service(ec);
    in_service_call_ = false;
}

void HttpSession::hand_to_service(const boost::system::error_code& ec) {
    if (ec) {
        // The request cannot be trusted past this point: answer and close.
        keep_alive_ = false;
        unsigned status = 400;
        std::string_view code = "BAD_REQUEST";
        if (ec == http::error::body_limit) {
            status = 413;
            code = "TOO_LARGE";
        } else if (ec == http::error::header_limit) {
            status = 431;
            code = "HEADERS_TOO_LARGE";
        }
        bad_requests_log.debug("{} {}:{}: bad request: {}", endpoint_, peer_address_, peer_port_,
                               ec.message());
        HttpRequest head;
        head.base() = parser_->get().base();
        HttpExchange exchange(shared_from_this(), std::move(head), peer_address_, peer_port_,
                              local_port_, endpoint_);
        service_->reject(exchange, status, code, ec.message());
        return;
    }
    if (goes_upstream()) {
        screen_upstream();
        return;
    }
    stream_.expires_never();
    HttpRequest request = parser_->release();
    keep_alive_ = request.keep_alive();
    auto exchange = std::make_shared<HttpExchange>(
        shared_from_this(), std::move(request), peer_address_, peer_port_, local_port_, endpoint_);
    service_->handle(exchange);
}

bool HttpSession::goes_upstream() {
    if (!upstream_verdict_) upstream_verdict_ = service_->has_upstream() && head_matches_upstream();
    return *upstream_verdict_;
}

bool HttpSession::head_matches_upstream() const {
    const auto& head = parser_->get();
    // A WebSocket upgrade is never passed on: the kernel relays no upgraded stream.
    if (head.find(http::field::upgrade) != head.end()) return false;
    const std::string_view target(head.target().data(), head.target().size());
    const std::string_view method(head.method_string().data(), head.method_string().size());
    return service_->goes_upstream(method, target.substr(0, target.find('?')));
}

void HttpSession::screen_upstream() {
    stream_.expires_never();
    HttpRequest head;
    head.base() = parser_->get().base();
    // Refused, the answer closes the connection: the body was never read.
    keep_alive_ = false;
    auto exchange = std::make_shared<HttpExchange>(
        shared_from_this(), std::move(head), peer_address_, peer_port_, local_port_, endpoint_);
    service_->screen_upstream(exchange,
                              [self = shared_from_this()](HttpService::UpstreamPass pass) {
                                  self->on_worker([self, pass = std::move(pass)]() mutable {
                                      self->relay_upstream(std::move(pass));
                                  });
                              });
}

void HttpSession::relay_upstream(HttpService::UpstreamPass pass) {
    if (!awaiting_answer_ || !stream_.socket().is_open()) return;
    if (writing_) {
        waiting_pass_ = std::move(pass); // the relay's bytes go after those being written
        return;
    }
    if (!parser_->is_done() && buffer_.capacity() < kLargeBodyReadBytes) {
        buffer_.reserve(kLargeBodyReadBytes);
    }
    UpstreamRelay::Client client{stream_, buffer_, peer_address_, std::exchange(output_, {}), tls_};
    // The head alone was parsed, so the relay's parser takes it over and hands the body on
    // a piece at a time.
    auto relay = std::make_shared<UpstreamRelay>(
        worker_, shared_from_this(), std::move(client), std::move(*parser_), std::move(pass.target),
        std::move(pass.response_headers), [this](bool reusable) {
            awaiting_answer_ = false;
            if (!reusable) {
                close_socket();
                return;
            }
            keep_alive_ = true;
            read_request();
        });
    parser_.emplace();
    relay->start();
}

namespace {

// The response as it goes on the wire (status line, fields, body).
void append_serialized(std::string& out, const http::response<http::string_body>& response) {
    out += response.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    out += std::to_string(response.result_int());
    out += ' ';
    out += response.reason();
    out += "\r\n";
    for (const auto& field : response) {
        out += field.name_string();
        out += ": ";
        out += field.value();
        out += "\r\n";
    }
    out += "\r\n";
    out += response.body();
}

} // namespace

void HttpSession::write_response(std::shared_ptr<Response> response) {
    if (!awaiting_answer_) return; // answered twice, or after an upgrade: ignore
    awaiting_answer_ = false;
    response->keep_alive(keep_alive_);
    append_serialized(output_, *response);
    if (!keep_alive_) closing_ = true;
    if (in_service_call_) return; // whoever called serve() writes it and reads on
    // Answered later (from another thread, now on this one): write, then go on reading.
    read_request();
}

void HttpSession::write_file_response(std::shared_ptr<Response> head, FileBody body) {
    if (!awaiting_answer_) return; // answered already: the file closes unsent
    if (body.remaining > 0) file_ = std::move(body);
    write_response(std::move(head));
}

void HttpSession::flush_output() {
    if (writing_) return;
    if (output_.empty()) {
        output_written();
        return;
    }
    // Answers are small and the socket is usually writable: try a plain write first.
    boost::system::error_code ec;
    auto& socket = stream_.socket();
    socket.non_blocking(true, ec);
    const size_t written = ec ? 0 : socket.write_some(asio::buffer(output_), ec);
    if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
        close_socket();
        return;
    }
    output_.erase(0, written);
    if (output_.empty()) {
        output_written();
        return;
    }
    writing_ = true;
    writing_output_.swap(output_);
    output_.clear();
    stream_.expires_after(worker_.io_timeout());
    asio::async_write(stream_, asio::buffer(writing_output_),
                      [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                          self->writing_ = false;
                          self->writing_output_.clear();
                          if (ec) {
                              self->close_socket();
                              return;
                          }
                          if (self->waiting_pass_) {
                              auto pass = std::move(*self->waiting_pass_);
                              self->waiting_pass_.reset();
                              self->relay_upstream(std::move(pass));
                              return;
                          }
                          self->read_request();
                      });
}

void HttpSession::output_written() {
    if (file_) {
        send_file();
        return;
    }
    if (closing_) close_socket();
}

void HttpSession::send_file() {
    auto& socket = stream_.socket();
    boost::system::error_code ec;
    socket.non_blocking(true, ec);
    uint64_t budget = kFileSliceBytes;
    bool failed = static_cast<bool>(ec);
    while (!failed && file_->remaining > 0 && budget > 0) {
        auto offset = static_cast<off_t>(file_->offset);
        const size_t want = static_cast<size_t>(std::min(file_->remaining, budget));
        const ssize_t sent = ::sendfile(socket.native_handle(), file_->file.get(), &offset, want);
        if (sent > 0) {
            file_->offset += static_cast<uint64_t>(sent);
            file_->remaining -= static_cast<uint64_t>(sent);
            budget -= static_cast<uint64_t>(sent);
            continue;
        }
        if (sent < 0 && errno == EINTR) continue;
        if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            wait_writable_for_file();
            return;
        }
        // 0: the file shrank since it was measured; an error: the socket or the disk
        // failed. The Content-Length sent cannot be kept, so the connection ends here.
        spdlog::debug("{} {}:{}: file answer cut short at byte {}", endpoint_, peer_address_,
                      peer_port_, file_->offset);
        failed = true;
    }
    if (failed) {
        file_.reset();
        close_socket();
        return;
    }
    // A slice is sent: let the worker's other connections run before the next one.
    writing_ = true;
    asio::post(worker_.io(), [self = shared_from_this()] {
        self->writing_ = false;
        if (!self->stream_.socket().is_open()) {
            self->file_.reset();
            return;
        }
        if (self->file_ && self->file_->remaining > 0) {
            self->send_file();
            return;
        }
        self->file_.reset();
        self->read_request(); // the answers queued behind it, the close, or the next read
    });
}

void HttpSession::wait_writable_for_file() {
    writing_ = true;
    // A client that stops reading holds a descriptor and a worker's attention: cut it
    // off after the same deadline as any other write.
    if (!file_stall_) file_stall_ = std::make_unique<asio::steady_timer>(worker_.io());
    file_stall_->expires_after(worker_.io_timeout());
    file_stall_->async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (!ec) self->close_socket();
    });
    stream_.socket().async_wait(asio::ip::tcp::socket::wait_write,
                                [self = shared_from_this()](const boost::system::error_code& ec) {
                                    self->writing_ = false;
                                    self->file_stall_->cancel();
                                    if (ec || !self->stream_.socket().is_open()) {
                                        self->file_.reset();
                                        self->close_socket();
                                        return;
                                    }
                                    self->send_file();
                                });
}

void HttpSession::watch_peer() {
    if (!awaiting_answer_ || watching_peer_ || !stream_.socket().is_open()) return;
    watching_peer_ = true;
    stream_.socket().async_wait(
        asio::ip::tcp::socket::wait_read,
        [self = shared_from_this()](const boost::system::error_code& ec) {
            self->watching_peer_ = false;
            if (!self->awaiting_answer_) return; // answered: reading goes on as usual
            if (ec) {
                self->peer_gone_ = true;
                return;
            }
            char byte = 0;
            const ssize_t n =
                ::recv(self->stream_.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
            if (n > 0) return; // a pipelined request: the client is there
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
                self->watch_peer();
                return;
            }
            // End of stream or a failed connection: nobody is left to answer.
            spdlog::debug("{} {}:{}: client left while its answer was deferred", self->endpoint_,
                          self->peer_address_, self->peer_port_);
            self->peer_gone_ = true;
            self->close_socket();
        });
}

void HttpSession::close_socket() {
    peer_gone_ = true;
    boost::system::error_code ignored;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    stream_.close();
}

void HttpSession::upgrade(std::string head, const ConnectionFactory& make,
                          const std::function<void(Connection&)>& opened) {
    awaiting_answer_ = false;
    if (writing_) {
        // An upgrade pipelined behind answers the client has not read yet (the socket
        // buffer is full): the new connection cannot take over a write half done.
        bad_requests_log.debug("{} {}:{}: upgrade behind unread answers; closing", endpoint_,
                               peer_address_, peer_port_);
        close_socket();
        return;
    }
    stream_.expires_never();
    auto conn = make(stream_.release_socket());
    conn->keep_slot(std::move(slot_));
    worker_.add(conn);
    // Answers to requests pipelined before the upgrade go first.
    if (!output_.empty()) conn->send_raw(std::exchange(output_, {}));
    conn->send_raw(std::move(head));
    if (opened) opened(*conn);
    // Bytes the client sent right behind its request belong to the new connection.
    const auto leftover = buffer_.data();
    conn->start(std::string_view(static_cast<const char*>(leftover.data()), leftover.size()));
    buffer_.consume(buffer_.size());
}

void HttpSession::on_worker(std::function<void()> fn) {
    if (worker_.io().get_executor().running_in_this_thread()) {
        fn();
    } else {
        asio::post(worker_.io(), std::move(fn));
    }
}

} // namespace switchyard

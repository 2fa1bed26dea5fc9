#include "net/upstream_relay.hpp"

#include "log/rate_limited_log.hpp"
#include "net/upstream_head.hpp"
#include "net/worker.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

#include <charconv>
#include <cstdio>
#include <span>

namespace switchyard {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

RateLimitedLog upstream_log("upstream failures");

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::string_view kLastChunk = "0\r\n\r\n";

// The value of a Content-Length field the parser has checked (boost::optional's
// content_length() trips GCC 12's -Wmaybe-uninitialized in the sanitizer build).
template <class Fields>
std::optional<uint64_t> content_length_of(const Fields& fields) {
    const auto it = fields.find(http::field::content_length);
    if (it == fields.end()) return std::nullopt;
    const auto value = it->value();
    uint64_t length = 0;
    std::from_chars(value.data(), value.data() + value.size(), length);
    return length;
}

template <class Fields>
HeadFields head_fields(const Fields& fields) {
    HeadFields list;
    for (const auto& field : fields) {
        list.emplace_back(std::string_view(field.name_string().data(), field.name_string().size()),
                          std::string_view(field.value().data(), field.value().size()));
    }
    return list;
}

std::string chunk_header(size_t bytes) {
    char text[32];
    const int length = std::snprintf(text, sizeof text, "%zx\r\n", bytes);
    return std::string(text, static_cast<size_t>(length));
}

bool answer_has_no_body(std::string_view method, unsigned status) {
    return method == "HEAD" || status == 204 || status == 304 || status / 100 == 1;
}

} // namespace

UpstreamRelay::UpstreamRelay(Worker& worker, std::shared_ptr<void> owner, Client client,
                             HeadParser&& request, std::shared_ptr<const UpstreamTarget> target,
                             HeaderList response_headers, Done done)
    : worker_(worker),
      owner_(std::move(owner)),
      client_(std::move(client)),
      request_(std::move(request)),
      target_(std::move(target)),
      response_headers_(std::move(response_headers)),
      done_(std::move(done)),
      resolver_(worker.io()),
      upstream_(worker.io()) {}

void UpstreamRelay::start() {
    request_.body_limit(boost::none); // streamed: the backend decides what it takes
    // Beast reads at most the buffer's free capacity: 512 bytes a call without this, and
    // a buffer regrown (a fresh allocation) as the answer comes in.
    upstream_buffer_.reserve(piece_.size());
    request_chunked_ = request_.chunked();
    client_keep_alive_ = request_.get().keep_alive();
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(target_->host, ec);
    if (!ec) {
        connect(tcp::resolver::results_type::create(tcp::endpoint(address, target_->port),
                                                    target_->host, std::to_string(target_->port)));
        return;
    }
    resolver_.async_resolve(target_->host, std::to_string(target_->port),
                            [self = shared_from_this()](const error_code& ec,
                                                        const tcp::resolver::results_type& found) {
                                if (ec) {
                                    self->fail(502, "BAD_GATEWAY",
                                               "upstream " + self->target_->url +
                                                   ": cannot resolve its host: " + ec.message());
                                    return;
                                }
                                self->connect(found);
                            });
}

void UpstreamRelay::connect(const tcp::resolver::results_type& endpoints) {
    upstream_.expires_after(target_->connect_timeout);
    upstream_.async_connect(endpoints, [self = shared_from_this()](const error_code& ec,
                                                                   const tcp::endpoint&) {
        if (ec == beast::error::timeout) {
            self->fail(504, "GATEWAY_TIMEOUT",
                       "upstream " + self->target_->url + " did not accept a connection within " +
                           std::to_string(self->target_->connect_timeout.count()) + " ms");
            return;
        }
        if (ec) {
            self->fail(502, "BAD_GATEWAY",
                       "upstream " + self->target_->url + " is unreachable: " + ec.message());
            return;
        }
        self->write_request_head();
    });
}

void UpstreamRelay::write_request_head() {
    const auto& head = request_.get();
    const HeadFields fields = head_fields(head);
    ForwardedRequest forwarded;
    forwarded.method = std::string_view(head.method_string().data(), head.method_string().size());
    forwarded.target = std::string_view(head.target().data(), head.target().size());
    forwarded.fields = &fields;
    forwarded.client_address = client_.address;
    forwarded.scheme = client_.tls ? "https" : "http";
    if (request_chunked_) {
        forwarded.framing = BodyFraming::chunked;
    } else if (const auto length = content_length_of(head)) {
        forwarded.framing = BodyFraming::content_length;
        forwarded.content_length = *length;
    }
    upstream_out_ = upstream_request_head(forwarded, target_->host_header);
    upstream_.expires_after(target_->response_timeout);
    asio::async_write(upstream_, asio::buffer(upstream_out_),
                      [self = shared_from_this()](const error_code& ec, size_t) {
                          if (ec) {
                              self->fail(
                                  502, "BAD_GATEWAY",
                                  "upstream " + self->target_->url +
                                      " closed before the request was sent: " + ec.message());
                              return;
                          }
                          // A client that asked first (Expect: 100-continue) sends its body
                          // only now that the backend is there to take it.
                          const auto expect = self->request_.get()[http::field::expect];
                          if (!self->request_.is_done() && beast::iequals(expect, "100-continue")) {
                              self->write_to_client(std::string(kContinue), 0,
                                                    [self] { self->relay_request_body(); });
                              return;
                          }
                          self->relay_request_body();
                      });
}

void UpstreamRelay::relay_request_body() {
    if (request_.is_done()) {
        finish_request_body();
        return;
    }
    request_.get().body().data = piece_.data();
    request_.get().body().size = piece_.size();
    client_.stream.expires_after(worker_.io_timeout());
    http::async_read_some(
        client_.stream, client_.buffer, request_,
        [self = shared_from_this()](const error_code& ec, size_t) { self->on_request_piece(ec); });
}

void UpstreamRelay::on_request_piece(const error_code& read_error) {
    error_code ec = read_error;
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {
        // The client left, stalled or sent a broken body: the backend must not take
        // half a request for a whole one, so both connections end.
        upstream_log.debug("upstream {}: request body from {} cut short: {}", target_->url,
                           client_.address, ec.message());
        finish(false);
        return;
    }
    const size_t bytes = piece_.size() - request_.get().body().size;
    if (bytes == 0) {
        relay_request_body();
        return;
    }
    auto& out = upstream_buffers_; // a member: the write keeps a view of it
    size_t parts = 0;
    if (request_chunked_) {
        upstream_out_ = chunk_header(bytes);
        out[parts++] = asio::buffer(upstream_out_);
    }
    out[parts++] = asio::const_buffer(piece_.data(), bytes);
    if (request_chunked_) out[parts++] = asio::buffer("\r\n", 2);
    upstream_.expires_after(target_->response_timeout);
    const std::span<const asio::const_buffer> pieces(out.data(), parts);
    asio::async_write(upstream_, pieces, [self = shared_from_this()](const error_code& ec, size_t) {
        if (ec) {
            self->fail(502, "BAD_GATEWAY",
                       "upstream " + self->target_->url +
                           " closed while the request body was sent: " + ec.message());
            return;
        }
        self->relay_request_body();
    });
}

void UpstreamRelay::finish_request_body() {
    if (!request_chunked_) {
        read_response_head();
        return;
    }
    upstream_.expires_after(target_->response_timeout);
    asio::async_write(upstream_, asio::buffer(kLastChunk.data(), kLastChunk.size()),
                      [self = shared_from_this()](const error_code& ec, size_t) {
                          if (ec) {
                              self->fail(
                                  502, "BAD_GATEWAY",
                                  "upstream " + self->target_->url +
                                      " closed while the request body was sent: " + ec.message());
                              return;
                          }
                          self->read_response_head();
                      });
}

void UpstreamRelay::read_response_head() {
    response_.emplace();
    response_->body_limit(boost::none); // streamed: a 100 MiB answer passes 64 KiB at a time
    if (request_.get().method() == http::verb::head) response_->skip(true);
    upstream_.expires_after(target_->response_timeout);
    http::async_read_header(
        upstream_, upstream_buffer_, *response_,
        [self = shared_from_this()](const error_code& ec, size_t) { self->on_response_head(ec); });
}

void UpstreamRelay::on_response_head(const error_code& ec) {
    if (ec == beast::error::timeout) {
        fail(504, "GATEWAY_TIMEOUT",
             "upstream " + target_->url + " did not answer within " +
                 std::to_string(target_->response_timeout.count()) + " ms");
        return;
    }
    if (ec) {
        fail(502, "BAD_GATEWAY",
             "upstream " + target_->url + " gave no valid answer: " + ec.message());
        return;
    }
    const unsigned status = response_->get().result_int();
    if (status == 101) {
        fail(502, "BAD_GATEWAY",
             "upstream " + target_->url + " switched protocols on a plain request");
        return;
    }
    // An interim answer (100 Continue, 103 Early Hints): the kernel answered the
    // client's Expect itself; wait for the final one.
    if (status / 100 == 1) {
        read_response_head();
        return;
    }
    write_response_head();
}

void UpstreamRelay::write_response_head() {
    const auto& head = response_->get();
    const HeadFields fields = head_fields(head);
    const auto& request = request_.get();
    const std::string_view method(request.method_string().data(), request.method_string().size());
    ForwardedResponse forwarded;
    forwarded.status = head.result_int();
    forwarded.reason = std::string_view(head.reason().data(), head.reason().size());
    forwarded.fields = &fields;
    forwarded.extra = &response_headers_;
    forwarded.http10 = request.version() == 10;
    const auto length = content_length_of(head);
    if (answer_has_no_body(method, forwarded.status)) {
        // A HEAD answer says how long the body would be; it is not sent.
        if (length && method == "HEAD") {
            forwarded.framing = BodyFraming::content_length;
            forwarded.content_length = *length;
        }
    } else if (length) {
        forwarded.framing = BodyFraming::content_length;
        forwarded.content_length = *length;
    } else if (!forwarded.http10) {
        forwarded.framing = BodyFraming::chunked;
        response_chunked_ = true;
    } else {
        forwarded.framing = BodyFraming::until_close;
        client_keep_alive_ = false;
    }
    forwarded.keep_alive = client_keep_alive_;
    head_sent_ = true;
    write_to_client(client_response_head(forwarded), 0,
                    [self = shared_from_this()] { self->relay_response_body(); });
}

void UpstreamRelay::relay_response_body() {
    if (response_->is_done()) {
        if (response_chunked_) {
            write_to_client(std::string(kLastChunk), 0, [self = shared_from_this()] {
                self->finish(self->client_keep_alive_);
            });
        } else {
            finish(client_keep_alive_);
        }
        return;
    }
    response_->get().body().data = piece_.data();
    response_->get().body().size = piece_.size();
    upstream_.expires_after(target_->response_timeout);
    http::async_read_some(
        upstream_, upstream_buffer_, *response_,
        [self = shared_from_this()](const error_code& ec, size_t) { self->on_response_piece(ec); });
}

void UpstreamRelay::on_response_piece(const error_code& read_error) {
    error_code ec = read_error;
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {
        // The head is out: the client can only learn of it from the connection's end.
        upstream_log.debug("upstream {}: answer to {} cut short: {}", target_->url, client_.address,
                           ec.message());
        finish(false);
        return;
    }
    const size_t bytes = piece_.size() - response_->get().body().size;
    if (bytes == 0) {
        relay_response_body();
        return;
    }
    write_to_client({}, bytes, [self = shared_from_this()] { self->relay_response_body(); });
}

void UpstreamRelay::write_to_client(std::string bytes, size_t piece, std::function<void()> next) {
    client_out_ = std::move(client_.pending_output);
    client_.pending_output.clear();
    client_out_ += bytes;
    if (piece > 0 && response_chunked_) client_out_ += chunk_header(piece);
    // Members, not locals: the write keeps a view of the buffer list until it completes.
    auto& out = client_buffers_;
    out[0] = asio::buffer(client_out_);
    size_t parts = 1;
    if (piece > 0) {
        out[parts++] = asio::const_buffer(piece_.data(), piece);
        if (response_chunked_) out[parts++] = asio::buffer("\r\n", 2);
    }
    // A client that stops reading is cut after the kernel's I/O deadline: the backend's
    // bytes wait in piece_ meanwhile, nowhere else.
    client_.stream.expires_after(worker_.io_timeout());
    asio::async_write(
        client_.stream, std::span<const asio::const_buffer>(out.data(), parts),
        [self = shared_from_this(), next = std::move(next)](const error_code& ec, size_t) {
            if (ec) {
                upstream_log.debug("upstream {}: client {} went away: {}", self->target_->url,
                                   self->client_.address, ec.message());
                self->finish(false);
                return;
            }
            next();
        });
}

void UpstreamRelay::fail(unsigned status, std::string_view code, std::string message) {
    upstream_log.warn("{} (a request from {})", message, client_.address);
    if (head_sent_) {
        finish(false);
        return;
    }
    head_sent_ = true;
    const std::string body = error_json(code, message);
    std::string answer =
        "HTTP/1.1 " + std::to_string(status) +
        (status == 504 ? " Gateway Timeout" : " Bad Gateway") +
        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\nConnection: close\r\n\r\n" + body;
    write_to_client(std::move(answer), 0, [self = shared_from_this()] { self->finish(false); });
}

void UpstreamRelay::finish(bool reusable) {
    if (finished_) return;
    finished_ = true;
    error_code ignored;
    resolver_.cancel();
    upstream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    upstream_.close();
    client_.stream.expires_never();
    auto done = std::move(done_);
    auto owner = std::move(owner_);
    if (done) done(reusable);
}

} // namespace switchyard

#include "net/tls_terminator.hpp"

#include "log/rate_limited_log.hpp"
#include "net/worker.hpp"

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <cstring>

namespace switchyard {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

// One direction's buffer: a TLS record's plaintext at most.
constexpr size_t kPumpBytes = 16 * 1024;
// How long the close_notify exchange may take once either side has ended.
constexpr auto kMostCloseWait = std::chrono::milliseconds(2000);

RateLimitedLog handshake_failures_log("failed TLS handshakes");
RateLimitedLog socket_pair_failures_log("TLS socket pairs not made");

// A session may sendfile(2) into its end of the pair after the terminator closed the other
// (the client left): that must be an EPIPE error, not a SIGPIPE that ends the process.
// main() ignores SIGPIPE for the whole server; this keeps a terminator made without main
// (a test's in-process kernel) as safe.
void ignore_broken_pipes() {
    static const bool ignored = [] {
        std::signal(SIGPIPE, SIG_IGN);
        return true;
    }();
    (void)ignored;
}

bool hung_up(int fd) {
    pollfd watched{fd, POLLRDHUP, 0};
    return ::poll(&watched, 1, 0) > 0 && (watched.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

class TlsTerminator : public std::enable_shared_from_this<TlsTerminator> {
  public:
    TlsTerminator(Worker& worker, tcp::socket socket, std::shared_ptr<ssl::context> context,
                  std::shared_ptr<HttpService> service, std::string endpoint, ConnectionSlot slot,
                  SessionPeer peer)
        : worker_(worker),
          context_(std::move(context)),
          tls_(std::move(socket), *context_),
          kernel_end_(worker.io()),
          deadline_(worker.io()),
          watchdog_(worker.io()),
          service_(std::move(service)),
          endpoint_(std::move(endpoint)),
          slot_(std::move(slot)),
          peer_(std::move(peer)) {}

    void start() {
        auto& socket = tls_.next_layer();
        const int on = 1;
        ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
        // As a WebSocket connection does on plain TCP (connection.cpp): written bytes left
        // unacknowledged past the deadline mean the peer has vanished.
        const unsigned user_timeout = worker_.io_timeout_ms();
        ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout,
                     sizeof user_timeout);
        deadline_.expires_after(worker_.io_timeout());
        deadline_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
            if (ec || self->handshaken_) return;
            self->handshake_timed_out_ = true;
            boost::system::error_code ignored;
            self->tls_.next_layer().close(ignored);
        });
        tls_.async_handshake(ssl::stream_base::server,
                             [self = shared_from_this()](const boost::system::error_code& ec) {
                                 self->on_handshake(ec);
                             });
    }

  private:
    void on_handshake(const boost::system::error_code& ec) {
        deadline_.cancel();
        if (ec) {
            handshake_failures_log.warn(
                "{}: TLS handshake with {}:{} failed: {}", endpoint_, peer_.address, peer_.port,
                handshake_timed_out_
                    ? "not done within " + std::to_string(worker_.io_timeout_ms()) + " ms"
                    : ec.message());
            finish();
            return;
        }
        handshaken_ = true;
        int pair[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
            // Out of descriptors, most likely: the cap leaves three per TLS connection
            // (kernel_connection_cap), so it is the process's other files that ran out.
            socket_pair_failures_log.warn(
                "{}: {}:{}: cannot make the TLS connection's socket "
                "pair: {}",
                endpoint_, peer_.address, peer_.port, std::strerror(errno));
            finish();
            return;
        }
        boost::system::error_code assign_ec;
        kernel_end_.assign(asio::local::stream_protocol(), pair[0], assign_ec);
        if (assign_ec) {
            ::close(pair[0]);
            ::close(pair[1]);
            finish();
            return;
        }
        // The session's end: a tcp::socket only by type. Asio reads, writes, waits and
        // shuts down any stream socket alike; what it would ask the socket about its
        // peer comes from peer_ instead.
        tcp::socket session_end(worker_.io());
        session_end.assign(tcp::v4(), pair[1], assign_ec);
        if (assign_ec) {
            ::close(pair[1]);
            finish();
            return;
        }
        ignore_broken_pipes();
        std::make_shared<HttpSession>(worker_, std::move(session_end), std::move(service_),
                                      endpoint_, std::move(slot_), peer_)
            ->run();
        read_client();
        read_kernel();
    }

    // The client's bytes, decrypted, to the session.
    void read_client() {
        reading_client_ = true;
        tls_.async_read_some(
            asio::buffer(from_client_),
            [self = shared_from_this()](const boost::system::error_code& ec, size_t bytes) {
                self->reading_client_ = false;
                if (self->finished_) return;
                if (self->stopped_reading_) {
                    self->close_notify_when_idle();
                    return;
                }
                if (ec) {
                    self->client_ended(ec);
                    return;
                }
                asio::async_write(self->kernel_end_, asio::buffer(self->from_client_, bytes),
                                  [self](const boost::system::error_code& write_ec, size_t) {
                                      if (self->finished_) return;
                                      if (write_ec) {
                                          // The session closed altogether: what it wrote
                                          // before is still passed on, up to the end of
                                          // its stream (read_kernel); nothing more is
                                          // read here.
                                          if (self->closing_) self->stop_reading_client();
                                          return;
                                      }
                                      if (self->stopped_reading_) {
                                          self->close_notify_when_idle();
                                          return;
                                      }
                                      self->read_client();
                                  });
            });
    }

    // The client ended: after a close_notify or a plain end of stream the session sees
    // the end of its input and may still answer (the pump to the client goes on); after
    // an error nothing more can reach the client.
    void client_ended(const boost::system::error_code& ec) {
        if (ec == asio::error::eof || ec == ssl::error::stream_truncated) {
            boost::system::error_code ignored;
            kernel_end_.shutdown(asio::socket_base::shutdown_send, ignored);
            // Both ways have ended: nothing is left to wait for.
            if (closing_) stop_reading_client();
            return;
        }
        finish();
    }

    // The session's bytes, encrypted, to the client.
    void read_kernel() {
        kernel_end_.async_read_some(
            asio::buffer(to_client_),
            [self = shared_from_this()](const boost::system::error_code& ec, size_t bytes) {
                if (self->finished_) return;
                if (ec) {
                    self->kernel_ended();
                    return;
                }
                self->writing_client_ = true;
                ++self->writes_;
                self->watch_write();
                asio::async_write(self->tls_, asio::buffer(self->to_client_, bytes),
                                  [self](const boost::system::error_code& write_ec, size_t) {
                                      self->writing_client_ = false;
                                      if (self->finished_) return;
                                      if (write_ec) {
                                          self->finish();
                                          return;
                                      }
                                      if (self->stopped_reading_) {
                                          self->close_notify_when_idle();
                                          return;
                                      }
                                      self->read_kernel();
                                  });
            });
    }

    // A write to a client that does not read may wait as long as the session (or the
    // connection it became) keeps its end open: its own bounds decide. Once that end is
    // closed nothing else would ever end the wait, so the watchdog looks, every
    // io_timeout while a write is stuck, whether it still is.
    void watch_write() {
        if (watching_) return;
        watching_ = true;
        watched_write_ = writes_;
        watchdog_.expires_after(worker_.io_timeout());
        watchdog_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
            self->watching_ = false;
            if (ec || self->finished_ || !self->writing_client_) return;
            // The session's end is gone (closed by the session, or by stop_reading_client
            // while this write waited) and the write has not moved since the last look.
            if (self->writes_ == self->watched_write_ &&
                (self->stopped_reading_ || hung_up(self->kernel_end_.native_handle()))) {
                spdlog::debug("{}: {}:{}: TLS client stopped reading after the session ended",
                              self->endpoint_, self->peer_.address, self->peer_.port);
                self->finish();
                return;
            }
            self->watch_write();
        });
    }

    // The session's stream ended and all of it was passed on (no write to the client is
    // under way). It may have ended only its sending side: a WebSocket connection closing
    // sends its Close, shuts down its writing and waits for the client's Close. So what
    // the client sends still goes to the session, until the session closes its end
    // altogether (the write fails), the client ends, or kMostCloseWait passes.
    void kernel_ended() {
        if (closing_) return;
        closing_ = true;
        if (!reading_client_) {
            stop_reading_client(); // the client ended first, or a write to it failed
            return;
        }
        deadline_.expires_after(
            std::min<std::chrono::milliseconds>(worker_.io_timeout(), kMostCloseWait));
        deadline_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
            if (!ec) self->stop_reading_client();
        });
    }

    // Stops passing the client's bytes on and closes the session's pair; the close_notify
    // follows once the read from the client is out of the way.
    void stop_reading_client() {
        if (stopped_reading_) return;
        stopped_reading_ = true;
        boost::system::error_code ignored;
        kernel_end_.close(ignored);
        // The read waits on the client: cancelled, its handler goes on with the close.
        if (reading_client_) tls_.next_layer().cancel(ignored);
        close_notify_when_idle();
    }

    // One TLS operation each way at most: the close_notify goes out when neither the
    // read nor the write is under way (their handlers call again).
    void close_notify_when_idle() {
        if (!stopped_reading_ || reading_client_ || writing_client_) return;
        send_close_notify();
    }

    void send_close_notify() {
        if (shutting_down_ || finished_) return;
        shutting_down_ = true;
        deadline_.expires_after(
            std::min<std::chrono::milliseconds>(worker_.io_timeout(), kMostCloseWait));
        deadline_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
            if (!ec) self->finish();
        });
        tls_.async_shutdown(
            [self = shared_from_this()](const boost::system::error_code&) { self->finish(); });
    }

    // Closes both sides; handlers still pending see finished_ and stop.
    void finish() {
        if (finished_) return;
        finished_ = true;
        boost::system::error_code ignored;
        deadline_.cancel();
        watchdog_.cancel();
        kernel_end_.close(ignored);
        tls_.next_layer().close(ignored);
    }

    Worker& worker_;
    std::shared_ptr<ssl::context> context_; // the identity this connection began with
    ssl::stream<tcp::socket> tls_;
    asio::local::stream_protocol::socket kernel_end_;
    asio::steady_timer deadline_; // the handshake's, the session's closing, the close_notify's
    asio::steady_timer watchdog_; // a write to the client that does not end
    std::shared_ptr<HttpService> service_;
    std::string endpoint_;
    ConnectionSlot slot_;
    SessionPeer peer_;
    std::array<char, kPumpBytes> from_client_;
    std::array<char, kPumpBytes> to_client_;
    uint64_t writes_ = 0;        // writes to the client begun
    uint64_t watched_write_ = 0; // the one the watchdog waits on
    bool handshaken_ = false;
    bool handshake_timed_out_ = false;
    bool reading_client_ = false;
    bool writing_client_ = false;
    bool watching_ = false;
    bool closing_ = false;         // the session's stream has ended
    bool stopped_reading_ = false; // the client's bytes are no longer passed on
    bool shutting_down_ = false;   // close_notify under way
    bool finished_ = false;
};

} // namespace

void serve_tls(Worker& worker, tcp::socket socket, std::shared_ptr<ssl::context> context,
               std::shared_ptr<HttpService> service, std::string endpoint, ConnectionSlot slot,
               SessionPeer peer) {
    std::make_shared<TlsTerminator>(worker, std::move(socket), std::move(context),
                                    std::move(service), std::move(endpoint), std::move(slot),
                                    std::move(peer))
        ->start();
}

} // namespace switchyard

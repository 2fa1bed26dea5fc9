#include "bus/redis_connection.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <hiredis/hiredis.h>

#include <array>
#include <deque>
#include <vector>

namespace switchyard {

namespace {

namespace asio = boost::asio;
using generic_socket = asio::generic::stream_protocol::socket;

constexpr size_t kReadChunk = 64 * 1024;

class AsioRedisConnection final : public RedisConnection,
                                  public std::enable_shared_from_this<AsioRedisConnection> {
  public:
    AsioRedisConnection(asio::io_context& io, RedisEndpoint endpoint,
                        std::chrono::milliseconds timeout, size_t max_reply_bytes)
        : io_(io),
          endpoint_(std::move(endpoint)),
          timeout_(timeout),
          socket_(io),
          resolver_(io),
          deadline_(io),
          reader_(max_reply_bytes),
          read_buffer_(kReadChunk) {}

    void async_open(OpenHandler done) override {
        opening_ = std::move(done);
        arm_deadline("connect to " + endpoint_.describe());
        if (endpoint_.is_unix()) {
            connect_to(asio::local::stream_protocol::endpoint(endpoint_.unix_path));
            return;
        }
        resolver_.async_resolve(
            endpoint_.host, std::to_string(endpoint_.port),
            [self = shared_from_this()](const boost::system::error_code& ec,
                                        asio::ip::tcp::resolver::results_type results) {
                if (ec)
                    return self->fail("cannot resolve " + self->endpoint_.host + ": " +
                                      ec.message());
                // The first address that accepts.
                self->try_addresses(
                    std::vector<asio::ip::tcp::endpoint>(results.begin(), results.end()), 0,
                    "no address");
            });
    }

    void send(std::span<const std::string_view> args, ReplyHandler handler) override {
        if (!open_ && !logging_in_) {
            asio::post(io_, [handler = std::move(handler)] { handler({}, "not connected"); });
            return;
        }
        queue(args, std::move(handler));
    }

    void on_closed(CloseHandler handler) override { closed_ = std::move(handler); }

    void close() override {
        closed_ = nullptr;
        fail("closed");
    }

    bool is_open() const override { return open_; }

  private:
    void try_addresses(std::vector<asio::ip::tcp::endpoint> addresses, size_t index,
                       std::string last_error) {
        if (index >= addresses.size())
            return fail("cannot connect to " + endpoint_.describe() + ": " + last_error);
        const asio::ip::tcp::endpoint address = addresses[index];
        socket_.async_connect(address, [self = shared_from_this(), addresses = std::move(addresses),
                                        index](const boost::system::error_code& ec) mutable {
            if (self->failed_) return;
            if (ec) {
                boost::system::error_code ignored;
                self->socket_.close(ignored);
                return self->try_addresses(std::move(addresses), index + 1, ec.message());
            }
            self->log_in();
        });
    }

    void connect_to(const asio::generic::stream_protocol::endpoint& address) {
        socket_.async_connect(
            address, [self = shared_from_this()](const boost::system::error_code& ec) {
                if (self->failed_) return;
                if (ec)
                    return self->fail("cannot connect to " + self->endpoint_.describe() + ": " +
                                      ec.message());
                self->log_in();
            });
    }

    // AUTH and SELECT when asked for, then PING: pipelined, and open once PING answers.
    void log_in() {
        logging_in_ = true;
        read_more();
        arm_deadline("log in to " + endpoint_.describe());
        if (!endpoint_.password.empty()) {
            std::vector<std::string_view> auth = {"AUTH"};
            if (!endpoint_.user.empty()) auth.push_back(endpoint_.user);
            auth.push_back(endpoint_.password);
            queue(auth, expect_ok("refused the password"));
        }
        if (endpoint_.db != 0) {
            const std::string db = std::to_string(endpoint_.db);
            const std::array<std::string_view, 2> select = {"SELECT", db};
            queue(select, expect_ok("refused database " + db));
        }
        const std::array<std::string_view, 1> ping = {"PING"};
        queue(ping, [self = shared_from_this()](resp::Reply reply, std::string_view error) {
            if (!error.empty()) return;
            if (reply->type == REDIS_REPLY_ERROR)
                return self->fail(self->endpoint_.describe() + " answered PING with " +
                                  std::string(resp::text_of(*reply)));
            self->logging_in_ = false;
            self->open_ = true;
            self->deadline_.cancel();
            if (auto done = std::move(self->opening_)) done("");
        });
    }

    ReplyHandler expect_ok(std::string what) {
        return [self = shared_from_this(), what = std::move(what)](resp::Reply reply,
                                                                   std::string_view error) {
            if (error.empty() && reply->type == REDIS_REPLY_ERROR)
                self->fail(self->endpoint_.describe() + " " + what + ": " +
                           std::string(resp::text_of(*reply)));
        };
    }

    void queue(std::span<const std::string_view> args, ReplyHandler handler) {
        resp::append_command(outgoing_, args);
        if (pending_.empty() && open_) arm_deadline("reply from " + endpoint_.describe());
        pending_.push_back(std::move(handler));
        write_more();
    }

    // One write in flight; what is queued meanwhile goes out with the next.
    void write_more() {
        if (writing_ || outgoing_.empty() || failed_) return;
        writing_ = true;
        in_flight_.swap(outgoing_);
        outgoing_.clear();
        asio::async_write(socket_, asio::buffer(in_flight_),
                          [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                              self->writing_ = false;
                              if (self->failed_) return;
                              if (ec)
                                  return self->fail("write to " + self->endpoint_.describe() +
                                                    ": " + ec.message());
                              self->write_more();
                          });
    }

    void read_more() {
        socket_.async_read_some(
            asio::buffer(read_buffer_),
            [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
                if (self->failed_) return;
                if (ec)
                    return self->fail(self->endpoint_.describe() +
                                      " closed the connection: " + ec.message());
                if (!self->reader_.feed(std::string_view(self->read_buffer_.data(), n)))
                    return self->fail("bad reply from " + self->endpoint_.describe() + ": " +
                                      self->reader_.error());
                self->deliver_replies();
                if (!self->failed_) self->read_more();
            });
    }

    void deliver_replies() {
        while (!failed_) {
            resp::Reply reply = reader_.next();
            if (!reply) {
                if (!reader_.error().empty())
                    fail("bad reply from " + endpoint_.describe() + ": " + reader_.error());
                return;
            }
            if (pending_.empty())
                return fail(endpoint_.describe() + " sent a reply nobody asked for");
            ReplyHandler handler = std::move(pending_.front());
            pending_.pop_front();
            // The next oldest reply gets a full timeout of its own.
            if (pending_.empty()) {
                if (open_) deadline_.cancel();
            } else if (open_) {
                arm_deadline("reply from " + endpoint_.describe());
            }
            handler(std::move(reply), {});
        }
    }

    void arm_deadline(std::string waiting_for) {
        deadline_.expires_after(timeout_);
        deadline_.async_wait([self = shared_from_this(), waiting_for = std::move(waiting_for)](
                                 const boost::system::error_code& ec) {
            if (ec || self->failed_) return; // cancelled or re-armed
            self->fail("no " + waiting_for + " within " + std::to_string(self->timeout_.count()) +
                       " ms");
        });
    }

    // Ends the connection once: the pending replies' handlers and then the open or close
    // handler hear why.
    void fail(const std::string& why) {
        if (failed_) return;
        failed_ = true;
        const bool was_open = open_;
        open_ = false;
        logging_in_ = false;
        boost::system::error_code ignored;
        resolver_.cancel();
        deadline_.cancel();
        socket_.close(ignored);
        auto pending = std::move(pending_);
        pending_.clear();
        for (auto& handler : pending) handler({}, why);
        if (auto done = std::move(opening_)) done(why);
        if (was_open) {
            if (auto closed = std::move(closed_)) closed(why);
        }
    }

    asio::io_context& io_;
    RedisEndpoint endpoint_;
    std::chrono::milliseconds timeout_;
    generic_socket socket_;
    asio::ip::tcp::resolver resolver_;
    asio::steady_timer deadline_;
    resp::ReplyReader reader_;
    std::vector<char> read_buffer_;
    std::string outgoing_;  // commands not written yet
    std::string in_flight_; // the bytes of the one write in flight
    std::deque<ReplyHandler> pending_;
    OpenHandler opening_;
    CloseHandler closed_;
    bool logging_in_ = false;
    bool open_ = false;
    bool writing_ = false;
    bool failed_ = false;
};

} // namespace

std::shared_ptr<RedisConnection> RedisConnection::create(boost::asio::io_context& io,
                                                         RedisEndpoint endpoint,
                                                         std::chrono::milliseconds timeout,
                                                         size_t max_reply_bytes) {
    return std::make_shared<AsioRedisConnection>(io, std::move(endpoint), timeout, max_reply_bytes);
}

} // namespace switchyard

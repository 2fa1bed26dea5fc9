// One connection to Redis for the redis bus engine, driven by an io_context the engine
// runs: connect (TCP, or a Unix socket), log in (AUTH, SELECT, then a PING that proves
// the peer speaks RESP), then commands pipelined, their replies handed back in the order
// the commands were sent. Every wait has a deadline: connecting and logging in must end
// within the timeout, and so must the oldest reply awaited; past it the connection fails.
// A command that waits at Redis on purpose (XREAD BLOCK n) therefore goes on a connection
// whose timeout is longer than n (the engine's follower has one of its own).
//
// Not thread-safe: every call, and every handler, runs on the io_context's thread.
#pragma once

#include "bus/redis_url.hpp"
#include "bus/resp.hpp"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace switchyard {

class RedisConnection {
  public:
    // A reply, or why none will come (`error` not empty: the connection failed). A Redis
    // error reply ("-ERR ...") is a reply: the caller decides what it means.
    using ReplyHandler = std::function<void(resp::Reply reply, std::string_view error)>;
    // "" once logged in, or why the connection could not be opened.
    using OpenHandler = std::function<void(std::string_view error)>;
    // Why an open connection failed; called once, after the pending replies' handlers.
    using CloseHandler = std::function<void(std::string_view why)>;

    // `max_reply_bytes` bounds one reply (resp::ReplyReader).
    static std::shared_ptr<RedisConnection> create(boost::asio::io_context& io,
                                                   RedisEndpoint endpoint,
                                                   std::chrono::milliseconds timeout,
                                                   size_t max_reply_bytes);
    virtual ~RedisConnection() = default;

    // Connects and logs in; `done` hears how it went. Call once.
    virtual void async_open(OpenHandler done) = 0;
    // Queues a command (written with the others queued before the socket is free); its
    // reply goes to `handler`. On a connection that is not open, `handler` hears the error
    // at once (posted, never called from inside send()).
    virtual void send(std::span<const std::string_view> args, ReplyHandler handler) = 0;
    // Sets who hears that an open connection failed.
    virtual void on_closed(CloseHandler handler) = 0;
    // Closes the socket; pending replies' handlers hear "closed". No CloseHandler call.
    virtual void close() = 0;
    // True between a successful open and a failure or close().
    virtual bool is_open() const = 0;
};

} // namespace switchyard

// Private to the support library: running a private io_context against a deadline, the
// one way every client waits (no sleeps, no blocking socket calls), and the steps every
// client takes that way (connect, one operation, the next queued message).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace switchyard::test::detail {

using Clock = std::chrono::steady_clock;

// Runs handlers of `io` until `done()` holds or `deadline` passes. Returns done().
template <class Done>
bool run_until(boost::asio::io_context& io, Done&& done, Clock::time_point deadline) {
    while (!done()) {
        if (io.stopped()) io.restart();
        if (io.run_one_until(deadline) == 0) {
            if (Clock::now() >= deadline) return done();
            // Out of work: nothing left that could make done() true.
            if (io.stopped()) return done();
        }
    }
    return true;
}

// Like run_until, but on a timeout calls `cancel()` (which must make the pending
// operation complete, e.g. by closing its socket) and runs until its handler ran, so no
// handler outlives state that the caller keeps on its stack.
template <class Done, class Cancel>
bool run_or_cancel(boost::asio::io_context& io, Done&& done, Clock::time_point deadline,
                   Cancel&& cancel) {
    if (run_until(io, done, deadline)) return true;
    cancel();
    run_until(io, done, Clock::now() + std::chrono::seconds(5));
    return false;
}

// How one operation run by run_operation went.
struct Outcome {
    bool in_time = false;   // its handler ran before the deadline
    bool completed = false; // its handler ran at all (also after the cancel)
    boost::system::error_code error;

    // Completed in time and without an error.
    bool ok() const { return in_time && !error; }
};

// Starts one asynchronous operation with `start(handler)` and runs it as run_or_cancel
// does. The handler takes any completion signature that begins with an error_code
// (connect, handshake, read, write), so every client waits for its steps the same way.
template <class Start, class Cancel>
Outcome run_operation(boost::asio::io_context& io, Start&& start, Clock::time_point deadline,
                      Cancel&& cancel) {
    Outcome outcome;
    start([&outcome](boost::system::error_code ec, auto&&...) {
        outcome.error = ec;
        outcome.completed = true;
    });
    outcome.in_time = run_or_cancel(
        io, [&] { return outcome.completed; }, deadline, cancel);
    return outcome;
}

// Connects `socket` (a tcp::socket or a beast::tcp_stream) to host:port by `deadline`,
// else throws std::runtime_error "<what>: cannot connect: <reason>".
template <class Socket, class Cancel>
void connect_or_throw(boost::asio::io_context& io, Socket& socket, const std::string& host,
                      uint16_t port, Clock::time_point deadline, Cancel&& cancel,
                      const std::string& what) {
    const boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::make_address(host), port);
    const Outcome connected = run_operation(
        io, [&](auto handler) { socket.async_connect(endpoint, std::move(handler)); }, deadline,
        cancel);
    if (!connected.ok())
        throw std::runtime_error(what + ": cannot connect: " + connected.error.message());
}

// Takes the front of `queue`, which a read that `start_read()` keeps pending fills while
// `io` runs; waits up to `timeout` for one unless `ended`. Nothing when none came.
template <class Queue, class StartRead>
std::optional<typename Queue::value_type> take_next(boost::asio::io_context& io, Queue& queue,
                                                    const bool& ended, StartRead&& start_read,
                                                    std::chrono::milliseconds timeout) {
    if (queue.empty() && !ended) {
        start_read();
        run_until(
            io, [&] { return !queue.empty() || ended; }, Clock::now() + timeout);
    }
    if (queue.empty()) return std::nullopt;
    auto item = std::move(queue.front());
    queue.pop_front();
    return item;
}

} // namespace switchyard::test::detail

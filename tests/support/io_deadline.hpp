// Private to the support library: running a private io_context against a deadline, the
// one way every client here waits (no sleeps, no blocking socket calls).
#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>

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

} // namespace switchyard::test::detail

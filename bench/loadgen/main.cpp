// loadgen: the benchmark load generator for Switchyard and its comparison peers.
//
// Usage (each example is one command line, wrapped here):
//   loadgen --subscribe URL [--publish URL] [options]       (--help lists them all)
//
//   # 1,000 WebSocket subscribers on groove, 10,000 messages of 128 bytes, published
//   # through the control API with at most 64 in flight, server memory and CPU:
//   loadgen --subscribe ws://127.0.0.1:31415/ws --subscribers 1000
//           --publish http://127.0.0.1:7700/api/v1/publish --messages 10000 --size 128
//           --window 64 --server-pid "$(pgrep -n switchyard)"
//
//   # SSE subscribers on the control API's event stream:
//   loadgen --subscribe 'http://127.0.0.1:7700/api/v1/events?stream=groove'
//           --subscribers 256 --publish http://127.0.0.1:7700/api/v1/publish
//
//   # A broadcast peer (bench/peers/node-ws) relaying a WebSocket publisher's frames:
//   loadgen --subscribe ws://127.0.0.1:9000/ws --publish ws://127.0.0.1:9000/ws
//
//   # Two nodes of one Redis bus: half the subscribers on each, publishing on the first,
//   # 1,000 publishes a second (open loop), CPU summed over both nodes and redis apart:
//   loadgen --subscribe ws://127.0.0.1:31415/ws --subscribe ws://127.0.0.1:31416/ws
//           --subscribers 100 --publish http://127.0.0.1:7700/api/v1/publish
//           --messages 10000 --rate 1000 --server-pid A --server-pid B --redis-pid R
//
//   # Idle memory per connection: connect only.
//   loadgen --subscribe ws://127.0.0.1:31415/ws --subscribers 10000 --messages 0
//           --server-pid PID
//
// Prints one JSON line on stdout (progress on stderr). Exit status: 0 every message
// delivered once to every subscriber; 1 something lost, duplicated, malformed, or a
// publish failed; 2 the run could not be set up (bad options, nothing connected, server
// unreachable).
//
// Design: one thread, one edge-triggered epoll loop, every socket non-blocking. All
// connections read into one shared 256 KiB buffer and keep only a partial frame between
// reads; messages are checked with a memmem scan for "i" and "t" and a bitset per
// subscriber; latency goes into a log-linear histogram. That keeps the per-message cost
// well below the server's, so the server, not the load generator, is the bottleneck.

#include "bench_run.hpp"
#include "options.hpp"

#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <string>

namespace {

// Raises the open-files soft limit to the hard limit; false (with a message) when the
// hard limit cannot hold every subscriber plus a few descriptors of our own.
bool raise_fd_limit(uint64_t needed) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return true;
    if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < needed) {
        std::fprintf(stderr,
                     "loadgen: the open-files hard limit is %llu, too low for %llu descriptors "
                     "(subscribers + 32); raise it (ulimit -Hn, /etc/security/limits.conf) or "
                     "use fewer --subscribers\n",
                     (unsigned long long)limit.rlim_max, (unsigned long long)needed);
        return false;
    }
    if (limit.rlim_cur < limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &raised) != 0 && limit.rlim_cur < needed) {
            std::perror("loadgen: setrlimit(RLIMIT_NOFILE)");
            return false;
        }
    }
    return true;
}

} // namespace

int main(int argc, char** argv) {
    loadgen::Options options;
    std::string error;
    switch (loadgen::parse_options(argc, argv, options, error)) {
        case loadgen::ParseResult::help: std::fputs(loadgen::usage_text(), stdout); return 0;
        case loadgen::ParseResult::error:
            std::fprintf(stderr, "loadgen: %s (see --help)\n", error.c_str());
            return 2;
        case loadgen::ParseResult::ok: break;
    }
    std::signal(SIGPIPE, SIG_IGN); // a peer that goes away is an error code, not a signal
    if (!raise_fd_limit(uint64_t(options.subscribers) + 32)) return 2;
    loadgen::BenchRun run(options);
    return run.run();
}

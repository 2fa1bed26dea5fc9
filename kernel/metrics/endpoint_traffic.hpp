// What an endpoint's WebSocket and SSE connections wrote and dropped, counted per worker.
//
// Each worker has a block of its own (a cache line apart from the others'), written only
// by that worker's connections (OwnedCounter: no read-modify-write on the write path); a
// scrape sums the blocks. A connection finds its block through its gate slot and its
// worker's index when it writes (once per socket write, not per frame) rather than
// keeping a pointer, which would cost every idle connection 8 bytes.
#pragma once

#include "metrics/owned_counter.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>

namespace switchyard {

// One worker's counts for one endpoint. Written by that worker's thread only.
struct alignas(64) WorkerTraffic {
    OwnedCounter frames_written; // frames written whole to the socket
    OwnedCounter bytes_written;  // bytes the socket took
    OwnedCounter frames_dropped; // frames refused or discarded unwritten
    OwnedCounter slow_consumers; // connections closed for not reading fast enough
};

// The sums over the workers, as a scrape reads them.
struct TrafficTotals {
    uint64_t frames_written = 0;
    uint64_t bytes_written = 0;
    uint64_t frames_dropped = 0;
    uint64_t slow_consumers = 0;
};

class EndpointTraffic {
  public:
    // Blocks for `workers` workers (indexes 0 .. workers - 1).
    explicit EndpointTraffic(size_t workers);

    // The block of worker `index`; null for an index beyond those given (not counted).
    WorkerTraffic* of_worker(unsigned index) noexcept {
        return index < workers_ ? &blocks_[index] : nullptr;
    }
    // The sums over every worker's block, from any thread.
    TrafficTotals totals() const noexcept;

  private:
    size_t workers_;
    std::unique_ptr<WorkerTraffic[]> blocks_;
};

} // namespace switchyard

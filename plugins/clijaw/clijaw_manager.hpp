// Manager mode: the plugin follows each worker's GET /api/events through the kernel's
// outbound SSE client (Host::follow_open, ABI 1.2), republishes every worker event on
// its own bus tagged with the worker, keeps each worker's latest message, reconnects a
// dropped worker with capped exponential backoff and says when a worker drops
// (worker_disconnected) or goes quiet (worker_stalled). A worker that sends garbage is
// dropped and retried; nothing it sends can stall or crash the manager.
#pragma once

#include "clijaw_protocol.hpp"
#include "clijaw_settings.hpp"

#include <switchyard/plugin.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::clijaw {

// What the manager knows of one worker; a reload hands it on (clijaw_snapshot).
struct WorkerState {
    // The base URL as configured ("http://host:port").
    std::string url;
    // The follow in progress (0: none, a retry is due).
    sy_follow_id follow = 0;
    // The pending reconnection timer (0: none).
    sy_timer_id retry_timer = 0;
    // The follow is open (the worker answered 200 text/event-stream).
    bool connected = false;
    // worker_disconnected was published for the current drop.
    bool disconnect_reported = false;
    // worker_stalled was published since the last event.
    bool stall_reported = false;
    // When its last event came (ms since the epoch); nullopt: never.
    std::optional<int64_t> last_seen_ms;
    // Since when it has been silent: its last event, or the OPEN (for the stall check).
    int64_t quiet_since_ms = 0;
    // The last SSE id it sent: where a reconnection resumes (Last-Event-ID).
    std::string last_event_id;
    // Its latest event as it sent it (a JSON object text); empty: none yet.
    std::string latest;
    // The delay of the next reconnection.
    uint32_t retry_ms = 0;
};

// The next reconnection delay after one of `current` ms: doubled, at most `max` ms.
uint32_t next_backoff(uint32_t current, uint32_t max);

// The body of GET /api/manager/workers:
// {"workers":[{"url","connected","lastSeen" (ms or null),"lastEventId" (string or null),
// "latest" (object or null)}]}.
std::string workers_json(const std::vector<WorkerState>& workers);

// The timer tags the manager uses (the plugin's own are below kStallTimerTag).
inline constexpr uint64_t kStallTimerTag = 2;
inline constexpr uint64_t kRetryTimerTagBase = 0x1000;

// The manager's side of the plugin: owns the workers' state; the plugin forwards its
// on_follow, its manager timers and GET /api/manager/workers to it.
class Manager {
  public:
    // Takes over `previous` (the workers of the last generation, matched by url) for the
    // workers `settings` names. Call start() once the plugin is ready to hear events.
    Manager(sdk::Host host, const ClijawSettings& settings, std::vector<WorkerState> previous);

    // Whether any worker is configured.
    bool active() const noexcept { return !workers_.empty(); }
    // Follows every worker not followed yet, starts the stall check (cancelling the
    // previous generation's `old_stall_timer`), and drops what the previous generation
    // followed that the config no longer names.
    void start(sy_timer_id old_stall_timer);
    // News of a follow.
    sy_status on_follow(sy_follow_id follow, const sdk::FollowEvent& event);
    // A manager timer fired (tag kStallTimerTag or kRetryTimerTagBase + index); false when
    // the tag is not the manager's.
    bool on_timer(uint64_t tag);
    // GET /api/manager/workers.
    std::string workers_json() const { return clijaw::workers_json(workers_); }
    // The state for the next generation.
    const std::vector<WorkerState>& workers() const noexcept { return workers_; }
    sy_timer_id stall_timer() const noexcept { return stall_timer_; }

  private:
    void connect(size_t index);
    void dropped(size_t index, std::string_view reason);
    void on_worker_event(size_t index, sy_follow_id follow, const sdk::FollowEvent& event);
    void check_stalls();
    void publish_status(std::string_view type, const std::string& data);
    std::optional<size_t> worker_of(sy_follow_id follow, uint64_t tag) const;

    sdk::Host host_;
    const ClijawSettings& settings_;
    std::vector<WorkerState> workers_;
    // Workers of the previous generation the config no longer names.
    std::vector<WorkerState> departed_;
    sy_timer_id stall_timer_ = 0;
    EventEncoder encoder_;
    bool said_cannot_follow_ = false;
    int64_t last_publish_warning_ms_ = 0;
};

} // namespace switchyard::clijaw

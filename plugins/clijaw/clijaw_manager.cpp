#include "clijaw_manager.hpp"

#include "clijaw_protocol.hpp"

#include <switchyard/json.hpp>

#include <algorithm>
#include <utility>

namespace switchyard::clijaw {
namespace {

// A worker pings every 15 s: a follow silent for three pings has lost its worker.
constexpr uint32_t kIdleHeartbeats = 3;
// The largest event a worker may send (its data lines together).
constexpr uint64_t kMaxWorkerEventBytes = 1 << 20;
// How often the stall check runs, at most and at least.
constexpr uint32_t kStallCheckMinMs = 100;
constexpr uint32_t kStallCheckMaxMs = 5'000;

} // namespace

uint32_t next_backoff(uint32_t current, uint32_t max) {
    if (current >= max / 2) return max;
    return std::min(max, current * 2);
}

std::string workers_json(const std::vector<WorkerState>& workers) {
    std::string out = R"({"workers":[)";
    bool first = true;
    for (const WorkerState& worker : workers) {
        if (!std::exchange(first, false)) out += ',';
        out += R"({"url":)";
        json::append_escaped(out, worker.url);
        out += R"(,"connected":)";
        out += worker.connected ? "true" : "false";
        out += R"(,"lastSeen":)";
        out += worker.last_seen_ms ? std::to_string(*worker.last_seen_ms) : "null";
        out += R"(,"lastEventId":)";
        if (worker.last_event_id.empty()) {
            out += "null";
        } else {
            json::append_escaped(out, worker.last_event_id);
        }
        out += R"(,"latest":)";
        out += worker.latest.empty() ? "null" : worker.latest;
        out += '}';
    }
    out += "]}";
    return out;
}

Manager::Manager(sdk::Host host, const ClijawSettings& settings, std::vector<WorkerState> previous)
    : host_(host), settings_(settings) {
    workers_.reserve(settings.workers.size());
    for (const std::string& url : settings.workers) {
        WorkerState state;
        state.url = url;
        state.retry_ms = settings.worker_retry_min_ms;
        for (WorkerState& old : previous) {
            if (old.url == url) {
                state = std::move(old);
                old.url.clear();
                break;
            }
        }
        state.retry_ms =
            std::clamp(state.retry_ms, settings.worker_retry_min_ms, settings.worker_retry_max_ms);
        workers_.push_back(std::move(state));
    }
    for (WorkerState& old : previous) {
        if (!old.url.empty()) departed_.push_back(std::move(old));
    }
}

void Manager::start(sy_timer_id old_stall_timer) {
    if (old_stall_timer != 0) host_.timer_cancel(old_stall_timer);
    for (WorkerState& gone : departed_) {
        if (gone.follow != 0) host_.follow_close(gone.follow);
        if (gone.retry_timer != 0) host_.timer_cancel(gone.retry_timer);
    }
    departed_.clear();
    if (workers_.empty()) return;
    const uint32_t check_ms =
        std::clamp(settings_.worker_stall_ms / 4, kStallCheckMinMs, kStallCheckMaxMs);
    stall_timer_ = host_.timer_start(check_ms, check_ms, kStallTimerTag);
    for (size_t i = 0; i < workers_.size(); ++i) {
        WorkerState& worker = workers_[i];
        // A pending retry of the previous generation carries the old index in its tag:
        // restart it under this generation's.
        if (worker.retry_timer != 0) {
            host_.timer_cancel(worker.retry_timer);
            worker.retry_timer = host_.timer_start(worker.retry_ms, 0, kRetryTimerTagBase + i);
            if (worker.retry_timer != 0) continue;
        }
        // A follow survives a reload: the kernel keeps it and this generation hears it.
        if (worker.follow == 0) connect(i);
    }
}

void Manager::connect(size_t index) {
    WorkerState& worker = workers_[index];
    worker.retry_timer = 0;
    sdk::Follow follow;
    follow.url = worker.url + "/api/events";
    if (!settings_.worker_auth_token.empty())
        follow.headers.emplace_back("Authorization", "Bearer " + settings_.worker_auth_token);
    follow.last_event_id = worker.last_event_id;
    follow.tag = index;
    follow.max_event_bytes = kMaxWorkerEventBytes;
    follow.idle_timeout_ms = settings_.heartbeat_ms * kIdleHeartbeats;
    worker.follow = host_.follow_open(follow);
    if (worker.follow != 0) return;
    if (!host_.can_follow()) {
        if (!std::exchange(said_cannot_follow_, true))
            host_.warn(
                "this kernel does not follow event streams (ABI 1.2 follow_open); "
                "workers stay disconnected and are retried");
        dropped(index, "this kernel cannot follow event streams");
    } else {
        dropped(index, "the kernel refused to follow " + follow.url);
    }
}

void Manager::dropped(size_t index, std::string_view reason) {
    WorkerState& worker = workers_[index];
    worker.follow = 0;
    worker.connected = false;
    if (!std::exchange(worker.disconnect_reported, true)) {
        std::string data = R"({"worker":)";
        json::append_escaped(data, worker.url);
        data += R"(,"reason":)";
        json::append_escaped(data, reason);
        data += '}';
        publish_status("worker_disconnected", data);
        host_.info("worker " + worker.url + " disconnected: " + std::string(reason));
    }
    worker.retry_timer = host_.timer_start(worker.retry_ms, 0, kRetryTimerTagBase + index);
    worker.retry_ms = next_backoff(worker.retry_ms, settings_.worker_retry_max_ms);
    if (worker.retry_timer == 0) host_.error("could not start the retry timer of " + worker.url);
}

std::optional<size_t> Manager::worker_of(sy_follow_id follow, uint64_t tag) const {
    if (tag < workers_.size() && workers_[tag].follow == follow) return tag;
    for (size_t i = 0; i < workers_.size(); ++i) {
        if (workers_[i].follow == follow) return i;
    }
    return std::nullopt;
}

sy_status Manager::on_follow(sy_follow_id follow, const sdk::FollowEvent& event) {
    const std::optional<size_t> index = worker_of(follow, event.tag());
    if (!index) {
        // A follow of a worker the config no longer names: not ours any more.
        if (event.kind() != SY_FOLLOW_CLOSED) host_.follow_close(follow);
        return SY_OK;
    }
    WorkerState& worker = workers_[*index];
    switch (event.kind()) {
        case SY_FOLLOW_OPEN:
            worker.connected = true;
            worker.disconnect_reported = false;
            worker.stall_reported = false;
            worker.quiet_since_ms = host_.now_ms();
            worker.retry_ms = settings_.worker_retry_min_ms;
            host_.info("following worker " + worker.url);
            return SY_OK;
        case SY_FOLLOW_EVENT: on_worker_event(*index, follow, event); return SY_OK;
        case SY_FOLLOW_CLOSED: {
            std::string reason(event.reason());
            if (reason.empty()) reason = "closed";
            dropped(*index, reason);
            return SY_OK;
        }
    }
    return SY_OK;
}

void Manager::on_worker_event(size_t index, sy_follow_id follow, const sdk::FollowEvent& event) {
    WorkerState& worker = workers_[index];
    std::optional<WorkerEvent> parsed = read_worker_event(event.data());
    if (!parsed) {
        // Garbage: drop the worker (the kernel stops reading it at once) and retry later.
        host_.follow_close(follow);
        dropped(index, "the worker sent an event that is not {topic, event, ...}");
        return;
    }
    const int64_t now = host_.now_ms();
    worker.last_seen_ms = now;
    worker.quiet_since_ms = now;
    worker.stall_reported = false;
    if (!event.id().empty()) worker.last_event_id = event.id();
    worker.latest = std::string(event.data());
    const std::string topic = std::string(kStream) + "/" + parsed->topic;
    // The members as the worker sent them (a DOM would round integers above 2^63).
    encoder_.load(event.data());
    std::string data;
    encoder_.append_worker_data(data, worker.url);
    sdk::Publish republished;
    republished.topic = topic;
    republished.type = parsed->event;
    republished.data = data;
    republished.internal = parsed->topic == "trace";
    if (!host_.publish(republished)) {
        const int64_t since = now - last_publish_warning_ms_;
        if (since >= 1000 || since < 0) {
            last_publish_warning_ms_ = now;
            host_.warn("the bus refused an event of worker " + worker.url + " (" + topic + " " +
                       parsed->event + ")");
        }
    }
}

bool Manager::on_timer(uint64_t tag) {
    if (tag == kStallTimerTag) {
        check_stalls();
        return true;
    }
    if (tag < kRetryTimerTagBase || tag - kRetryTimerTagBase >= workers_.size()) return false;
    const size_t index = static_cast<size_t>(tag - kRetryTimerTagBase);
    if (workers_[index].follow == 0) connect(index);
    return true;
}

void Manager::check_stalls() {
    const int64_t now = host_.now_ms();
    for (WorkerState& worker : workers_) {
        if (!worker.connected || worker.stall_reported) continue;
        if (now - worker.quiet_since_ms < static_cast<int64_t>(settings_.worker_stall_ms)) continue;
        worker.stall_reported = true;
        std::string data = R"({"worker":)";
        json::append_escaped(data, worker.url);
        data += R"(,"idleMs":)" + std::to_string(now - worker.quiet_since_ms) + '}';
        publish_status("worker_stalled", data);
    }
}

void Manager::publish_status(std::string_view type, const std::string& data) {
    sdk::Publish event;
    event.topic = "clijaw/worker";
    event.type = type;
    event.data = data;
    if (!host_.publish(event))
        host_.warn("the bus refused " + std::string(type) + " (" + data + ")");
}

} // namespace switchyard::clijaw

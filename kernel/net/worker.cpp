#include "net/worker.hpp"

#include "net/close_code.hpp"
#include "net/connection.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>

namespace switchyard {

namespace {
constexpr size_t kScratchBytes = 64 * 1024;
// The sweep's period bounds: fine enough for the short deadlines tests configure, never
// more often than needed for the default ones (30 s deadlines, 10 s pong timeouts).
constexpr auto kFinestSweep = std::chrono::milliseconds(1);
constexpr auto kCoarsestSweep = std::chrono::milliseconds(1000);
} // namespace

Worker::Worker(unsigned index, std::chrono::milliseconds io_timeout)
    : index_(index), scratch_(kScratchBytes), io_timeout_(io_timeout) {}

sy_conn_id Worker::new_connection_id() noexcept {
    return (next_id_.fetch_add(1, std::memory_order_relaxed) << 8) | (index_ & 0xFF);
}

void Worker::add(std::shared_ptr<Connection> conn) {
    const sy_conn_id id = conn->id();
    connections_.emplace(id, std::move(conn));
}

void Worker::remove(sy_conn_id id) {
    connections_.erase(id);
}

Connection* Worker::find(sy_conn_id id) const {
    auto it = connections_.find(id);
    return it == connections_.end() ? nullptr : it->second.get();
}

std::vector<std::shared_ptr<Connection>> Worker::all() const {
    std::vector<std::shared_ptr<Connection>> out;
    out.reserve(connections_.size());
    for (const auto& [id, conn] : connections_) out.push_back(conn);
    return out;
}

void Worker::group_add(sy_group_id group, Connection* conn) {
    auto& groups = conn->groups();
    if (std::find(groups.begin(), groups.end(), group) != groups.end()) return;
    groups.push_back(group);
    groups_[group].push_back(conn);
}

void Worker::group_remove(sy_group_id group, Connection* conn) {
    auto& groups = conn->groups();
    groups.erase(std::remove(groups.begin(), groups.end(), group), groups.end());
    auto it = groups_.find(group);
    if (it == groups_.end()) return;
    auto& members = it->second;
    auto pos = std::find(members.begin(), members.end(), conn);
    if (pos == members.end()) return;
    *pos = members.back(); // order within a group does not matter
    members.pop_back();
    if (members.empty()) groups_.erase(it);
}

void Worker::broadcast(sy_group_id group, const FrameRef& frame, sy_conn_id except) {
    auto it = groups_.find(group);
    if (it == groups_.end()) return;
    // Walk backwards: should a send ever remove its connection from the group (swap
    // with the last member), no member is skipped.
    auto& members = it->second;
    for (size_t i = members.size(); i-- > 0;) {
        if (i >= members.size()) continue;
        Connection* conn = members[i];
        if (conn->id() != except) conn->send(frame);
    }
}

bool Worker::post_send(sy_conn_id id, FrameRef frame) {
    std::lock_guard lock(inbox_mutex_);
    const bool accepted = inbox_.size() < kInboxLimit;
    if (accepted) {
        inbox_.emplace_back(id, std::move(frame));
    } else if (inbox_refused_.empty() || inbox_refused_.back() != id) {
        inbox_refused_.push_back(id);
    }
    if (!inbox_posted_) {
        inbox_posted_ = true;
        boost::asio::post(io_, [this] { run_inbox(); });
    }
    return accepted;
}

void Worker::run_inbox() {
    std::vector<sy_conn_id> refused;
    {
        std::lock_guard lock(inbox_mutex_);
        inbox_posted_ = false;
        std::swap(inbox_, inbox_running_);
        refused.swap(inbox_refused_);
    }
    for (auto& [id, frame] : inbox_running_) {
        if (Connection* conn = find(id)) conn->send(frame);
    }
    inbox_running_.clear();
    for (sy_conn_id id : refused) {
        if (Connection* conn = find(id)) conn->close(close_code::policy_violation, "slow consumer");
    }
}

void Worker::schedule_flush(std::shared_ptr<Connection> conn) {
    to_flush_.push_back(std::move(conn));
    if (flush_posted_) return;
    flush_posted_ = true;
    boost::asio::post(io_, [this] { run_flush_round(); });
}

void Worker::run_flush_round() {
    flush_posted_ = false;
    // A flush may queue more (a close after a failed write); that joins the next round.
    std::swap(to_flush_, flushing_);
    for (const auto& conn : flushing_) conn->flush();
    flushing_.clear();
}

uint32_t Worker::now_ms() const noexcept {
    const auto elapsed = std::chrono::steady_clock::now() - epoch_;
    return static_cast<uint32_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count());
}

void Worker::need_sweep(std::chrono::milliseconds resolution) {
    const auto period = std::clamp(resolution / 4, kFinestSweep, kCoarsestSweep);
    const bool sooner = period < sweep_period_;
    if (sooner) sweep_period_ = period;
    if (sweep_armed_ && !sooner) return;
    if (!sweep_armed_) coarse_now_ms_ = now_ms(); // the clock was not kept while idle
    arm_sweep();
}

void Worker::arm_sweep() {
    sweep_armed_ = true;
    // Re-arming cancels a longer wait still pending; its handler sees the abort.
    sweep_timer_.expires_after(sweep_period_);
    sweep_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) sweep();
    });
}

void Worker::sweep() {
    sweep_armed_ = false;
    coarse_now_ms_ = now_ms();
    // By id: a connection the sweep closes leaves connections_ while it is walked.
    sweeping_.clear();
    for (const auto& [id, conn] : connections_) sweeping_.push_back(id);
    for (sy_conn_id id : sweeping_) {
        if (Connection* conn = find(id)) conn->on_sweep(coarse_now_ms_);
    }
    // Idle workers stop sweeping; the next connection that needs it starts it again.
    if (!connections_.empty()) arm_sweep();
}

void Worker::keep_running() {
    work_ =
        std::make_unique<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
            io_.get_executor());
}

void Worker::let_finish() {
    work_.reset();
}

} // namespace switchyard

#include "net/worker.hpp"

#include "net/connection.hpp"
#include "net/node_tag.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

namespace switchyard {

namespace {
constexpr size_t kScratchBytes = 64 * 1024;

int new_epoll_set() {
    const int fd = ::epoll_create1(EPOLL_CLOEXEC);
    if (fd < 0) throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
    return fd;
}
} // namespace

Worker::Worker(unsigned index, std::chrono::milliseconds io_timeout, uint32_t node_tag)
    : index_(index),
      scratch_(kScratchBytes),
      id_tag_bits_(uint64_t{node_tag} << kNodeTagShift),
      epoll_(io_, new_epoll_set()),
      io_timeout_(io_timeout),
      sweep_timer_(io_) {}

Worker::~Worker() {
    // Connections first: they still name this worker while they go.
    to_flush_.clear();
    flushing_.clear();
    connections_.clear();
}

bool Worker::watch(int fd, sy_conn_id id) {
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    event.data.u64 = id;
    if (::epoll_ctl(epoll_.native_handle(), EPOLL_CTL_ADD, fd, &event) != 0) return false;
    ++watched_;
    await_events();
    return true;
}

void Worker::unwatch(int fd) {
    ::epoll_ctl(epoll_.native_handle(), EPOLL_CTL_DEL, fd, nullptr);
    if (watched_ > 0 && --watched_ == 0 && awaiting_events_) {
        // Nothing left to watch: a pending wait would keep the io_context running.
        boost::system::error_code ignored;
        epoll_.cancel(ignored);
    }
}

void Worker::await_events() {
    if (awaiting_events_ || watched_ == 0) return;
    awaiting_events_ = true;
    epoll_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                      [this](const boost::system::error_code& ec) {
                          awaiting_events_ = false;
                          if (!ec) dispatch_events();
                          await_events();
                      });
}

void Worker::dispatch_events() {
    const int count =
        ::epoll_wait(epoll_.native_handle(), events_.data(), static_cast<int>(events_.size()), 0);
    for (int i = 0; i < count; ++i) {
        auto it = connections_.find(events_[i].data.u64);
        if (it == connections_.end()) continue; // gone since (ids are never reused)
        auto conn = it->second;                 // keep it alive through its own teardown
        conn->on_ready(events_[i].events);
    }
}

uint32_t Worker::io_timeout_ms() const noexcept {
    return static_cast<uint32_t>(
        std::clamp<std::chrono::milliseconds::rep>(io_timeout_.count(), 1, UINT32_MAX));
}

uint32_t Worker::now_ms() const noexcept {
    const auto elapsed = std::chrono::steady_clock::now() - epoch_;
    return static_cast<uint32_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count());
}

void Worker::join_sweep(uint32_t resolution_ms) {
    ++swept_connections_;
    refine_sweep(resolution_ms);
}

void Worker::refine_sweep(uint32_t resolution_ms) {
    resolution_ms = std::clamp<uint32_t>(resolution_ms, 1, kSweepMaxResolutionMs);
    if (resolution_ms < sweep_resolution_ms_) {
        sweep_resolution_ms_ = resolution_ms;
        if (sweep_armed_) sweep_timer_.cancel(); // re-armed at the finer step
    }
    arm_sweep();
}

void Worker::leave_sweep() noexcept {
    if (swept_connections_ > 0) --swept_connections_;
    if (swept_connections_ == 0) {
        sweep_resolution_ms_ = kSweepMaxResolutionMs;
        if (sweep_armed_) sweep_timer_.cancel(); // nothing left: let the loop end
    }
}

void Worker::arm_sweep() {
    if (sweep_armed_ || swept_connections_ == 0) return;
    sweep_armed_ = true;
    sweep_timer_.expires_after(std::chrono::milliseconds(sweep_resolution_ms_));
    sweep_timer_.async_wait([this](const boost::system::error_code& ec) {
        sweep_armed_ = false;
        if (!ec) sweep();
        arm_sweep();
    });
}

void Worker::sweep() {
    // Two passes: what a sweep runs may end a connection, which leaves the map.
    const uint32_t now = now_ms();
    sweep_due_.clear();
    for (const auto& [id, conn] : connections_)
        if (conn->sweep_due(now)) sweep_due_.push_back(id);
    for (sy_conn_id id : sweep_due_) {
        auto it = connections_.find(id);
        if (it == connections_.end()) continue;
        auto conn = it->second; // keep it alive through its own teardown
        conn->run_sweep(now);
    }
}

sy_conn_id Worker::new_connection_id() noexcept {
    const uint64_t count = next_id_.fetch_add(1, std::memory_order_relaxed);
    // A kernel alone keeps the ids it always had.
    if (id_tag_bits_ == 0) return (count << 8) | (index_ & 0xFF);
    // The counter wraps within its field rather than spill into the tag.
    return id_tag_bits_ | ((count & kTaggedCounterMask) << 8) | (index_ & 0xFF);
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
    if (!conn->groups().insert(group)) return;
    groups_[group].push_back(conn);
}

void Worker::group_remove(sy_group_id group, Connection* conn) {
    conn->groups().erase(group);
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
    post_inbox_run();
    return accepted;
}

void Worker::post_task(std::function<void()> task) {
    std::lock_guard lock(inbox_mutex_);
    // Sends wait for an inbox run already posted: the task queues behind them. Otherwise
    // it is posted on its own (under the lock, so a send that comes after it cannot post
    // an inbox run that overtakes it), as cheap as it was before the inbox kept tasks.
    if (inbox_posted_) {
        inbox_tasks_.push_back(InboxTask{inbox_.size(), std::move(task)});
        return;
    }
    boost::asio::post(io_, std::move(task));
}

void Worker::post_inbox_run() {
    if (inbox_posted_) return;
    inbox_posted_ = true;
    boost::asio::post(io_, [this] { run_inbox(); });
}

void Worker::run_inbox() {
    std::vector<sy_conn_id> refused;
    {
        std::lock_guard lock(inbox_mutex_);
        inbox_posted_ = false;
        std::swap(inbox_, inbox_running_);
        std::swap(inbox_tasks_, inbox_tasks_running_);
        refused.swap(inbox_refused_);
    }
    // Sends and tasks in the order they were posted: each task before the sends that
    // came after it.
    auto task = inbox_tasks_running_.begin();
    for (size_t i = 0; i < inbox_running_.size(); ++i) {
        for (; task != inbox_tasks_running_.end() && task->before == i; ++task) task->run();
        auto& [id, frame] = inbox_running_[i];
        if (Connection* conn = find(id)) conn->send(frame);
    }
    for (; task != inbox_tasks_running_.end(); ++task) task->run();
    inbox_running_.clear();
    inbox_tasks_running_.clear();
    for (sy_conn_id id : refused) {
        if (Connection* conn = find(id)) conn->close_slow_consumer(1);
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

void Worker::keep_running() {
    work_ =
        std::make_unique<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
            io_.get_executor());
}

void Worker::let_finish() {
    work_.reset();
}

} // namespace switchyard

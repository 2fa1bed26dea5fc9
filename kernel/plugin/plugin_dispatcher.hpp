// Serializes every call into one plugin instance: the ABI promises a plugin that it is
// never called concurrently, so it needs no locks.
//
// Tasks run one at a time, in the order they were posted, on the plugin's home worker.
// The queue is bounded (a plugin that cannot keep up makes post() fail, and the caller
// applies its policy). A hot reload is one task: what arrives while it runs waits behind
// it and then runs in order on the new instance.
#pragma once

#include <boost/asio/io_context.hpp>

#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>

namespace switchyard {

class PluginDispatcher {
  public:
    using Task = std::function<void()>;

    PluginDispatcher(boost::asio::io_context& home, size_t limit);

    // Queues a task; false when `limit` tasks already wait (nothing queued).
    bool post(Task task);
    // Queues a task even past the limit (lifecycle steps that must not be lost).
    void post_always(Task task);
    // Tasks waiting.
    size_t pending() const;
    // True when called from the thread that runs the tasks.
    bool on_home_thread() const;

  private:
    void schedule_locked();
    void drain();
    static void run(Task& task) noexcept;

    boost::asio::io_context& home_;
    size_t limit_;
    mutable std::mutex mutex_;
    std::deque<Task> tasks_;
    bool scheduled_ = false;
};

} // namespace switchyard

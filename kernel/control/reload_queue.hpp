// Reload requests from the control API wait here for one thread that runs them in turn.
//
// A reload blocks until the plugin's dispatcher has swapped the instance (up to 30 s), so
// it cannot run on the network worker that received the request. A thread per request
// would let a burst of POST .../reload requests start a thread each; this runs them on one
// thread, and refuses a request at once when kMaxWaiting already wait, so the hand-off
// from the workers is bounded like every other.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace switchyard {

class ReloadQueue {
  public:
    using Task = std::function<void()>;
    // Requests that may wait, besides the one running.
    static constexpr size_t kMaxWaiting = 16;

    ReloadQueue();
    // Runs what is queued, then stops the thread.
    ~ReloadQueue();
    ReloadQueue(const ReloadQueue&) = delete;
    ReloadQueue& operator=(const ReloadQueue&) = delete;

    // Queues `task`; false (nothing queued) when kMaxWaiting tasks already wait.
    bool submit(Task task);

  private:
    void run();

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Task> tasks_;
    bool stop_ = false;
    std::thread thread_;
};

} // namespace switchyard

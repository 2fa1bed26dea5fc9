// The file service's own thread: answers requests for files (respond_file) off the
// network workers. Opening a file, walking its path and fstat block on the disk, so they
// happen here; the worker is then handed an open file and sends it with sendfile(2), in
// slices, between its other work.
//
// One per plugin, started on the first request, so a plugin whose disk is slow delays
// only its own files. The queue is bounded: past it a request is refused at once (the
// caller answers 503), never queued without limit.
#pragma once

#include "files/file_answer.hpp"

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace switchyard {

class FileResponder {
  public:
    // Called on the file thread with the answer; it hands the answer to the network.
    using Done = std::function<void(FileAnswer)>;

    explicit FileResponder(size_t queue_limit);
    // Stops the thread; requests still queued are dropped (their `done` never runs).
    ~FileResponder();
    FileResponder(const FileResponder&) = delete;
    FileResponder& operator=(const FileResponder&) = delete;

    // Queues `request`; false when `queue_limit` requests already wait (nothing queued).
    bool submit(FileRequest request, Done done);

  private:
    struct Job {
        FileRequest request;
        Done done;
    };
    void run();

    size_t limit_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Job> jobs_;
    bool stopping_ = false;
    std::thread thread_; // started by the first submit
};

} // namespace switchyard

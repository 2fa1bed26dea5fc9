// One plugin's state writer: the thread that puts what the plugin saves (state_save,
// state_remove) on disk, off the network workers, one write after another in the order
// they were asked for, each durable (durable_file.hpp) before the next starts; after
// each, `done` hears how it went.
//
// Nothing accepted is lost: a stopped plugin's writes still finish, and destroying the
// writer first finishes every queued write. The queue is bounded (writes and their
// bytes); past the bound submit refuses, and the plugin's call fails with SY_ERR_FULL.
#pragma once

#include <switchyard/plugin.h>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace switchyard {

class StateWriter {
  public:
    // Called on the writer's thread after each write: the key, the caller's tag, and
    // SY_OK or SY_ERR_FAILED.
    using Done = std::function<void(const std::string& key, uint64_t tag, sy_status result)>;
    // Writes that may wait, and their bytes.
    static constexpr size_t kMaxWrites = 4096;
    static constexpr size_t kMaxBytes = size_t{128} << 20;

    // Writes into `folder` (created 0700 at the first write); `plugin` names it in logs.
    StateWriter(std::filesystem::path folder, std::string plugin, Done done);
    // Finishes every queued write, then stops the thread.
    ~StateWriter();
    StateWriter(const StateWriter&) = delete;
    StateWriter& operator=(const StateWriter&) = delete;

    // Queues a write of `value` under `key` (a remove when `value` is null); false when
    // the queue is full (nothing queued).
    bool submit(std::string key, std::shared_ptr<const std::string> value, uint64_t tag);
    // Waits until every write queued so far is done.
    void flush();

  private:
    struct Write {
        std::string key;
        std::shared_ptr<const std::string> value; // null: remove
        uint64_t tag = 0;
    };
    void run();
    sy_status perform(const Write& write);

    const std::filesystem::path folder_;
    const std::string plugin_;
    const Done done_;
    bool folder_ready_ = false; // writer thread only

    std::mutex mutex_;
    std::condition_variable wake_;    // the thread: a write queued, or stop
    std::condition_variable settled_; // flush(): the queue ran empty
    std::deque<Write> writes_;
    size_t queued_bytes_ = 0;
    bool busy_ = false; // a write is being performed
    bool stopping_ = false;
    std::thread thread_; // started by the first submit
};

} // namespace switchyard

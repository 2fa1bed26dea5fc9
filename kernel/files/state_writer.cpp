#include "files/state_writer.hpp"

#include "files/durable_file.hpp"
#include "log/rate_limited_log.hpp"

namespace switchyard {

namespace {

// A full or read-only disk fails every write: a bounded number of lines says so.
RateLimitedLog g_write_failures("plugin state writes that failed");

size_t bytes_of(const std::shared_ptr<const std::string>& value) {
    return value ? value->size() : 0;
}

} // namespace

StateWriter::StateWriter(std::filesystem::path folder, std::string plugin, Done done)
    : folder_(std::move(folder)), plugin_(std::move(plugin)), done_(std::move(done)) {}

StateWriter::~StateWriter() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

bool StateWriter::submit(std::string key, std::shared_ptr<const std::string> value, uint64_t tag) {
    {
        std::lock_guard lock(mutex_);
        const size_t bytes = bytes_of(value);
        if (stopping_ || writes_.size() >= kMaxWrites || queued_bytes_ + bytes > kMaxBytes)
            return false;
        queued_bytes_ += bytes;
        writes_.push_back(Write{std::move(key), std::move(value), tag});
        if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    }
    wake_.notify_one();
    return true;
}

void StateWriter::flush() {
    std::unique_lock lock(mutex_);
    settled_.wait(lock, [this] { return writes_.empty() && !busy_; });
}

void StateWriter::run() {
    for (;;) {
        Write write;
        {
            std::unique_lock lock(mutex_);
            // Stopping still drains the queue: what was accepted reaches the disk.
            wake_.wait(lock, [this] { return stopping_ || !writes_.empty(); });
            if (writes_.empty()) return;
            write = std::move(writes_.front());
            writes_.pop_front();
            busy_ = true;
        }
        const sy_status result = perform(write);
        try {
            if (done_) done_(write.key, write.tag, result);
        } catch (const std::exception& e) {
            spdlog::error("plugin {}: state write of '{}' done, but telling the plugin failed: {}",
                          plugin_, write.key, e.what());
        }
        {
            std::lock_guard lock(mutex_);
            queued_bytes_ -= bytes_of(write.value);
            busy_ = false;
        }
        settled_.notify_all();
    }
}

sy_status StateWriter::perform(const Write& write) {
    std::string why;
    if (!folder_ready_) {
        why = make_private_folder(folder_);
        folder_ready_ = why.empty();
    }
    if (why.empty()) {
        why = write.value ? write_durably(folder_, write.key, *write.value)
                          : remove_durably(folder_, write.key);
    }
    if (why.empty()) return SY_OK;
    g_write_failures.warn("plugin {}: state {} of key '{}' failed: {}", plugin_,
                          write.value ? "save" : "remove", write.key, why);
    return SY_ERR_FAILED;
}

} // namespace switchyard

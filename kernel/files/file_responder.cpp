#include "files/file_responder.hpp"

#include <spdlog/spdlog.h>

namespace switchyard {

FileResponder::FileResponder(size_t queue_limit) : limit_(queue_limit) {}

FileResponder::~FileResponder() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        jobs_.clear();
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

bool FileResponder::submit(FileRequest request, Done done) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || jobs_.size() >= limit_) return false;
        jobs_.push_back(Job{std::move(request), std::move(done)});
        if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    }
    wake_.notify_one();
    return true;
}

void FileResponder::run() {
    for (;;) {
        Job job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (stopping_) return;
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        FileAnswer answer;
        try {
            answer = prepare_file_answer(job.request);
        } catch (const std::exception& e) {
            // Out of memory at worst: the client still gets an answer.
            spdlog::error("file service: {} failed: {}", job.request.path, e.what());
            answer.file.reset();
            answer.status = 500;
        }
        job.done(std::move(answer));
    }
}

} // namespace switchyard

// The control API's reload requests wait for one reload thread (control/reload_queue):
// at most kMaxWaiting wait besides the one running, the next is refused at once, and
// requests run one at a time in the order they came.
#include "control/reload_queue.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

using namespace switchyard;

namespace {

// A gate the running task waits behind, so the queue fills deterministically.
struct Gate {
    std::mutex mutex;
    std::condition_variable changed;
    bool open = false;
    bool entered = false;
    std::vector<int> ran;

    void wait_open(int id) {
        std::unique_lock lock(mutex);
        entered = true;
        changed.notify_all();
        changed.wait(lock, [this] { return open; });
        ran.push_back(id);
    }
    bool wait_entered() {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, std::chrono::seconds(10), [this] { return entered; });
    }
    void release() {
        std::lock_guard lock(mutex);
        open = true;
        changed.notify_all();
    }
    bool wait_ran(size_t count) {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, std::chrono::seconds(10),
                                [&] { return ran.size() >= count; });
    }
};

} // namespace

TEST_CASE(
    "reload queue: past kMaxWaiting requests the next is refused at once, the rest run "
    "in order",
    "[control][reload]") {
    Gate gate;
    ReloadQueue queue;
    auto task = [&gate](int id) {
        return [&gate, id] {
            gate.wait_open(id);
            gate.changed.notify_all();
        };
    };
    REQUIRE(queue.submit(task(0)));
    REQUIRE(gate.wait_entered()); // task 0 runs and holds the thread
    for (int id = 1; id <= static_cast<int>(ReloadQueue::kMaxWaiting); ++id) {
        REQUIRE(queue.submit(task(id)));
    }
    CHECK_FALSE(queue.submit(task(-1)));
    gate.release();
    REQUIRE(gate.wait_ran(ReloadQueue::kMaxWaiting + 1));
    std::vector<int> expected;
    for (int id = 0; id <= static_cast<int>(ReloadQueue::kMaxWaiting); ++id) expected.push_back(id);
    std::lock_guard lock(gate.mutex);
    CHECK(gate.ran == expected);
    // Room again once they ran.
    CHECK(queue.submit([] {}));
}

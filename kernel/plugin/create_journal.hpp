// What a new generation's create() does to the kernel while it runs, so that a create()
// that fails leaves nothing behind (DESIGN.md "Hot reload": if any step fails, the old
// instance keeps serving as if nothing had been tried).
//
// A create() calls the host table like any hook. What it changes in the runtime's own
// tables (timers it starts, groups it makes, memberships, connection state) is done at
// once, so the create sees its own changes, and an undo step is recorded. What reaches
// beyond the runtime (a frame to send, a close, a keepalive, a broadcast, the cancel of a
// timer the old instance started) is held until the create has succeeded. On success
// the held effects run in the order they were asked for; on failure the undo steps run,
// newest first, and the held effects are dropped, so the old instance never hears of a
// timer it did not start and no client sees a message of a generation that never served.
//
// Dispatcher thread only, like the create() it records.
#pragma once

#include <switchyard/plugin.h>

#include <functional>
#include <utility>
#include <vector>

namespace switchyard {

class CreateJournal {
  public:
    using Step = std::function<void()>;

    // Starts recording a create(); timers it starts get ids from `first_timer` on.
    void open(sy_timer_id first_timer) {
        open_ = true;
        first_timer_ = first_timer;
    }
    // True while a create() is being recorded.
    bool is_open() const noexcept { return open_; }
    // True when `timer` was started by the create() being recorded.
    bool started_here(sy_timer_id timer) const noexcept { return open_ && timer >= first_timer_; }

    // Records how to undo a change the create() made to the runtime's tables.
    void on_failure(Step undo) { undo_.push_back(std::move(undo)); }
    // Holds an effect outside the runtime's tables until the create() succeeds.
    void hold(Step effect) { held_.push_back(std::move(effect)); }

    // The create() succeeded: stops recording, then runs the held effects in order.
    void commit() {
        auto held = close();
        for (auto& effect : held) effect();
    }
    // The create() failed: stops recording, undoes its changes (newest first) and drops
    // what it held.
    void roll_back() {
        auto undo = std::exchange(undo_, {});
        close();
        for (auto step = undo.rbegin(); step != undo.rend(); ++step) (*step)();
    }

  private:
    std::vector<Step> close() {
        open_ = false;
        undo_.clear();
        return std::exchange(held_, {});
    }

    bool open_ = false;
    sy_timer_id first_timer_ = 0;
    std::vector<Step> undo_;
    std::vector<Step> held_;
};

} // namespace switchyard

#include "plugin/timer_table.hpp"

#include <chrono>

namespace switchyard {

TimerTable::TimerTable(boost::asio::io_context& io, PluginDispatcher& dispatcher,
                       CreateJournal& journal, Fire fire)
    : io_(io), dispatcher_(dispatcher), journal_(journal), fire_(std::move(fire)) {}

sy_timer_id TimerTable::start(uint64_t delay_ms, uint64_t interval_ms, uint64_t tag) {
    const sy_timer_id id = next_++;
    TimerRecord record;
    record.timer = std::make_unique<boost::asio::steady_timer>(io_);
    record.tag = tag;
    record.interval_ms = interval_ms;
    timers_.emplace(id, std::move(record));
    arm(id, delay_ms);
    // A failed create() takes its timers with it: they never fire into the old instance.
    if (journal_.is_open()) journal_.on_failure([this, id] { timers_.erase(id); });
    return id;
}

bool TimerTable::cancel(sy_timer_id id) {
    auto it = timers_.find(id);
    if (it == timers_.end()) return false;
    if (journal_.is_open() && !journal_.started_here(id)) {
        // A timer of the old instance stays until the create() that cancels it succeeds.
        journal_.hold([this, id] { timers_.erase(id); });
        return true;
    }
    timers_.erase(it);
    return true;
}

void TimerTable::arm(sy_timer_id id, uint64_t delay_ms) {
    auto it = timers_.find(id);
    if (it == timers_.end()) return;
    it->second.timer->expires_after(std::chrono::milliseconds(delay_ms));
    it->second.timer->async_wait([this, id](const boost::system::error_code& ec) {
        if (ec) return;
        dispatcher_.post_always([this, id] {
            auto it = timers_.find(id);
            if (it == timers_.end()) return;
            const uint64_t tag = it->second.tag;
            if (it->second.interval_ms != 0) {
                arm(id, it->second.interval_ms);
            } else {
                timers_.erase(it);
            }
            fire_(id, tag);
        });
    });
}

} // namespace switchyard

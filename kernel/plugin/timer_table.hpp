// The timers a plugin started (host functions timer_start and timer_cancel). They belong
// to the runtime, not to an instance, so they survive a hot reload; a timer that is due
// fires through the plugin's dispatcher, like every other call into the plugin.
//
// Dispatcher thread only. While a new generation's create() runs (the journal is open),
// the timers it starts are undone if it fails, and the timers of the old instance it
// cancels stay until it succeeds (create_journal.hpp).
#pragma once

#include "plugin/create_journal.hpp"
#include "plugin/plugin_dispatcher.hpp"

#include <switchyard/plugin.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>

namespace switchyard {

class TimerTable {
  public:
    // Called on the dispatcher when timer `id` (started with `tag`) is due.
    using Fire = std::function<void(sy_timer_id id, uint64_t tag)>;

    // Timers wait on `io` (the plugin's home worker) and fire through `dispatcher`.
    TimerTable(boost::asio::io_context& io, PluginDispatcher& dispatcher, CreateJournal& journal,
               Fire fire);
    TimerTable(const TimerTable&) = delete;
    TimerTable& operator=(const TimerTable&) = delete;

    // Starts a timer due in `delay_ms`, then every `interval_ms` (0: once); its id.
    sy_timer_id start(uint64_t delay_ms, uint64_t interval_ms, uint64_t tag);
    // Stops timer `id`; false when it is not running.
    bool cancel(sy_timer_id id);
    // Stops every timer (the instance is going away).
    void clear() { timers_.clear(); }
    // The id the next timer started gets.
    sy_timer_id next_id() const noexcept { return next_; }

  private:
    struct TimerRecord {
        std::unique_ptr<boost::asio::steady_timer> timer;
        uint64_t tag = 0;
        uint64_t interval_ms = 0;
    };

    void arm(sy_timer_id id, uint64_t delay_ms);

    boost::asio::io_context& io_;
    PluginDispatcher& dispatcher_;
    CreateJournal& journal_;
    Fire fire_;
    std::unordered_map<sy_timer_id, TimerRecord> timers_;
    sy_timer_id next_ = 1;
};

} // namespace switchyard

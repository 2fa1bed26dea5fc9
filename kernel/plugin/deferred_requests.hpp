// The HTTP requests a plugin answers later (on_http returned SY_DEFERRED), held by their
// request id until the plugin answers them (respond, respond_file), their deadline passes
// (504), or the plugin goes (503).
//
// Every request on an HTTP route gets an id before on_http runs, so respond_file can be
// called from inside on_http itself. Ids come from one kernel-wide counter: unique, never
// reused, never 0. The number a plugin may hold at once is bounded: past it a deferral is
// answered 503 at once, so a plugin that forgets its answers cannot pile up sockets.
//
// Dispatcher thread only, like every other piece of a plugin's kernel-side state.
#pragma once

#include "net/http_exchange.hpp"
#include "plugin/plugin_dispatcher.hpp"

#include <switchyard/plugin.h>

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace switchyard {

// How long a deferred request waits for its answer, and how many a plugin may hold.
// Read from the plugin's table (respond_timeout_ms, max_deferred), which the kernel reads
// like enabled and listen.
struct DeferralLimits {
    std::chrono::milliseconds deadline{30'000};
    size_t max_pending = 1024;
};

// The limits `settings_json` (a plugin table's own keys, as JSON) sets. Throws
// std::invalid_argument naming the key when a value is not a positive integer in range.
DeferralLimits deferral_limits_from(std::string_view settings_json);

class DeferredRequests {
  public:
    DeferredRequests(boost::asio::io_context& home, PluginDispatcher& dispatcher,
                     std::string plugin, DeferralLimits limits);
    ~DeferredRequests();
    DeferredRequests(const DeferredRequests&) = delete;
    DeferredRequests& operator=(const DeferredRequests&) = delete;

    // Gives `exchange` a fresh request id and holds it while on_http runs.
    sy_request_id open(const HttpExchangePtr& exchange);
    // on_http returned SY_DEFERRED: starts the deadline and watches the client. A request
    // answered already (from inside on_http) is left alone; one past max_pending is
    // answered 503 now.
    void hold(sy_request_id id);
    // Stops holding the request and hands it over for its answer; nullptr when the id is
    // unknown or answered already.
    HttpExchangePtr take(sy_request_id id);
    // Answers every request still held with `status` (the plugin is going away).
    void answer_all(unsigned status, std::string_view code, std::string_view message);
    // Requests held.
    size_t size() const noexcept { return held_.size(); }

  private:
    struct Held {
        HttpExchangePtr exchange;
        std::unique_ptr<boost::asio::steady_timer> deadline; // set once deferred
    };
    void expire(sy_request_id id);

    boost::asio::io_context& home_;
    PluginDispatcher& dispatcher_;
    std::string plugin_;
    DeferralLimits limits_;
    size_t deferred_ = 0; // held with a deadline (not the one on_http is answering)
    std::unordered_map<sy_request_id, Held> held_;
};

} // namespace switchyard

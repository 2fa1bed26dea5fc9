#include "plugin/deferred_requests.hpp"

#include <boost/json/parse.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <stdexcept>

namespace switchyard {

namespace {

std::atomic<sy_request_id> g_next_request_id{1};

// A positive integer key of the plugin's table, within [1, max]; `fallback` when absent.
uint64_t positive_key(const boost::json::object& table, std::string_view key, uint64_t fallback,
                      uint64_t max) {
    const auto* value = table.if_contains(key);
    if (value == nullptr) return fallback;
    uint64_t n = 0;
    if (value->is_int64() && value->as_int64() > 0) {
        n = static_cast<uint64_t>(value->as_int64());
    } else if (value->is_uint64()) {
        n = value->as_uint64();
    }
    if (n == 0 || n > max) {
        throw std::invalid_argument("config key '" + std::string(key) +
                                    "' must be an integer from 1 to " + std::to_string(max));
    }
    return n;
}

} // namespace

DeferralLimits deferral_limits_from(std::string_view settings_json) {
    DeferralLimits limits;
    boost::system::error_code ec;
    const auto value = boost::json::parse(settings_json, ec);
    if (ec || !value.is_object()) return limits;
    const auto& table = value.as_object();
    limits.deadline = std::chrono::milliseconds(positive_key(
        table, "respond_timeout_ms", static_cast<uint64_t>(limits.deadline.count()), 3'600'000));
    limits.max_pending = positive_key(table, "max_deferred", limits.max_pending, 1'000'000);
    return limits;
}

DeferredRequests::DeferredRequests(boost::asio::io_context& home, PluginDispatcher& dispatcher,
                                   std::string plugin, DeferralLimits limits)
    : home_(home), dispatcher_(dispatcher), plugin_(std::move(plugin)), limits_(limits) {}

DeferredRequests::~DeferredRequests() = default;

sy_request_id DeferredRequests::open(const HttpExchangePtr& exchange) {
    const sy_request_id id = g_next_request_id.fetch_add(1, std::memory_order_relaxed);
    exchange->set_request_id(id);
    held_.emplace(id, Held{exchange, nullptr});
    return id;
}

void DeferredRequests::hold(sy_request_id id) {
    auto it = held_.find(id);
    if (it == held_.end()) return; // answered from inside on_http
    if (deferred_ >= limits_.max_pending) {
        spdlog::warn("plugin {}: {} requests await a deferred answer already; answering 503",
                     plugin_, deferred_);
        HttpExchangePtr exchange = std::move(it->second.exchange);
        held_.erase(it);
        exchange->respond(503, "application/json",
                          error_json("BUSY", "too many requests await an answer"));
        return;
    }
    ++deferred_;
    auto& timer = it->second.deadline;
    timer = std::make_unique<boost::asio::steady_timer>(home_, limits_.deadline);
    timer->async_wait([this, id](const boost::system::error_code& ec) {
        if (ec) return; // answered, or the plugin went: the timer was cancelled
        dispatcher_.post_always([this, id] { expire(id); });
    });
    it->second.exchange->await_later_answer();
}

HttpExchangePtr DeferredRequests::take(sy_request_id id) {
    auto it = held_.find(id);
    if (it == held_.end()) return nullptr;
    HttpExchangePtr exchange = std::move(it->second.exchange);
    if (it->second.deadline) --deferred_;
    held_.erase(it); // destroys the timer, which cancels it
    return exchange;
}

void DeferredRequests::expire(sy_request_id id) {
    HttpExchangePtr exchange = take(id);
    if (!exchange) return;
    spdlog::warn(
        "plugin {}: no answer to {} {} within {} ms; answering 504", plugin_,
        std::string_view(exchange->abi_request().method.ptr, exchange->abi_request().method.len),
        exchange->path(), limits_.deadline.count());
    exchange->respond(504, "application/json",
                      error_json("TIMEOUT", "the plugin did not answer in time"));
}

void DeferredRequests::answer_all(unsigned status, std::string_view code,
                                  std::string_view message) {
    auto held = std::exchange(held_, {});
    deferred_ = 0;
    for (auto& [id, request] : held) {
        request.exchange->respond(status, "application/json", error_json(code, message));
    }
}

} // namespace switchyard

#include "plugin/follow_table.hpp"

#include "auth/http_fields.hpp"
#include "log/rate_limited_log.hpp"
#include "net/header_field.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <utility>

namespace switchyard {

namespace {

constexpr uint64_t kDefaultMaxEventBytes = 1 << 20;
constexpr uint32_t kDefaultConnectTimeoutMs = 10000;

// A plugin's refused follow_open is its bug (it may retry in a loop): rate-limited.
RateLimitedLog g_refused("refused follow_open calls");

std::string_view sv(sy_str s) {
    return s.ptr == nullptr ? std::string_view() : std::string_view(s.ptr, s.len);
}
sy_str to_sy(std::string_view s) {
    return sy_str{s.data(), s.size()};
}

// Headers the kernel writes on the request itself: a plugin's copy is dropped.
bool is_own_request_header(std::string_view name) {
    constexpr std::array<std::string_view, 8> kOwn = {
        "Host",       "Accept",         "Cache-Control",     "Last-Event-ID",
        "Connection", "Content-Length", "Transfer-Encoding", "Upgrade"};
    for (const auto own : kOwn) {
        if (auth::iequals(name, own)) return true;
    }
    return false;
}

} // namespace

FollowTable::FollowTable(WorkerPool& pool, PluginDispatcher& dispatcher, CreateJournal& journal,
                         std::string plugin, Hook hook)
    : pool_(pool),
      dispatcher_(dispatcher),
      journal_(journal),
      plugin_(std::move(plugin)),
      hook_(std::move(hook)) {}

FollowTable::~FollowTable() {
    clear();
}

sy_follow_id FollowTable::open(const sy_follow_v1& follow) {
    if (follows_.size() >= kMaxFollows) {
        g_refused.warn("plugin {}: follow_open refused: it follows {} streams already", plugin_,
                       kMaxFollows);
        return 0;
    }
    std::string why;
    auto url = parse_follow_url(sv(follow.url), why);
    if (!url) {
        g_refused.warn("plugin {}: follow_open refused: {} ('{}')", plugin_, why,
                       sv(follow.url).substr(0, 200));
        return 0;
    }
    FollowSpec spec;
    spec.url = std::move(*url);
    spec.last_event_id = sv(follow.last_event_id);
    if (!is_valid_header_field("Last-Event-ID", spec.last_event_id)) {
        g_refused.warn("plugin {}: follow_open refused: its last_event_id holds CR, LF or NUL",
                       plugin_);
        return 0;
    }
    for (size_t i = 0; i < follow.header_count && follow.headers != nullptr; ++i) {
        const std::string_view name = sv(follow.headers[i].name);
        const std::string_view value = sv(follow.headers[i].value);
        if (!is_valid_header_field(name, value) || is_own_request_header(name)) {
            g_refused.warn(
                "plugin {}: follow_open: header '{}' dropped (malformed, or one the "
                "kernel writes itself)",
                plugin_, name.substr(0, 100));
            continue;
        }
        spec.headers.emplace_back(name, value);
    }
    spec.max_event_bytes =
        follow.max_event_bytes != 0 ? follow.max_event_bytes : kDefaultMaxEventBytes;
    spec.connect_timeout = std::chrono::milliseconds(
        follow.connect_timeout_ms != 0 ? follow.connect_timeout_ms : kDefaultConnectTimeoutMs);
    spec.idle_timeout = std::chrono::milliseconds(follow.idle_timeout_ms);
    spec.max_waiting_events = kMaxWaitingEvents;
    spec.max_waiting_bytes = std::max<size_t>(4 << 20, 2 * spec.max_event_bytes);

    const sy_follow_id id = next_++;
    const std::string target = spec.url.host_header + spec.url.target;
    auto post_news = [this, id](FollowNews news) {
        // Bounded by the follower (it stops reading past its bound): never refused.
        dispatcher_.post_always(
            [this, id, news = std::move(news)]() mutable { deliver(id, news); });
    };
    FollowRecord record;
    record.tag = follow.tag;
    record.follower =
        EventStreamFollower::start(pool_.next().io(), std::move(spec), std::move(post_news));
    follows_.emplace(id, std::move(record));
    spdlog::debug("plugin {}: follow {} opened: http://{}", plugin_, id, target);
    // A failed create() takes its follows with it: the old instance never hears of them.
    if (journal_.is_open()) journal_.on_failure([this, id] { erase(id); });
    return id;
}

bool FollowTable::close(sy_follow_id id) {
    if (follows_.find(id) == follows_.end()) return false;
    if (journal_.is_open() && id < first_in_create_) {
        // A follow of the old instance stays until the create() that closes it succeeds.
        journal_.hold([this, id] { erase(id); });
        return true;
    }
    erase(id);
    return true;
}

void FollowTable::erase(sy_follow_id id) {
    auto it = follows_.find(id);
    if (it == follows_.end()) return;
    it->second.follower->stop();
    follows_.erase(it);
}

void FollowTable::clear() {
    for (auto& [id, record] : follows_) record.follower->stop();
    follows_.clear();
}

void FollowTable::deliver(sy_follow_id id, FollowNews& news) {
    auto it = follows_.find(id);
    if (it == follows_.end()) return; // closed by the plugin, or the plugin stopped
    const std::shared_ptr<EventStreamFollower> follower = it->second.follower;
    sy_follow_event_v1 event{};
    event.struct_size = sizeof event;
    event.kind = news.kind;
    event.tag = it->second.tag;
    event.id = to_sy(news.id);
    event.event = to_sy(news.event);
    event.data = to_sy(news.data);
    event.http_status = news.http_status;
    event.reason = to_sy(news.reason);
    if (news.kind == SY_FOLLOW_CLOSED) {
        // The id is dead before the plugin hears it: a follow_close of it is NOT_FOUND.
        follows_.erase(it);
        spdlog::debug("plugin {}: follow {} closed: {}", plugin_, id, news.reason);
        const sy_status status = hook_(id, event);
        if (status != SY_OK)
            spdlog::error("plugin {}: on_follow failed (status {}) for CLOSED of follow {}",
                          plugin_, status, id);
        return;
    }
    const sy_status status = hook_(id, event);
    follower->delivered(news.bytes());
    if (status == SY_OK) return;
    spdlog::error("plugin {}: on_follow failed (status {}) on follow {}; ending it", plugin_,
                  status, id);
    it = follows_.find(id);
    if (it == follows_.end()) return; // the plugin closed it itself: no more news
    follower->stop();
    follows_.erase(it);
    FollowNews closed;
    closed.kind = SY_FOLLOW_CLOSED;
    closed.reason = "on_follow failed";
    event.kind = SY_FOLLOW_CLOSED;
    event.id = event.event = event.data = sy_str{nullptr, 0};
    event.http_status = 0;
    event.reason = to_sy(closed.reason);
    hook_(id, event);
}

} // namespace switchyard

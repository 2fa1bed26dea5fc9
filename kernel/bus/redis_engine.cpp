#include "bus/redis_engine.hpp"

#include "bus/local_streams.hpp"
#include "bus/redis_codec.hpp"
#include "bus/redis_connection.hpp"
#include "bus/redis_probe.hpp"
#include "log/rate_limited_log.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <pthread.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace switchyard {

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// How long the follower's XREAD waits at Redis for new entries before it is re-issued.
constexpr auto kFollowBlock = 1000ms;
// Entries one XREAD returns per stream; a full batch is followed at once by the next.
constexpr int kFollowBatch = 128;
// Reconnect backoff: doubled from the first to the cap after each failed attempt.
constexpr auto kFirstBackoff = 50ms;
constexpr auto kMaxBackoff = 2000ms;
// The streams log's length: one entry per node per stream per connection.
constexpr int kStreamsLogLength = 10000;

RateLimitedLog bad_entries("redis bus entries that are not a Switchyard node's");

using resp::is_text;
using resp::text_of;

// An entry ID as its two numbers, for "which is later" (IDs compare as pairs).
struct StreamId {
    uint64_t ms = 0;
    uint64_t seq = 0;
    auto operator<=>(const StreamId&) const = default;
};

std::optional<StreamId> parse_stream_id(std::string_view id) {
    const size_t dash = id.find('-');
    if (dash == std::string_view::npos) return {};
    StreamId out;
    const auto ms = id.substr(0, dash), seq = id.substr(dash + 1);
    auto parse = [](std::string_view text, uint64_t& value) {
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        return ec == std::errc{} && end == text.data() + text.size() && !text.empty();
    };
    if (!parse(ms, out.ms) || !parse(seq, out.seq)) return {};
    return out;
}

std::string id_text(StreamId id) {
    return std::to_string(id.ms) + "-" + std::to_string(id.seq);
}

// The first entry's ID in an XREVRANGE ... COUNT 1 reply (the newest); none for an empty
// stream.
std::optional<std::string_view> newest_id_of(const redisReply& reply) {
    if (reply.type != REDIS_REPLY_ARRAY || reply.elements == 0) return {};
    const redisReply* entry = reply.element[0];
    if (entry == nullptr || entry->type != REDIS_REPLY_ARRAY || entry->elements < 1 ||
        !is_text(entry->element[0])) {
        return {};
    }
    return text_of(*entry->element[0]);
}

// The newest entry's seq in an XREVRANGE ... COUNT 1 reply; 0 for an empty stream.
uint64_t newest_seq_of(const redisReply& reply) {
    const auto id = newest_id_of(reply);
    return id ? redis_codec::seq_of_id(*id).value_or(0) : 0;
}

class RedisEngine final : public BusEngine {
  public:
    explicit RedisEngine(RedisEngineOptions options)
        : options_(std::move(options)),
          streams_(options_.replay),
          log_key_(redis_codec::streams_log_key(options_.key_prefix)),
          set_key_(redis_codec::streams_set_key(options_.key_prefix)),
          work_(asio::make_work_guard(io_)),
          reconnect_timer_(io_),
          reason_("is connecting to Redis") {
        thread_ = std::thread([this] {
            pthread_setname_np(pthread_self(), "sy-bus-redis");
            io_.run();
        });
        asio::post(io_, [this] { connect(); });
    }

    ~RedisEngine() override { RedisEngine::stop(); }

    void stop() override {
        if (stopped_.exchange(true)) return;
        available_ = false; // publishes from now on fail here, not on the bus thread
        asio::post(io_, [this] {
            stopping_ = true;
            state_ = State::Disconnected;
            available_ = false;
            {
                std::lock_guard lock(reason_mutex_);
                reason_ = "is stopped";
            }
            reconnect_timer_.cancel();
            drop_connections();
        });
        work_.reset();
        thread_.join();
    }

    EventPtr publish(Event event) override {
        prepare(event);
        // Fails fast while down, without a trip through the bus thread.
        if (!available_.load()) std::rethrow_exception(unavailable(current_reason()));
        auto promise = std::make_shared<std::promise<EventPtr>>();
        auto future = promise->get_future();
        asio::post(io_, [this, event = std::move(event), promise]() mutable {
            append(std::move(event), [promise](EventPtr published, std::exception_ptr error) {
                if (error) promise->set_exception(error);
                else promise->set_value(std::move(published));
            });
        });
        // The connection's own deadline answers first; this only guards a stuck thread.
        if (future.wait_for(options_.timeout * 2 + 1s) != std::future_status::ready) {
            throw BusUnavailable("Redis at " + options_.endpoint.describe() +
                                 " did not answer the publish in time");
        }
        return future.get();
    }

    void publish_async(std::vector<Event> events, PublishDone done) override {
        try {
            for (auto& event : events) prepare(event);
        } catch (...) {
            done({}, std::current_exception());
            return;
        }
        if (!available_.load()) {
            done({}, unavailable(current_reason()));
            return;
        }
        asio::post(io_, [this, events = std::move(events), done = std::move(done)]() mutable {
            append_all(std::move(events), std::move(done));
        });
    }

    SubscriptionId subscribe(std::string stream, EventSink sink, std::optional<uint64_t> after_seq,
                             ReplayResult* replay) override {
        if (after_seq) catch_up(stream, *after_seq);
        return streams_.subscribe(std::move(stream), std::move(sink), after_seq, replay);
    }

    void unsubscribe(SubscriptionId id) override { streams_.unsubscribe(id); }

    ReplayResult replay_after(std::string_view stream, uint64_t after_seq) const override {
        // Waiting for the mirror changes nothing a caller sees but the timing: logically const.
        const_cast<RedisEngine*>(this)->catch_up(stream, after_seq);
        return streams_.replay_after(stream, after_seq);
    }

    uint64_t last_seq(std::string_view stream) const override { return streams_.last_seq(stream); }
    std::vector<StreamStats> stream_stats() const override { return streams_.stats(); }

    std::string_view engine_name() const override { return "redis"; }

    bool available() const noexcept override { return available_.load(); }

    BusStats stats() const override {
        BusStats out;
        out.reconnects = reconnects_.load();
        out.publish_failures = publish_failures_.load();
        out.gaps = gaps_.load();
        out.resets = resets_.load();
        return out;
    }

    std::string unavailable_reason() const override {
        if (available_.load()) return {};
        return "the bus engine (redis) " + current_reason();
    }

  private:
    using AppendDone = std::function<void(EventPtr, std::exception_ptr)>;

    // On the caller's thread: what the memory engine checks, and the stream and time.
    void prepare(Event& event) const {
        if (on_bus_thread()) {
            throw std::logic_error("a bus sink published: sinks must not call the engine");
        }
        check_publishable(event);
        event.ts = unix_time_ms();
    }

    std::string current_reason() const {
        std::lock_guard lock(reason_mutex_);
        return reason_;
    }

    bool on_bus_thread() const noexcept { return std::this_thread::get_id() == thread_.get_id(); }

    std::exception_ptr unavailable(std::string_view why) const {
        publish_failures_.fetch_add(1, std::memory_order_relaxed);
        return std::make_exception_ptr(
            BusUnavailable("the bus engine (redis) " + std::string(why)));
    }

    // ---- publishing (bus thread) ----

    void append_all(std::vector<Event> events, PublishDone done) {
        struct Batch {
            std::vector<EventPtr> published;
            std::exception_ptr error;
            size_t answered = 0;
            PublishDone done;
        };
        auto batch = std::make_shared<Batch>();
        batch->published.resize(events.size());
        batch->done = std::move(done);
        if (events.empty()) return batch->done({}, nullptr);
        for (size_t i = 0; i < events.size(); ++i) {
            append(std::move(events[i]), [batch, i](EventPtr published, std::exception_ptr error) {
                if (error && !batch->error) batch->error = error;
                batch->published[i] = std::move(published);
                if (++batch->answered < batch->published.size()) return;
                // The published prefix: a pipeline stops being trusted at its first failure.
                auto first_missing =
                    std::find(batch->published.begin(), batch->published.end(), nullptr);
                batch->published.erase(first_missing, batch->published.end());
                batch->done(std::move(batch->published), batch->error);
            });
        }
    }

    void append(Event event, AppendDone done) {
        if (state_ != State::Connected) return done(nullptr, unavailable("is not connected"));
        announce(event.stream);
        auto stored = std::make_shared<Event>(std::move(event));
        const redis_codec::XaddCommand xadd(
            options_.key_prefix, *stored,
            redis_codec::trim_for(options_.replay.of(stored->stream), footprint(*stored)));
        cmd_->send(xadd.args(), [this, epoch = epoch_, stored, done = std::move(done)](
                                    resp::Reply reply, std::string_view error) {
            if (!error.empty()) {
                // After failed(), the pending replies hear "closed": say what really happened.
                return done(nullptr, epoch == epoch_
                                         ? unavailable("lost Redis: " + std::string(error))
                                         : unavailable(current_reason()));
            }
            const auto seq = is_text(reply.get()) ? redis_codec::seq_of_id(text_of(*reply))
                                                  : std::optional<uint64_t>{};
            if (!seq) {
                const std::string why = reply->type == REDIS_REPLY_ERROR
                                            ? std::string(text_of(*reply))
                                            : "an unexpected reply";
                spdlog::error("bus: Redis refused an append to {}: {}", stored->stream, why);
                return done(nullptr, unavailable("refused the append: " + why));
            }
            stored->seq = *seq;
            if (epoch == epoch_) deliver_own(stored);
            done(stored, nullptr);
        });
    }

    // This node's own event, numbered: delivered now when it is the stream's next, so the
    // publisher's clients need not wait for the follower. Lower: the follower delivered it
    // already; higher: another node's event is still on its way, and the follower will
    // deliver both in order.
    //
    // At or below the mirror's newest but past what the follower read: no node can have
    // delivered that seq here, so Redis numbered it a second time (it lost entries: a
    // flush, or a restart that dropped unsynced writes). Start the stream again from it.
    void deliver_own(const EventPtr& event) {
        const uint64_t last = streams_.last_seq(event->stream);
        if (event->seq == last + 1) {
            streams_.append(event, true);
        } else if (event->seq <= last && event->seq > read_to(event->stream)) {
            went_back(event->stream, event->seq - 1, last);
            streams_.append(event, true);
        }
    }

    // The newest seq the follower (or priming) read from Redis for `stream`.
    uint64_t read_to(const std::string& stream) const {
        auto it = followed_.find(stream);
        return it == followed_.end() ? 0 : it->second.seq;
    }

    void went_back(const std::string& stream, uint64_t redis_last, uint64_t held) {
        spdlog::error(
            "bus: Redis's stream {} ends at seq {} but this node holds up to {}: "
            "Redis lost entries (a flush, or a restart without appendfsync always); "
            "numbering goes on from {} and clients may see those seqs again",
            stream, redis_last, held, redis_last);
        streams_.reset(stream, redis_last);
        followed_[stream] = StreamId{0, redis_last};
        resets_.fetch_add(1, std::memory_order_relaxed);
    }

    // The first publish to a stream on a connection tells the other nodes about it (the set
    // for nodes that connect later, the log to wake the followers of nodes connected now).
    // Both are pipelined ahead of the XADD, so no follower can see the log entry before the
    // stream's first event could be there.
    void announce(const std::string& stream) {
        if (!announced_.insert(stream).second) return;
        followed_.try_emplace(stream, StreamId{});
        const std::string limit = std::to_string(kStreamsLogLength);
        const std::array<std::string_view, 3> sadd = {"SADD", set_key_, stream};
        const std::array<std::string_view, 8> log = {"XADD", log_key_, "MAXLEN", "~",
                                                     limit,  "*",      "stream", stream};
        cmd_->send(sadd, ignore_reply());
        cmd_->send(log, ignore_reply());
    }

    RedisConnection::ReplyHandler ignore_reply() {
        return [](resp::Reply reply, std::string_view) {
            if (reply && reply->type == REDIS_REPLY_ERROR)
                spdlog::warn("bus: Redis refused to record a stream: {}", text_of(*reply));
        };
    }

    // ---- a cursor ahead of the mirror (any thread but the bus's) ----

    // A client that moved from another node may carry a seq this node's follower has not
    // read yet (it is a round trip behind). Ask Redis for the stream's newest seq; when the
    // cursor is within it, wait for the mirror to reach it, so the replay is exact rather
    // than a false gap. A cursor past Redis's newest is a real gap and waits for nothing.
    void catch_up(std::string_view stream, uint64_t after_seq) {
        if (on_bus_thread() || !available_.load() || stopped_.load()) return;
        if (after_seq <= streams_.last_seq(stream)) return;
        auto newest = std::make_shared<std::promise<uint64_t>>();
        auto future = newest->get_future();
        asio::post(io_, [this, name = std::string(stream), newest] {
            if (state_ != State::Connected) return newest->set_value(0);
            follow_stream(name);
            const std::string key = redis_codec::stream_key(options_.key_prefix, name);
            const std::array<std::string_view, 6> last = {"XREVRANGE", key, "+", "-", "COUNT", "1"};
            cmd_->send(last, [newest](resp::Reply reply, std::string_view error) {
                newest->set_value(error.empty() ? newest_seq_of(*reply) : 0);
            });
        });
        const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
        if (future.wait_until(deadline) != std::future_status::ready) return;
        if (future.get() >= after_seq) streams_.wait_for_seq(stream, after_seq, deadline);
    }

    // ---- connecting (bus thread) ----

    enum class State { Disconnected, Connecting, Syncing, Connected };

    void connect() {
        if (stopping_) return;
        state_ = State::Connecting;
        const uint64_t epoch = ++epoch_;
        announced_.clear();
        opened_ = 0;
        cmd_ = RedisConnection::create(io_, options_.endpoint, options_.timeout,
                                       options_.max_reply_bytes);
        // XREAD BLOCK waits at Redis on purpose: its reply deadline allows for that.
        follow_ = RedisConnection::create(io_, options_.endpoint, options_.timeout + kFollowBlock,
                                          options_.max_reply_bytes);
        for (const auto& connection : {cmd_, follow_}) {
            connection->on_closed([this, epoch](std::string_view why) {
                if (epoch == epoch_) failed(why);
            });
            connection->async_open([this, epoch](std::string_view error) {
                if (epoch != epoch_) return;
                if (!error.empty()) return failed(error);
                if (++opened_ == 2) sync();
            });
        }
    }

    // Before taking publishes: where the streams log is, which streams exist, and for each
    // the newest entries (a stream this node never held) or its newest seq (one it holds:
    // Redis must not have gone back behind the mirror).
    void sync() {
        state_ = State::Syncing;
        name_connections();
        const uint64_t epoch = epoch_;
        // Redis before 7.0 cannot number entries (XADD 0-*): said once, then retried, so an
        // upgraded Redis is taken without a restart.
        const std::array<std::string_view, 2> info = {"INFO", "server"};
        cmd_->send(info, [this, epoch](resp::Reply reply, std::string_view error) {
            if (epoch != epoch_ || !error.empty()) return;
            const std::string problem =
                is_text(reply.get())
                    ? redis_server_problem(text_of(*reply), options_.endpoint.describe())
                    : "Redis at " + options_.endpoint.describe() + " refused INFO server";
            if (!problem.empty()) failed(problem);
        });
        const std::array<std::string_view, 6> log_end = {"XREVRANGE", log_key_, "+",
                                                         "-",         "COUNT",  "1"};
        cmd_->send(log_end, [this, epoch](resp::Reply reply, std::string_view error) {
            if (epoch != epoch_ || !error.empty()) return;
            const auto newest = newest_id_of(*reply);
            log_cursor_ = newest ? parse_stream_id(*newest).value_or(StreamId{}) : StreamId{};
        });
        const std::array<std::string_view, 2> members = {"SMEMBERS", set_key_};
        cmd_->send(members, [this, epoch](resp::Reply reply, std::string_view error) {
            if (epoch != epoch_ || !error.empty()) return;
            std::set<std::string> names;
            for (auto& name : streams_.names()) {
                if (streams_.last_seq(name) > 0) names.insert(std::move(name));
            }
            if (reply->type == REDIS_REPLY_ARRAY) {
                for (size_t i = 0; i < reply->elements; ++i) {
                    if (is_text(reply->element[i])) names.emplace(text_of(*reply->element[i]));
                }
            }
            read_newest(std::vector<std::string>(names.begin(), names.end()));
        });
    }

    void name_connections() {
        for (const auto& [connection, role] :
             {std::pair{cmd_, "cmd"}, std::pair{follow_, "follow"}}) {
            const std::string name = options_.client_name + ":" + role;
            const std::array<std::string_view, 3> setname = {"CLIENT", "SETNAME", name};
            connection->send(setname, ignore_reply());
        }
    }

    void read_newest(std::vector<std::string> names) {
        const uint64_t epoch = epoch_;
        auto remaining = std::make_shared<size_t>(names.size());
        if (names.empty()) return synced();
        for (auto& name : names) {
            const bool held = streams_.last_seq(name) > 0;
            const std::string count =
                std::to_string(held ? 1 : std::max<size_t>(1, options_.replay.of(name).events));
            const std::string key = redis_codec::stream_key(options_.key_prefix, name);
            const std::array<std::string_view, 6> newest = {"XREVRANGE", key,     "+",
                                                            "-",         "COUNT", count};
            cmd_->send(newest, [this, epoch, name, held, remaining](resp::Reply reply,
                                                                    std::string_view error) {
                if (epoch != epoch_ || !error.empty()) return;
                if (held) check_not_behind(name, *reply);
                else prime(name, *reply);
                followed_.try_emplace(name, StreamId{});
                if (--*remaining == 0) synced();
            });
        }
    }

    // History, not news: stored in the mirror for replay, delivered to nobody.
    void prime(const std::string& name, const redisReply& newest_first) {
        if (newest_first.type != REDIS_REPLY_ARRAY || newest_first.elements == 0) return;
        bool first = true;
        for (size_t i = newest_first.elements; i-- > 0;) {
            auto decoded = redis_codec::event_from_entry(name, *newest_first.element[i]);
            if (auto* why = std::get_if<std::string>(&decoded)) {
                bad_entries.warn("bus: stream {}: {}", name, *why);
                continue;
            }
            auto event = std::make_shared<const Event>(std::move(std::get<Event>(decoded)));
            if (first) streams_.reset(name, event->seq - 1);
            first = false;
            streams_.append(event, false);
            followed_[name] = std::max(followed_[name], StreamId{0, event->seq});
        }
    }

    void check_not_behind(const std::string& name, const redisReply& newest) {
        const uint64_t redis_last = newest_seq_of(newest);
        const uint64_t held = streams_.last_seq(name);
        if (redis_last < held) went_back(name, redis_last, held);
    }

    void synced() {
        if (ever_connected_) reconnects_.fetch_add(1, std::memory_order_relaxed);
        ever_connected_ = true;
        state_ = State::Connected;
        backoff_ = kFirstBackoff;
        available_ = true;
        spdlog::info("bus: connected to Redis at {} ({} streams)", options_.endpoint.describe(),
                     followed_.size());
        follow();
    }

    // ---- following (bus thread) ----

    void follow_stream(const std::string& name) { followed_.try_emplace(name, StreamId{}); }

    // XREAD COUNT n BLOCK ms STREAMS <log> <streams...> <log id> <stream ids...>: wakes on
    // a new entry of any stream, or of the log (a stream this node does not follow yet).
    void follow() {
        if (state_ != State::Connected || following_) return;
        std::vector<std::string> keys, ids;
        keys.push_back(log_key_);
        ids.push_back(id_text(log_cursor_));
        for (auto& [name, read_to] : followed_) {
            keys.push_back(redis_codec::stream_key(options_.key_prefix, name));
            ids.push_back(id_text(std::max(read_to, StreamId{0, streams_.last_seq(name)})));
        }
        const std::string count = std::to_string(kFollowBatch);
        const std::string block = std::to_string(kFollowBlock.count());
        std::vector<std::string_view> args = {"XREAD", "COUNT", count, "BLOCK", block, "STREAMS"};
        args.insert(args.end(), keys.begin(), keys.end());
        args.insert(args.end(), ids.begin(), ids.end());
        following_ = true;
        follow_->send(args, [this, epoch = epoch_](resp::Reply reply, std::string_view error) {
            if (epoch != epoch_) return;
            following_ = false;
            if (!error.empty()) return failed(error);
            if (reply->type == REDIS_REPLY_ERROR) {
                return failed("XREAD: " + std::string(text_of(*reply)));
            }
            if (reply->type == REDIS_REPLY_ARRAY) read_streams(*reply);
            follow();
        });
    }

    void read_streams(const redisReply& streams) {
        for (size_t i = 0; i < streams.elements; ++i) {
            const redisReply* stream = streams.element[i];
            if (stream->type != REDIS_REPLY_ARRAY || stream->elements != 2 ||
                !is_text(stream->element[0]) || stream->element[1]->type != REDIS_REPLY_ARRAY) {
                continue;
            }
            const std::string_view key = text_of(*stream->element[0]);
            if (key == log_key_) read_log(*stream->element[1]);
            else read_entries(key.substr(options_.key_prefix.size() + 3), *stream->element[1]);
        }
    }

    void read_log(const redisReply& entries) {
        for (size_t i = 0; i < entries.elements; ++i) {
            const redisReply* entry = entries.element[i];
            if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2) continue;
            if (is_text(entry->element[0])) {
                log_cursor_ =
                    std::max(log_cursor_,
                             parse_stream_id(text_of(*entry->element[0])).value_or(log_cursor_));
            }
            const redisReply* fields = entry->element[1];
            for (size_t f = 0; f + 1 < fields->elements; f += 2) {
                if (is_text(fields->element[f]) && text_of(*fields->element[f]) == "stream" &&
                    is_text(fields->element[f + 1])) {
                    const std::string name(text_of(*fields->element[f + 1]));
                    if (is_valid_topic(name) && stream_of(name) == name) follow_stream(name);
                }
            }
        }
    }

    void read_entries(std::string_view name, const redisReply& entries) {
        auto followed = followed_.find(name);
        if (followed == followed_.end()) return;
        for (size_t i = 0; i < entries.elements; ++i) {
            const redisReply* entry = entries.element[i];
            if (entry->type == REDIS_REPLY_ARRAY && entry->elements > 0 &&
                is_text(entry->element[0])) {
                // Past it whatever it holds, so an entry that cannot be read is not read again.
                if (auto id = parse_stream_id(text_of(*entry->element[0])))
                    followed->second = std::max(followed->second, *id);
            }
            auto decoded = redis_codec::event_from_entry(name, *entry);
            if (auto* why = std::get_if<std::string>(&decoded)) {
                bad_entries.warn("bus: stream {}: {}", name, *why);
                continue;
            }
            const auto event = std::make_shared<const Event>(std::move(std::get<Event>(decoded)));
            const uint64_t before = streams_.append(event, true);
            if (event->seq > before + 1 && before != 0) {
                gaps_.fetch_add(1, std::memory_order_relaxed);
                spdlog::warn(
                    "bus: stream {} skipped from seq {} to {}: Redis trimmed them "
                    "before this node read them, or they were not events (a gap "
                    "for its clients)",
                    name, before, event->seq);
            }
        }
    }

    // ---- losing Redis (bus thread) ----

    void failed(std::string_view why) {
        if (state_ == State::Disconnected || stopping_) return;
        const bool was_connected = state_ == State::Connected;
        state_ = State::Disconnected;
        available_ = false;
        // A connection's failure in its own words, worded for an operator; the engine's own
        // findings ("Redis at ... is 6.2.7; ...") are worded already.
        const std::string problem =
            why.starts_with("Redis at ")
                ? std::string(why)
                : describe_redis_failure(why, options_.endpoint.describe(), options_.timeout);
        {
            std::lock_guard lock(reason_mutex_);
            reason_ = "is not connected: " + problem;
        }
        if (was_connected) {
            spdlog::error("bus: lost Redis: {}; publishes fail until it is back", problem);
        } else if (attempts_logged_++ % 30 == 0) {
            spdlog::warn("bus: cannot use Redis: {}; retrying", problem);
        }
        ++epoch_; // what the old connections still answer is ignored
        drop_connections();
        schedule_reconnect();
    }

    void drop_connections() {
        following_ = false;
        for (auto* connection : {&cmd_, &follow_}) {
            if (*connection) (*connection)->close();
            connection->reset();
        }
    }

    void schedule_reconnect() {
        // ±20 % so nodes that lost Redis together do not come back in step.
        std::uniform_real_distribution<double> jitter(0.8, 1.2);
        const auto delay =
            std::chrono::duration_cast<std::chrono::milliseconds>(backoff_ * jitter(random_));
        backoff_ = std::min(backoff_ * 2, kMaxBackoff);
        reconnect_timer_.expires_after(delay);
        reconnect_timer_.async_wait([this](const boost::system::error_code& ec) {
            if (!ec) connect();
        });
    }

    const RedisEngineOptions options_;
    LocalStreams streams_;
    const std::string log_key_;
    const std::string set_key_;

    asio::io_context io_;
    asio::executor_work_guard<asio::io_context::executor_type> work_;
    std::thread thread_;

    // The bus thread's alone.
    State state_ = State::Disconnected;
    uint64_t epoch_ = 0; // one per connection attempt
    int opened_ = 0;
    bool following_ = false;
    bool stopping_ = false;
    std::shared_ptr<RedisConnection> cmd_;
    std::shared_ptr<RedisConnection> follow_;
    StreamId log_cursor_;
    std::map<std::string, StreamId, std::less<>> followed_; // stream -> newest entry read
    std::set<std::string> announced_;                       // on this connection
    std::chrono::milliseconds backoff_ = kFirstBackoff;
    uint64_t attempts_logged_ = 0;
    asio::steady_timer reconnect_timer_;
    std::minstd_rand random_{std::random_device{}()};

    bool ever_connected_ = false;
    std::atomic<bool> stopped_{false}; // stop() was called
    std::atomic<bool> available_{false};
    std::atomic<uint64_t> reconnects_{0};
    mutable std::atomic<uint64_t> publish_failures_{0};
    std::atomic<uint64_t> gaps_{0};
    std::atomic<uint64_t> resets_{0};
    mutable std::mutex reason_mutex_;
    std::string reason_;
};

} // namespace

std::unique_ptr<BusEngine> make_redis_engine(RedisEngineOptions options) {
    return std::make_unique<RedisEngine>(std::move(options));
}

} // namespace switchyard

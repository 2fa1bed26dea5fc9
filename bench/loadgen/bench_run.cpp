#include "bench_run.hpp"

#include "clock.hpp"
#include "http_publisher.hpp"
#include "proc_stats.hpp"
#include "sse_subscriber.hpp"
#include "ws_publisher.hpp"
#include "ws_subscriber.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>

namespace loadgen {

namespace {

constexpr int kPollMs = 10;
constexpr uint64_t kMs = 1000000;

} // namespace

BenchRun::BenchRun(const Options& options) : options_(options), run_(options) {
    report_.options = &options_;
    report_.counters = &run_.counters;
    report_.latency = &run_.latency;
    report_.latency_by_node = &run_.latency_by_node;
    if (!options_.server_pids.empty()) {
        report_.server = ServerFigures{};
        report_.server->pids = options_.server_pids;
        report_.server->redis_pid = options_.redis_pid;
    }
}

int BenchRun::run() {
    start_ns_ = now_ns();
    if (!resolve_endpoints()) return finish(2);
    if (report_.server) {
        report_.server->rss_before_kib = read_rss_kib(options_.server_pids);
        if (!report_.server->rss_before_kib) {
            report_.error = "cannot read /proc/PID/status of every --server-pid";
            return finish(2);
        }
        if (options_.redis_pid > 0 && !read_cpu_seconds(options_.redis_pid)) {
            report_.error = "cannot read /proc/" + std::to_string(options_.redis_pid) + "/stat";
            return finish(2);
        }
    }
    connect_subscribers();
    if (options_.subscribers > 0 && run_.open_subscribers == 0) {
        report_.error = "no subscriber connected: " + run_.counters.first_connect_error;
        return finish(2);
    }
    if (!report_.error.empty()) return finish(2);
    if (report_.server) settle();
    if (options_.messages == 0) return finish(0);
    if (!connect_publisher()) return finish(2);
    publish();
    return finish(0);
}

bool BenchRun::resolve_endpoints() {
    std::string error;
    if (options_.subscribers > 0) {
        for (const Url& url : options_.subscribe) {
            Endpoint endpoint;
            if (!resolve(url, endpoint, error)) {
                report_.error = "--subscribe " + url.text + ": " + error;
                return false;
            }
            subscribe_endpoints_.push_back(endpoint);
        }
    }
    if (options_.messages > 0 && !resolve(*options_.publish, publish_endpoint_, error)) {
        report_.error = "--publish: " + error;
        return false;
    }
    return true;
}

void BenchRun::connect_subscribers() {
    const uint32_t n = options_.subscribers;
    if (n == 0) return;
    subscribers_.reserve(n);
    for (uint32_t k = 0; k < n; ++k) {
        const uint32_t group = k % run_.flow.groups();
        const uint32_t node = uint32_t(k % options_.subscribe.size());
        const Url& url = options_.subscribe[node];
        if (url.scheme == Url::Scheme::ws) {
            subscribers_.push_back(std::make_unique<WsSubscriber>(run_, url, group));
        } else {
            subscribers_.push_back(std::make_unique<SseSubscriber>(run_, url, group));
        }
        subscribers_.back()->set_node(node);
    }
    const uint64_t t0 = now_ns();
    uint64_t last_deadline_check = t0;
    size_t next = 0;
    for (;;) {
        const uint64_t now = now_ns();
        // At most --connect-batch connects and handshakes at once, so the server's accept
        // queue (listen backlog) never overflows into SYN retries that look like latency.
        while (run_.handshakes_in_progress < options_.connect_batch && next < n) {
            ++run_.handshakes_in_progress;
            const Endpoint& endpoint = subscribe_endpoints_[next % subscribe_endpoints_.size()];
            subscribers_[next++]->start(endpoint,
                                        now + uint64_t(options_.connect_timeout_ms) * kMs);
        }
        if (next == n && run_.handshakes_in_progress == 0) break;
        if (now > deadline()) {
            for (auto& s : subscribers_) s->check_deadline(UINT64_MAX);
            report_.error = "--timeout-s reached while connecting";
            break;
        }
        if (now - last_deadline_check > 100 * kMs) {
            for (size_t k = 0; k < next; ++k) subscribers_[k]->check_deadline(now);
            last_deadline_check = now;
        }
        run_.loop.poll(kPollMs);
        progress("connecting");
    }
    report_.connect_s = double(now_ns() - t0) / 1e9;
    progress("connected", true);
}

// Lets the server finish whatever connecting cost it, then reads its RSS once it stops
// moving: the last five samples, 100 ms apart, within 0.5% (or 64 KiB) of each other.
void BenchRun::settle() {
    run_for(options_.settle_ms);
    std::vector<uint64_t> samples;
    const uint64_t give_up = now_ns() + 10000 * kMs;
    for (;;) {
        const auto rss = read_rss_kib(options_.server_pids);
        if (!rss) break;
        samples.push_back(*rss);
        if (samples.size() >= 5) {
            uint64_t lo = UINT64_MAX, hi = 0;
            for (size_t k = samples.size() - 5; k < samples.size(); ++k) {
                lo = std::min(lo, samples[k]);
                hi = std::max(hi, samples[k]);
            }
            if (hi - lo <= std::max<uint64_t>(64, hi / 200)) break;
        }
        if (now_ns() > give_up) {
            std::fprintf(stderr,
                         "loadgen: server RSS still changing after 10 s; using the last sample\n");
            break;
        }
        run_for(100);
    }
    if (!samples.empty()) report_.server->rss_connected_kib = samples.back();
}

bool BenchRun::connect_publisher() {
    if (options_.publish->scheme == Url::Scheme::ws) {
        publisher_ = std::make_unique<WsPublisher>(run_, *options_.publish);
    } else {
        publisher_ = std::make_unique<HttpPublisher>(run_, *options_.publish);
    }
    const uint64_t until = now_ns() + uint64_t(options_.connect_timeout_ms) * kMs;
    publisher_->start(publish_endpoint_, until);
    while (!publisher_->ready() && !publisher_->dead()) {
        run_.loop.poll(kPollMs);
        publisher_->check_deadline(now_ns());
    }
    if (publisher_->dead()) {
        report_.error = "publisher " + options_.publish->text + ": " + publisher_->error();
        return false;
    }
    return true;
}

void BenchRun::publish() {
    uint32_t tracked = 0;
    std::vector<uint32_t> per_group(run_.flow.groups());
    for (auto& s : subscribers_) {
        if (s->state() != Connection::State::open) continue;
        s->track(options_.messages);
        ++tracked;
        ++per_group[s->group()];
    }
    report_.tracked = tracked;
    // Each message is expected at the subscribers of its group.
    for (uint64_t i = 0; i < options_.messages; ++i) {
        report_.expected_deliveries += per_group[run_.flow.group_of(i)];
    }
    if (options_.subscribers > 0 && tracked == 0) {
        report_.error = "every subscriber was disconnected before publishing";
        return;
    }
    report_.published_phase = true;
    if (report_.server) {
        report_.server->peak_reset = reset_peak_rss(options_.server_pids);
        report_.server->rss_publish_start_kib = read_rss_kib(options_.server_pids);
    }
    std::vector<std::optional<double>> server_cpu0;
    for (const int pid : options_.server_pids) server_cpu0.push_back(read_cpu_seconds(pid));
    const std::optional<double> redis_cpu0 =
        options_.redis_pid > 0 ? read_cpu_seconds(options_.redis_pid) : std::nullopt;
    const double own_cpu0 = own_cpu_seconds();
    const uint64_t t0 = now_ns();
    run_.flow.begin(per_group, t0);
    const uint64_t drain = uint64_t(options_.drain_ms) * kMs;
    publisher_->pump();
    // The phase ends when every message is answered and delivered, and (for a publisher
    // that waits for neither) when its last bytes are written.
    uint64_t written_at = 0;
    while (!run_.flow.finished() || !(publisher_->all_written() || publisher_->dead())) {
        poll_publishing();
        publisher_->pump();
        const uint64_t now = now_ns();
        if (written_at == 0 && run_.flow.sent() == options_.messages && publisher_->all_written())
            written_at = now;
        if (now - run_.flow.last_progress_ns() > drain) {
            report_.note = "no delivery progress for --drain-ms; " +
                           std::to_string(run_.flow.in_flight()) + " messages still in flight";
            break;
        }
        if (now > deadline()) {
            report_.note = "--timeout-s reached while publishing";
            break;
        }
        progress("publishing");
    }
    const uint64_t end = std::max({run_.flow.last_progress_ns(), written_at, t0});
    report_.elapsed_s = double(end - t0) / 1e9;
    report_.loadgen_cpu_s = own_cpu_seconds() - own_cpu0;
    report_.send_late_max_us = double(run_.flow.max_late_ns()) / 1000.0;
    if (report_.server) read_server_cpu(server_cpu0, redis_cpu0);
    progress("published", true);
}

// The CPU the nodes (and redis-server) used since `before*`; a node that cannot be read
// any more leaves the sum unknown rather than short.
void BenchRun::read_server_cpu(const std::vector<std::optional<double>>& before,
                               std::optional<double> redis_before) {
    ServerFigures& server = *report_.server;
    double sum = 0;
    bool all = true;
    for (size_t k = 0; k < options_.server_pids.size(); ++k) {
        const std::optional<double> after = read_cpu_seconds(options_.server_pids[k]);
        if (!before[k] || !after) {
            all = false;
            server.cpu_s_each.push_back(std::numeric_limits<double>::quiet_NaN());
            continue;
        }
        server.cpu_s_each.push_back(*after - *before[k]);
        sum += *after - *before[k];
    }
    if (all) server.cpu_s = sum;
    if (redis_before) {
        if (const auto after = read_cpu_seconds(options_.redis_pid))
            server.cpu_s_redis = *after - *redis_before;
    }
    server.rss_peak_kib = read_peak_rss_kib(options_.server_pids);
}

void BenchRun::poll_publishing() {
    const uint64_t due =
        run_.flow.paced() && run_.flow.can_send(UINT64_MAX) ? run_.flow.next_due_ns() : 0;
    const uint64_t now = now_ns();
    if (due == 0) {
        run_.loop.poll(kPollMs);
    } else if (due > now) {
        run_.loop.poll_ns(std::min(due - now, uint64_t(kPollMs) * kMs));
    } else if (publisher_->all_written()) {
        run_.loop.poll_ns(0); // due already: dispatch what is ready, then send
    } else {
        run_.loop.poll(1); // due, but the socket is full: its EPOLLOUT edge wakes us
    }
}

int BenchRun::finish(int setup_status) {
    if (!report_.error.empty()) setup_status = 2;
    if (report_.server) report_.server->rss_end_kib = read_rss_kib(options_.server_pids);
    report_.loadgen_cpu_total_s = own_cpu_seconds();
    std::printf("%s\n", report_json(report_).c_str());
    std::fflush(stdout);
    if (!report_.error.empty()) std::fprintf(stderr, "loadgen: %s\n", report_.error.c_str());
    if (!report_.note.empty()) std::fprintf(stderr, "loadgen: %s\n", report_.note.c_str());
    if (setup_status != 0) return setup_status;
    std::fprintf(stderr, "%s\n", report_summary(report_).c_str());
    return report_.clean() ? 0 : 1;
}

void BenchRun::run_for(uint32_t ms) {
    const uint64_t until = now_ns() + uint64_t(ms) * kMs;
    for (uint64_t now = now_ns(); now < until; now = now_ns()) {
        run_.loop.poll(int((until - now) / kMs) + 1);
    }
}

void BenchRun::progress(const char* phase, bool force) {
    const uint64_t now = now_ns();
    if (!force && now - last_progress_print_ < 1000 * kMs) return;
    last_progress_print_ = now;
    const Counters& c = run_.counters;
    std::fprintf(stderr,
                 "loadgen: %-10s %.1fs connected %llu/%u failed %llu | published %llu/%llu "
                 "delivered %llu in flight %u\n",
                 phase, double(now - start_ns_) / 1e9, (unsigned long long)c.connected,
                 options_.subscribers, (unsigned long long)c.connect_failures,
                 (unsigned long long)c.published, (unsigned long long)options_.messages,
                 (unsigned long long)c.delivered, run_.flow.in_flight());
}

} // namespace loadgen

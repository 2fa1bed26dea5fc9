#include "report.hpp"

#include "json_line.hpp"

#include <cstdio>

namespace loadgen {

namespace {

const char* transport(const Options& o) {
    if (o.subscribe.empty() || o.subscribers == 0) return "none";
    return o.subscribe.front().scheme == Url::Scheme::ws ? "ws" : "sse";
}

std::optional<double> per(double count, std::optional<double> seconds) {
    if (!seconds || *seconds <= 0) return std::nullopt;
    return count / *seconds;
}

double us(uint64_t ns) {
    return double(ns) / 1000.0;
}

void add_latency(JsonLine& j, const std::string& key, const LatencyHistogram& h) {
    j.begin(key).add("samples", h.count());
    if (h.count() > 0) {
        j.add("p50", us(h.quantile(0.50)), 1).add("p90", us(h.quantile(0.90)), 1);
        j.add("p99", us(h.quantile(0.99)), 1).add("p999", us(h.quantile(0.999)), 1);
        j.add("max", us(h.max()), 1);
    } else {
        j.null("p50").null("p90").null("p99").null("p999").null("max");
    }
    j.end();
}

void add_server(JsonLine& j, const Report& r) {
    const ServerFigures& s = *r.server;
    const Counters& c = *r.counters;
    j.begin("server").add("pid", s.pids.front()).add("pids", s.pids);
    j.add("rss_before_kib", s.rss_before_kib);
    j.add("rss_connected_kib", s.rss_connected_kib);
    j.add("rss_end_kib", s.rss_end_kib);
    if (s.rss_before_kib && s.rss_connected_kib && c.connected > 0) {
        const double grown = double(*s.rss_connected_kib) - double(*s.rss_before_kib);
        j.add("rss_per_connection_bytes", grown * 1024.0 / double(c.connected), 0);
    } else {
        j.null("rss_per_connection_bytes");
    }
    j.add("rss_publish_start_kib", s.rss_publish_start_kib);
    j.add("rss_peak_kib", s.rss_peak_kib).add("peak_reset", s.peak_reset);
    if (s.rss_publish_start_kib && s.rss_peak_kib && r.published_phase) {
        // How far memory rose above where publishing began: in bytes, per subscriber
        // (deliveries that can be in flight at once with --window 1), and in payloads.
        const double grown = (double(*s.rss_peak_kib) - double(*s.rss_publish_start_kib)) * 1024.0;
        j.add("peak_growth_bytes", grown, 0);
        j.add("peak_growth_per_subscriber_bytes", r.tracked > 0 ? grown / double(r.tracked) : 0.0,
              0);
        j.add("peak_growth_payloads", grown / double(r.options->size), 2);
    } else {
        j.null("peak_growth_bytes").null("peak_growth_per_subscriber_bytes");
        j.null("peak_growth_payloads");
    }
    j.add("cpu_s", s.cpu_s, 3);
    j.add("cpu_s_each", s.cpu_s_each, 3);
    j.add("cpu_per_delivery_us",
          s.cpu_s && c.delivered > 0 ? std::optional<double>(*s.cpu_s * 1e6 / double(c.delivered))
                                     : std::nullopt,
          1);
    j.add("deliveries_per_cpu_s", per(double(c.delivered), s.cpu_s), 0);
    j.add("publishes_per_cpu_s", per(double(c.published), s.cpu_s), 0);
    if (s.redis_pid > 0) {
        // What the bus's store costs on top: the nodes' CPU plus redis-server's.
        j.add("redis_pid", s.redis_pid).add("cpu_s_redis", s.cpu_s_redis, 3);
        const std::optional<double> both = s.cpu_s && s.cpu_s_redis
                                               ? std::optional<double>(*s.cpu_s + *s.cpu_s_redis)
                                               : std::nullopt;
        j.add("cpu_s_incl_redis", both, 3);
        j.add("deliveries_per_cpu_s_incl_redis", per(double(c.delivered), both), 0);
    }
    j.end();
}

} // namespace

bool Report::clean() const {
    const Counters& c = *counters;
    return lost() == 0 && c.duplicated == 0 && c.malformed == 0 && c.publish_errors == 0 &&
           c.published == options->messages;
}

std::string report_json(const Report& r) {
    const Options& o = *r.options;
    const Counters& c = *r.counters;
    JsonLine j;
    j.add("label", o.label);
    j.add("transport", transport(o));
    if (o.publish) {
        j.add("publisher", o.publish->scheme == Url::Scheme::ws ? "ws" : "http");
    } else {
        j.null("publisher");
    }
    j.add("subscribers", o.subscribers).add("connected", c.connected);
    j.add("connect_failures", c.connect_failures).add("connect_s", r.connect_s, 3);
    j.add("messages", o.messages).add("size", o.size);
    if (o.rate > 0 && !o.window_given) {
        j.null("window");
    } else {
        j.add("window", o.window);
    }
    j.add("rate", o.rate > 0 ? std::optional<uint64_t>(o.rate) : std::nullopt);
    j.add("subscribe_urls", uint64_t(o.subscribe.size()));
    j.add("groups", o.groups);
    j.add("group_run", o.group_run);
    j.add("published", c.published).add("publish_errors", c.publish_errors);
    j.add("expected", r.expected()).add("delivered", c.delivered).add("lost", r.lost());
    j.add("duplicated", c.duplicated).add("malformed", c.malformed);
    j.add("disconnects", c.disconnects);
    const std::optional<double> elapsed =
        r.published_phase ? std::optional<double>(r.elapsed_s) : std::nullopt;
    j.add("elapsed_s", elapsed, 3);
    j.add("deliveries_per_s", per(double(c.delivered), elapsed), 0);
    j.add("publishes_per_s", per(double(c.published), elapsed), 0);
    // Open loop: the latest a send went against its due time (the generator keeping up).
    j.add("send_late_max_us", o.rate > 0 ? std::optional<double>(r.send_late_max_us) : std::nullopt,
          1);
    add_latency(j, "latency_us", *r.latency);
    if (r.latency_by_node && !r.latency_by_node->empty()) {
        // Per --subscribe URL, in order: "0" is the first node (published to).
        j.begin("latency_us_by_node");
        for (size_t k = 0; k < r.latency_by_node->size(); ++k)
            add_latency(j, std::to_string(k), (*r.latency_by_node)[k]);
        j.end();
    }
    if (r.server) add_server(j, r);
    j.add("loadgen_cpu_s", r.loadgen_cpu_s, 3).add("loadgen_cpu_total_s", r.loadgen_cpu_total_s, 3);
    auto text_or_null = [&j](const char* key, const std::string& text) {
        if (text.empty()) {
            j.null(key);
        } else {
            j.add(key, text);
        }
    };
    text_or_null("first_connect_error", c.first_connect_error);
    text_or_null("first_disconnect", c.first_disconnect);
    text_or_null("first_malformed", c.first_malformed);
    text_or_null("publish_error", c.publish_error);
    text_or_null("note", r.note);
    text_or_null("error", r.error);
    return j.str();
}

std::string report_summary(const Report& r) {
    const Counters& c = *r.counters;
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "loadgen: %llu/%u connected, %llu published, %llu/%llu delivered "
                  "(lost %llu, dup %llu, malformed %llu) in %.3f s, %.0f deliveries/s, "
                  "p50 %.1f us, p99 %.1f us",
                  (unsigned long long)c.connected, r.options->subscribers,
                  (unsigned long long)c.published, (unsigned long long)c.delivered,
                  (unsigned long long)r.expected(), (unsigned long long)r.lost(),
                  (unsigned long long)c.duplicated, (unsigned long long)c.malformed, r.elapsed_s,
                  r.elapsed_s > 0 ? double(c.delivered) / r.elapsed_s : 0.0,
                  us(r.latency->quantile(0.5)), us(r.latency->quantile(0.99)));
    return buf;
}

} // namespace loadgen

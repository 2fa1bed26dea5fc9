#include "control/control_api.hpp"

#include "auth/auth.hpp"
#include "control/control_routes.hpp"
#include "control/event_json.hpp"
#include "control/event_stream_frames.hpp"
#include "control/metrics_page.hpp"
#include "control/same_origin.hpp"
#include "json/compact_json.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <spdlog/spdlog.h>

#include <charconv>
#include <exception>
#include <memory>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

namespace switchyard {

namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

constexpr std::string_view kJson = "application/json";

void respond_error(HttpExchange& exchange, unsigned status, std::string_view code,
                   std::string_view message) {
    exchange.respond(status, kJson, error_json(code, message));
}

std::optional<uint64_t> parse_cursor(std::string_view text) {
    uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return value;
}

// The seqs one follower's sink was handed, to tell a skip. The first live event follows
// the replay's last (subscribe is atomic with it), but the sink may run before the
// worker knows what that was: the worker then checks the first event the sink had.
class FollowerSeqs {
  public:
    // Records `seq`, handed to the sink; the seq a skip to it started after, or 0 for none.
    uint64_t skipped_before(uint64_t seq) {
        std::lock_guard lock(mutex_);
        const uint64_t previous = std::exchange(last_, seq);
        if (first_ == 0) first_ = seq;
        return previous != 0 && seq > previous + 1 ? previous : 0;
    }
    // Sets where the live events start: after the replay's `last_seq`. When the sink has
    // run already and its first event skipped past it, returns that event's seq (0 if not).
    uint64_t start_after(uint64_t last_seq) {
        std::lock_guard lock(mutex_);
        if (first_ == 0) {
            last_ = last_seq;
            return 0;
        }
        return first_ > last_seq + 1 ? first_ : 0;
    }

  private:
    std::mutex mutex_;   // the delivering thread's and the worker's, hardly ever at once
    uint64_t last_ = 0;  // the last seq handed to the sink; 0: none, and no replay yet
    uint64_t first_ = 0; // the first seq handed to the sink
};

json::array seqs_of(const std::vector<EventPtr>& published) {
    json::array seqs;
    for (const auto& event : published) seqs.push_back(event->seq);
    return seqs;
}

// The answer to a publish of `count` events of which `published` were, in order, before
// `error` (null when all were). An array publish stopped part-way still names what it
// published, so that nothing accepted is lost to its caller.
void answer_publish(HttpExchange& exchange, bool is_array, size_t count,
                    const std::vector<EventPtr>& published, std::exception_ptr error) {
    if (!error && published.size() != count) {
        error = std::make_exception_ptr(std::logic_error("the bus engine published " +
                                                         std::to_string(published.size()) + " of " +
                                                         std::to_string(count) + " events"));
    }
    if (!error) {
        if (is_array) {
            exchange.respond(200, kJson,
                             json::serialize(json::object{{"seqs", seqs_of(published)}}));
        } else {
            exchange.respond(200, kJson,
                             json::serialize(json::object{{"seq", published.front()->seq}}));
        }
        return;
    }
    unsigned status = 500;
    std::string code = "INTERNAL";
    std::string message;
    HeaderList headers;
    try {
        std::rethrow_exception(error);
    } catch (const BusUnavailable& e) {
        status = 503;
        code = "BUS_UNAVAILABLE";
        message = e.what();
        if (message.empty()) message = "the bus engine cannot publish now";
        message += "; retry";
        headers.emplace_back("Retry-After", "1");
    } catch (const std::invalid_argument& e) {
        status = 400;
        code = "BAD_EVENT";
        message = e.what();
    } catch (const std::exception& e) {
        message = std::string("the publish failed: ") + e.what();
    } catch (...) {
        message = "the publish failed";
    }
    if (!is_array) {
        exchange.respond(status, kJson, error_json(code, message), headers);
        return;
    }
    // Said first, so that a client reading only the message knows what a retry repeats.
    message = std::to_string(published.size()) + " of " + std::to_string(count) +
              " events were published (their seqs are in \"seqs\"), the rest were not: " + message;
    exchange.respond(
        status, kJson,
        json::serialize(json::object{
            {"error", code}, {"message", std::move(message)}, {"seqs", seqs_of(published)}}),
        headers);
}

} // namespace

ControlApi::ControlApi(ControlContext context) : context_(std::move(context)) {}

ControlApi::~ControlApi() {
    std::lock_guard lock(mutex_);
    for (const auto& [conn, subscription] : subscriptions_) context_.bus.unsubscribe(subscription);
}

bool ControlApi::authorized(HttpExchange& exchange) {
    const auto& token = context_.settings.token;
    if (token.empty()) {
        if (!exchange.peer_is_loopback()) {
            respond_error(exchange, 401, "UNAUTHORIZED",
                          "no control token is configured: only loopback peers are served");
            return false;
        }
        const auto host = exchange.request()[http::field::host];
        if (loopback_host(std::string_view(host.data(), host.size()),
                          context_.settings.listen.host)) {
            return true;
        }
        respond_error(exchange, 403, "HOST_NOT_ALLOWED",
                      "no control token is configured: only requests addressed to a loopback "
                      "name (localhost, 127.0.0.1, [::1]) are served; set control.token to "
                      "reach the API by another name");
        return false;
    }
    const auto header = exchange.request()[http::field::authorization];
    if (auth::check_bearer(std::string_view(header.data(), header.size()), token)) return true;
    respond_error(exchange, 401, "UNAUTHORIZED", "missing or wrong bearer token");
    return false;
}

void ControlApi::count_request(HttpExchange& exchange) {
    exchange.observe_answer([requests = requests_, route = control_route_index(exchange.path()),
                             start = std::chrono::steady_clock::now()](unsigned status) {
        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
        requests->record(route, status, took.count());
    });
}

void ControlApi::reject(HttpExchange& exchange, unsigned status, std::string_view code,
                        std::string_view message) {
    count_request(exchange);
    HttpService::reject(exchange, status, code, message);
}

void ControlApi::handle(const HttpExchangePtr& exchange) {
    count_request(*exchange);
    const auto path = exchange->path();
    const auto method = exchange->request().method();
    // Probes carry no secret: health and readiness are open, like any load balancer expects.
    if (path == "/healthz" || path == "/readyz") {
        if (method != http::verb::get && method != http::verb::head) {
            respond_error(*exchange, 405, "METHOD_NOT_ALLOWED", "use GET");
        } else if (path == "/healthz") {
            exchange->respond(200, kJson, R"({"status":"ok"})");
        } else if (!context_.bus.available()) {
            // Publishes would fail: a load balancer sends them to a node that can take them.
            // (Checked here, not in context_.ready(), so that the answer can say why.)
            exchange->respond(
                503, kJson,
                json::serialize(json::object{{"status", "bus_unavailable"},
                                             {"reason", context_.bus.unavailable_reason()}}));
        } else if (!context_.ready()) {
            exchange->respond(503, kJson, R"({"status":"starting"})");
        } else {
            exchange->respond(200, kJson, R"({"status":"ready"})");
        }
        return;
    }
    // The web console's static files carry no secret: the page asks for the token.
    if (path == "/console" || path.starts_with("/console/")) {
        if (method != http::verb::get && method != http::verb::head) {
            respond_error(*exchange, 405, "METHOD_NOT_ALLOWED", "use GET");
        } else {
            serve_console(*exchange);
        }
        return;
    }
    if (!origin_allowed(*exchange)) return;
    if (!authorized(*exchange)) return;
    auto expect = [&](http::verb verb) {
        if (method == verb) return true;
        respond_error(*exchange, 405, "METHOD_NOT_ALLOWED",
                      "use " + std::string(http::to_string(verb)));
        return false;
    };
    if (path == "/api/v1/publish") {
        if (expect(http::verb::post)) publish(exchange);
    } else if (path == "/api/v1/events") {
        if (expect(http::verb::get)) follow_events(exchange);
    } else if (path == "/api/v1/plugins") {
        if (expect(http::verb::get)) list_plugins(*exchange);
    } else if (path == "/api/v1/streams") {
        if (expect(http::verb::get)) list_streams(*exchange);
    } else if (path == "/metrics") {
        if (expect(http::verb::get)) metrics(*exchange);
    } else if (path.substr(0, 16) == "/api/v1/plugins/") {
        // /api/v1/plugins/{name}/{reload|enable|disable}
        const auto rest = path.substr(16);
        const auto slash = rest.find('/');
        const auto name = rest.substr(0, slash);
        const auto action =
            slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
        bool known = false;
        for (const auto& plugin : context_.plugins()) known = known || plugin.name == name;
        if (!known && context_.disabled_plugins) {
            for (const auto& plugin : context_.disabled_plugins())
                known = known || plugin.name == name;
        }
        if (!known) {
            respond_error(*exchange, 404, "NOT_FOUND",
                          "no plugin named '" + std::string(name) + "'");
        } else if (action != "reload" && action != "enable" && action != "disable") {
            respond_error(*exchange, 404, "NOT_FOUND", "unknown plugin action");
        } else if (!expect(http::verb::post)) {
            return;
        } else if (action == "reload") {
            reload(exchange, std::string(name));
        } else {
            switch_plugin(exchange, std::string(name), action == "enable");
        }
    } else {
        respond_error(*exchange, 404, "NOT_FOUND", "no such endpoint");
    }
}

void ControlApi::publish(const HttpExchangePtr& exchange) {
    // The events keep what they need of the body; it goes before they are delivered.
    auto parsed = parse_publish_body(exchange->take_body());
    if (auto* error = std::get_if<PublishError>(&parsed)) {
        respond_error(*exchange, 400, error->code, error->message);
        return;
    }
    auto& body = std::get<PublishBody>(parsed);
    const size_t count = body.events.size();
    if (!body.is_array) {
        // One event is published on this worker: with the redis engine that waits one round
        // trip, but a backend pipelining single publishes then has its burst served in one
        // go, and their deliveries leave together; answered later, each would wait for the
        // one before (a session answers in order) and go out alone (measured: 0.03x the
        // memory engine's deliveries per CPU-second in the fan-out benchmark, against 0.8x).
        std::vector<EventPtr> published;
        std::exception_ptr error;
        try {
            published.push_back(context_.bus.publish(std::move(body.events.front())));
        } catch (...) {
            error = std::current_exception();
        }
        answer_publish(*exchange, false, 1, published, error);
        return;
    }
    // An array is appended in one pipeline, and answered (on the engine's thread, for
    // redis) once the store has: the worker does not wait for it.
    context_.bus.publish_async(std::move(body.events),
                               [exchange, is_array = body.is_array, count](
                                   std::vector<EventPtr> published, std::exception_ptr error) {
                                   answer_publish(*exchange, is_array, count, published, error);
                               });
}

void ControlApi::follow_events(const HttpExchangePtr& exchange) {
    auto stream = auth::query_param(exchange->query(), "stream");
    if (!stream || stream->empty() || !is_valid_topic(*stream) || stream_of(*stream) != *stream) {
        respond_error(*exchange, 400, "BAD_REQUEST", "'stream' must name a stream: ?stream=groove");
        return;
    }
    auto topic = auth::query_param(exchange->query(), "topic").value_or("");
    std::optional<uint64_t> cursor;
    const auto last_event_id = exchange->request()["Last-Event-ID"];
    if (!last_event_id.empty()) {
        cursor = parse_cursor(std::string_view(last_event_id.data(), last_event_id.size()));
    } else if (auto query_cursor = auth::query_param(exchange->query(), "lastEventId")) {
        cursor = parse_cursor(*query_cursor);
    }
    ConnectionLimits limits;
    limits.max_queued_frames = 65536; // a backend consuming inbound may be briefly slow
    // As much as a stream's replay ring may hold by default: what a follower cut off for
    // being slow can still resume from with Last-Event-ID.
    limits.max_queued_bytes = 256 << 20;
    exchange->accept_sse(*this, limits, [this, stream = *stream, topic, cursor](Connection& conn) {
        Worker& worker = conn.worker();
        const sy_conn_id id = conn.id();
        auto matches = [topic](const Event& event) {
            return topic.empty() || event.topic == topic;
        };
        auto seqs = std::make_shared<FollowerSeqs>();
        // Called on the delivering thread: the frame is shared by every follower, and the
        // worker collects the sends of a burst into one task. A seq skipped (the redis
        // engine, when Redis trimmed entries while this node was away) is a gap, told the
        // follower as a replay's is, with the last seq it got to resume from.
        auto sink = [this, &worker, id, matches, stream, seqs](const EventPtr& event) {
            if (const uint64_t after = seqs->skipped_before(event->seq)) {
                worker.post_send(id, FrameRef::adopt(make_wire_frame(
                                         SY_FRAME_RAW, sse_gap_text(stream, after, event->seq))));
            }
            if (matches(*event)) worker.post_send(id, frames_.frame_of(event));
        };
        conn.send_raw(": connected\n\n");
        ReplayResult replay;
        const auto subscription = context_.bus.subscribe(stream, sink, cursor, &replay);
        {
            std::lock_guard lock(mutex_);
            subscriptions_[id] = subscription;
        }
        if (!cursor) return;
        if (replay.gap) {
            conn.send(FrameRef::adopt(
                make_wire_frame(SY_FRAME_RAW, sse_gap_text(stream, *cursor, replay.last_seq))));
        }
        for (const auto& event : replay.events) {
            if (!matches(*event)) continue;
            conn.send(FrameRef::adopt(make_wire_frame(SY_FRAME_RAW, sse_event_text(*event))));
        }
        // Sent now, these frames precede every live one the sink has posted meanwhile.
        if (const uint64_t first = seqs->start_after(replay.last_seq)) {
            conn.send(FrameRef::adopt(
                make_wire_frame(SY_FRAME_RAW, sse_gap_text(stream, replay.last_seq, first))));
        }
    });
}

void ControlApi::list_plugins(HttpExchange& exchange) {
    json::array plugins;
    auto infos = context_.plugins();
    if (context_.disabled_plugins) {
        for (auto& info : context_.disabled_plugins()) infos.push_back(std::move(info));
    }
    for (const auto& info : infos) {
        json::array endpoints;
        for (const auto& endpoint : info.endpoints) {
            endpoints.push_back(json::object{
                {"name", endpoint.name}, {"address", endpoint.address}, {"port", endpoint.port}});
        }
        plugins.push_back(json::object{{"name", info.name},
                                       {"version", info.version},
                                       {"abi", info.abi},
                                       {"library", info.library},
                                       {"generation", info.generation},
                                       {"state", info.state},
                                       {"endpoints", std::move(endpoints)},
                                       {"connections", info.connections},
                                       {"slow_hooks", info.slow_hooks},
                                       {"queued_calls", info.queued_calls},
                                       {"groups", info.groups}});
    }
    exchange.respond(200, kJson, json::serialize(json::object{{"plugins", std::move(plugins)}}));
}

void ControlApi::metrics(HttpExchange& exchange) {
    const std::vector<PluginInfo> plugins = context_.plugins();
    exchange.respond(200, "text/plain; version=0.0.4",
                     render_metrics({plugins, context_.bus, gate_.get(), *requests_, started_}));
}

void ControlApi::reload(const HttpExchangePtr& exchange, std::string name) {
    // A reload blocks until the plugin's dispatcher, which runs on a worker, has swapped
    // the instance: it must not block this worker, so it waits for the reload thread.
    const bool queued = reloads_.submit([reload = context_.reload, exchange, name] {
        const auto outcome = reload(name);
        if (!outcome) {
            respond_error(*exchange, 404, "NOT_FOUND", "no plugin named '" + name + "'");
        } else if (outcome->ok) {
            exchange->respond(200, kJson,
                              compact_json(json::object{{"name", name},
                                                        {"version", outcome->version},
                                                        {"generation", outcome->generation},
                                                        {"pause_ms", outcome->pause_ms}}));
        } else {
            exchange->respond(500, kJson,
                              json::serialize(json::object{{"error", "RELOAD_FAILED"},
                                                           {"message", outcome->error},
                                                           {"name", name},
                                                           {"generation", outcome->generation}}));
        }
    });
    if (!queued) {
        exchange->respond(503, kJson,
                          json::serialize(json::object{
                              {"error", "BUSY"},
                              {"message", std::to_string(ReloadQueue::kMaxWaiting) +
                                              " reload requests are waiting already; retry "
                                              "once they are done"}}),
                          {{"Retry-After", "1"}});
    }
}

void ControlApi::on_message(Connection&, sy_frame_kind, std::string_view) {}

void ControlApi::on_closed(Connection& conn, uint16_t, std::string_view) {
    SubscriptionId subscription = 0;
    {
        std::lock_guard lock(mutex_);
        auto it = subscriptions_.find(conn.id());
        if (it == subscriptions_.end()) return;
        subscription = it->second;
        subscriptions_.erase(it);
    }
    context_.bus.unsubscribe(subscription);
}

} // namespace switchyard

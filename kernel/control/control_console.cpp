// The ControlApi members behind the web console (docs/console.md): its static files, the
// Origin rule, enable/disable and the stream list.
#include "control/console_files.hpp"
#include "control/control_api.hpp"
#include "control/same_origin.hpp"
#include "json/compact_json.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace switchyard {

namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

constexpr std::string_view kJson = "application/json";

// The page loads its script and style from the control API only and talks to it only.
constexpr std::string_view kConsolePolicy =
    "default-src 'self'; connect-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

json::array endpoints_json(const PluginInfo& info) {
    json::array endpoints;
    for (const auto& endpoint : info.endpoints) {
        endpoints.push_back(json::object{
            {"name", endpoint.name}, {"address", endpoint.address}, {"port", endpoint.port}});
    }
    return endpoints;
}

void answer_switch(HttpExchange& exchange, const std::string& name, bool enable,
                   const SwitchOutcome& outcome) {
    using Result = SwitchOutcome::Result;
    switch (outcome.result) {
        case Result::not_found:
            exchange.respond(
                404, kJson,
                error_json("NOT_FOUND", "no [plugins." + name + "] table in the config"));
            return;
        case Result::stopping:
            exchange.respond(503, kJson,
                             error_json("SHUTTING_DOWN", "the kernel is shutting down"));
            return;
        case Result::failed:
            exchange.respond(500, kJson,
                             json::serialize(json::object{{"error", "ENABLE_FAILED"},
                                                          {"message", outcome.error},
                                                          {"name", name},
                                                          {"state", outcome.info.state}}));
            return;
        case Result::done: break;
    }
    if (!enable) {
        exchange.respond(200, kJson,
                         compact_json(json::object{{"name", name}, {"state", outcome.info.state}}));
        return;
    }
    exchange.respond(200, kJson,
                     compact_json(json::object{{"name", name},
                                               {"version", outcome.info.version},
                                               {"generation", outcome.info.generation},
                                               {"state", outcome.info.state},
                                               {"endpoints", endpoints_json(outcome.info)}}));
}

} // namespace

bool ControlApi::origin_allowed(HttpExchange& exchange) {
    const auto& request = exchange.request();
    const auto origin = request.find(http::field::origin);
    if (origin == request.end()) return true; // not a browser's cross-site request
    const auto host = request[http::field::host];
    const auto value = origin->value();
    if (same_origin(std::string_view(value.data(), value.size()),
                    std::string_view(host.data(), host.size()))) {
        return true;
    }
    exchange.respond(403, kJson,
                     error_json("ORIGIN_NOT_ALLOWED",
                                "requests from web pages are served only from the control "
                                "API's own origin (its /console)"));
    return false;
}

void ControlApi::switch_plugin(const HttpExchangePtr& exchange, std::string name, bool enable) {
    if (!context_.switch_plugin) {
        exchange->respond(501, kJson,
                          error_json("NOT_IMPLEMENTED", "enable and disable are not available"));
        return;
    }
    // Loading or draining a plugin blocks: it waits on the reload thread, in turn with
    // the reloads, never on this worker.
    const bool queued =
        reloads_.submit([switch_plugin = context_.switch_plugin, exchange, name, enable] {
            answer_switch(*exchange, name, enable, switch_plugin(name, enable));
        });
    if (!queued) {
        exchange->respond(503, kJson,
                          error_json("BUSY", std::to_string(ReloadQueue::kMaxWaiting) +
                                                 " plugin changes are waiting already; retry "
                                                 "once they are done"),
                          {{"Retry-After", "1"}});
    }
}

void ControlApi::list_streams(HttpExchange& exchange) {
    json::array streams;
    for (const auto& stream : context_.bus.stream_stats()) {
        streams.push_back(json::object{{"name", stream.name},
                                       {"seq", stream.last_seq},
                                       {"held_events", stream.held_events},
                                       {"held_bytes", stream.held_bytes},
                                       {"capacity", stream.capacity},
                                       {"max_bytes", stream.max_bytes},
                                       {"subscribers", stream.subscribers}});
    }
    exchange.respond(200, kJson, json::serialize(json::object{{"streams", std::move(streams)}}));
}

void ControlApi::serve_console(HttpExchange& exchange) {
    std::string_view name = exchange.path().substr(std::string_view("/console").size());
    if (name.starts_with("/")) name.remove_prefix(1);
    if (name.empty()) name = "index.html";
    const EmbeddedFile* file = find_console_file(name);
    if (file == nullptr) {
        exchange.respond(404, kJson, error_json("NOT_FOUND", "no such console file"));
        return;
    }
    exchange.respond(200, console_content_type(file->name), std::string(file->body),
                     {{"Cache-Control", "no-cache"},
                      {"Content-Security-Policy", std::string(kConsolePolicy)},
                      {"X-Content-Type-Options", "nosniff"},
                      {"Referrer-Policy", "no-referrer"}});
}

} // namespace switchyard

// A plugin that follows event streams (ABI 1.2 follow_open) on command and reports what
// it heard, for the follow tests:
//   POST /follow?url=&last_event_id=&idle_timeout_ms=&max_event_bytes=&connect_timeout_ms=
//                &tag=&header=Name:Value     follow_open; the body is the id (0: refused)
//   POST /follow_many?n=&url=               n follow_opens in one hook; the body is how
//                                           many returned 0
//   POST /close/<id>                        follow_close; the body is its status
//   POST /from_thread?url=                  follow_open and follow_close(1) from a thread
//                                           of the plugin's own: "<id> <status>"
//   GET  /seen                              every on_follow so far, as a JSON array:
//        {"follow","gen","kind","tag","id","event","data","status","reason"}
//   GET  /count/<id>                        "<events> <out of order>" of follow <id>,
//                                           where an event's data counts 1, 2, 3...
//   GET  /events                            an SSE route; its on_accept adds headers
// on_follow fails (SY_ERR_FAILED) for an event whose data is "fail"; for one whose data is
// "close" it calls follow_close and records {"follow","kind":0,"reason":"follow_close
// <status>"}. Only the first
// kMaxRecords events are kept for /seen (OPEN and CLOSED always); /count counts them all.
#include <switchyard/plugin.hpp>

#include <charconv>
#include <cstddef>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace sdk = switchyard::sdk;

constexpr size_t kMaxRecords = 2000;

std::string json_string(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            constexpr char kHex[] = "0123456789abcdef";
            out += "\\u00";
            out += kHex[u >> 4];
            out += kHex[u & 0xF];
        } else {
            out += c;
        }
    }
    return out + "\"";
}

uint64_t number(std::string_view text) {
    uint64_t value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
}

class FollowProbe final : public sdk::Plugin {
  public:
    static constexpr const char* kName = "follow_probe";
    static constexpr const char* kVersion = "0.0.1";
    static constexpr sy_route_v1 kRoutes[] = {sdk::sse_route("/events"), sdk::http_route("*", "*")};
    static constexpr sy_endpoint_v1 kEndpoints[] = {
        sdk::endpoint("default", "127.0.0.1:0", kRoutes)};

    FollowProbe(sdk::Host host, const sdk::Config& config)
        : Plugin(host), generation_(config.generation) {}

    sy_status on_http(const sdk::Request& request, sdk::Response& response) override {
        const std::string_view path = request.path();
        response.status = 200;
        response.content_type = "text/plain";
        if (path == "/follow") {
            response.body = std::to_string(host().follow_open(follow_of(request)));
        } else if (path == "/follow_many") {
            const uint64_t n = number(request.query_param("n").value_or("0"));
            size_t refused = 0;
            for (uint64_t i = 0; i < n; ++i) refused += host().follow_open(follow_of(request)) == 0;
            response.body = std::to_string(refused);
        } else if (path == "/from_thread") {
            // [hooks] functions called from a thread of the plugin's own: refused.
            sy_follow_id id = 1;
            sy_status closed = SY_OK;
            std::thread([&] {
                id = host().follow_open(follow_of(request));
                closed = host().follow_close(1);
            }).join();
            response.body = std::to_string(id) + " " + std::to_string(closed);
        } else if (path.starts_with("/close/")) {
            response.body = std::to_string(host().follow_close(number(path.substr(7))));
        } else if (path == "/seen") {
            response.content_type = "application/json";
            response.body = seen_json();
        } else if (path.starts_with("/count/")) {
            const Count& count = counts_[number(path.substr(7))];
            response.body = std::to_string(count.events) + " " + std::to_string(count.misordered);
        } else {
            response.status = 404;
        }
        return SY_OK;
    }

    sy_status on_accept(const sdk::Request&, sdk::Response& response) override {
        response.headers = {{"Access-Control-Allow-Origin", "https://app.example"},
                            {"X-Probe", "ok\r\nX-Injected: 1"},
                            {"Content-Type", "text/html"}};
        return SY_OK;
    }

    sy_status on_follow(sy_follow_id follow, const sdk::FollowEvent& event) override {
        if (records_.size() < kMaxRecords || event.kind() != SY_FOLLOW_EVENT)
            records_.push_back(record_of(follow, event));
        if (event.kind() == SY_FOLLOW_EVENT) {
            Count& count = counts_[follow];
            ++count.events;
            if (number(event.data()) != count.events) ++count.misordered;
            if (event.data() == "fail") return SY_ERR_FAILED;
            if (event.data() == "close") {
                // Closed from inside its own hook: news of it already queued is dropped.
                const sy_status status = host().follow_close(follow);
                records_.push_back("{\"follow\":" + std::to_string(follow) +
                                   ",\"kind\":0,\"reason\":\"follow_close " +
                                   std::to_string(status) + "\"}");
            }
        }
        return SY_OK;
    }

  private:
    struct Count {
        uint64_t events = 0;
        uint64_t misordered = 0;
    };

    static sdk::Follow follow_of(const sdk::Request& request) {
        sdk::Follow follow;
        follow.url = request.query_param("url").value_or("");
        follow.last_event_id = request.query_param("last_event_id").value_or("");
        follow.tag = number(request.query_param("tag").value_or("0"));
        follow.max_event_bytes = number(request.query_param("max_event_bytes").value_or("0"));
        follow.idle_timeout_ms =
            static_cast<uint32_t>(number(request.query_param("idle_timeout_ms").value_or("0")));
        follow.connect_timeout_ms =
            static_cast<uint32_t>(number(request.query_param("connect_timeout_ms").value_or("0")));
        if (auto header = request.query_param("header")) {
            const size_t colon = header->find(':');
            follow.headers.emplace_back(header->substr(0, colon), colon == std::string::npos
                                                                      ? ""
                                                                      : header->substr(colon + 1));
        }
        return follow;
    }

    std::string record_of(sy_follow_id follow, const sdk::FollowEvent& event) const {
        return "{\"follow\":" + std::to_string(follow) + ",\"gen\":" + std::to_string(generation_) +
               ",\"kind\":" + std::to_string(event.kind()) +
               ",\"tag\":" + std::to_string(event.tag()) + ",\"id\":" + json_string(event.id()) +
               ",\"event\":" + json_string(event.event()) +
               ",\"data\":" + json_string(event.data()) +
               ",\"status\":" + std::to_string(event.http_status()) +
               ",\"reason\":" + json_string(event.reason()) + "}";
    }

    std::string seen_json() const {
        std::string out = "[";
        for (const auto& record : records_) {
            if (out.size() > 1) out += ',';
            out += record;
        }
        return out + "]";
    }

    uint64_t generation_;
    std::vector<std::string> records_;
    std::map<sy_follow_id, Count> counts_;
};

} // namespace

#ifdef FOLLOW_PROBE_AS_1_1
// Built as "follow_probe_v1_1", the probe's descriptor is cut where a 1.1 plugin's ends:
// its on_follow pointer is still there, past struct_size, where the kernel must not read.
extern "C" SY_EXPORT const sy_plugin_v1* switchyard_plugin_v1(void);
extern "C" SY_EXPORT const sy_plugin_v1* switchyard_plugin_v1(void) {
    static constexpr sy_plugin_v1 kDescriptor = [] {
        sy_plugin_v1 d = switchyard::sdk::detail::make_descriptor<FollowProbe>();
        d.struct_size = offsetof(sy_plugin_v1, on_follow);
        d.abi_minor = 1;
        d.name = "follow_probe_v1_1";
        return d;
    }();
    return &kDescriptor;
}
#else
SWITCHYARD_PLUGIN(FollowProbe)
#endif

// groove: the GROOVE agent orchestrator's WebSocket event feed (seed 001).
//
// Every connection on ws://<listen>/ws receives every event of bus stream "groove" as
// {"event": type, "data": data}. Clients only listen: whatever they send is ignored.
// Browsers are held to an Origin allow-list; clients without Origin are accepted.
#include "groove_protocol.hpp"
#include "groove_settings.hpp"

#include <switchyard/plugin.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace switchyard::groove {
namespace {

class GroovePlugin final : public sdk::Plugin {
  public:
    static constexpr const char* kName = "groove";
    static constexpr const char* kVersion = "1.0.0";
    static constexpr const char* kDescription =
        "GROOVE agent orchestrator events: {event, data} over WebSocket /ws";
    static constexpr sy_route_v1 kRoutes[] = {sdk::websocket_route("/ws")};
    static constexpr sy_endpoint_v1 kEndpoints[] = {
        sdk::endpoint("default", "127.0.0.1:31415", kRoutes, 1'048'576)}; // 1 MiB
    static constexpr const char* kStreams[] = {"groove"};

    GroovePlugin(sdk::Host host, const sdk::Config& config)
        : Plugin(host), settings_(parse_settings(config.json)), clients_(host.group("clients")) {
        for (const std::string& name : settings_.allowed_origins)
            allowed_hosts_.push_back(sdk::to_sy_str(name));
    }

    sy_status on_accept(const sdk::Request& request, sdk::Response& response) override {
        if (host().origin_host_allowed(request, allowed_hosts_)) return SY_OK;
        response.status = 403;
        response.body = R"({"error":"FORBIDDEN_ORIGIN"})";
        return SY_OK;
    }

    sy_status on_open(sy_conn_id conn, const sdk::Request&) override {
        // A connection that closed in between is not an error of this plugin.
        sy_status status = host().group_add(clients_, conn);
        return status == SY_ERR_CLOSED || status == SY_ERR_NOT_FOUND ? SY_OK : status;
    }

    // Clients only listen (seed 001); text, binary, bad JSON and pings get no answer.
    sy_status on_message(sy_conn_id, sy_frame_kind, std::string_view) override { return SY_OK; }

    sy_status on_event(const sdk::Event& event) override {
        // Internal events are for backends, never for clients.
        if (event.internal()) return SY_OK;
        encoded_.clear();
        append_event_message(encoded_, event.type(), event.data());
        sdk::Frame frame = host().frame(SY_FRAME_TEXT, encoded_);
        if (!frame) {
            host().warn("event '" + std::string(event.type()) +
                        "' is larger than a frame may be; not sent");
            return SY_ERR_INVALID;
        }
        return host().broadcast(clients_, frame);
    }

  private:
    GrooveSettings settings_;
    std::vector<sy_str> allowed_hosts_; // views of settings_.allowed_origins
    sy_group_id clients_;
    std::string encoded_; // reused so a broadcast does not allocate once warmed up
};

} // namespace
} // namespace switchyard::groove

SWITCHYARD_PLUGIN(switchyard::groove::GroovePlugin)

// echo: the smallest useful plugin, written against the C++ wrapper alone.
//
// WebSocket GET /ws echoes every message back to its sender, with the same frame kind.
// GET /health answers {"status":"ok","connections":N}. Copy this file to start a plugin.
#include <switchyard/plugin.hpp>

#include <string>
#include <string_view>

namespace {

namespace sdk = switchyard::sdk;

class EchoPlugin final : public sdk::Plugin {
  public:
    static constexpr const char* kName = "echo";
    static constexpr const char* kVersion = "1.0.0";
    static constexpr const char* kDescription = "Echoes WebSocket messages (SDK example)";
    static constexpr sy_route_v1 kRoutes[] = {
        sdk::websocket_route("/ws"),
        sdk::http_route("GET", "/health"),
    };
    static constexpr sy_endpoint_v1 kEndpoints[] = {
        sdk::endpoint("default", "127.0.0.1:31400", kRoutes),
    };

    EchoPlugin(sdk::Host host, const sdk::Config&)
        : Plugin(host), clients_(host.group("clients")) {}

    sy_status on_http(const sdk::Request&, sdk::Response& response) override {
        response.status = 200;
        response.headers.emplace_back("Cache-Control", "no-store");
        response.body =
            R"({"status":"ok","connections":)" + std::to_string(host().group_size(clients_)) + "}";
        return SY_OK;
    }

    sy_status on_open(sy_conn_id conn, const sdk::Request&) override {
        return host().group_add(clients_, conn);
    }

    sy_status on_message(sy_conn_id conn, sy_frame_kind kind, std::string_view payload) override {
        sdk::Frame frame = host().frame(kind, payload);
        return host().send(conn, frame);
    }

  private:
    sy_group_id clients_;
};

} // namespace

SWITCHYARD_PLUGIN(EchoPlugin)

// A plugin with an upstream pass-through (ABI 1.4), for the kernel's tests of it:
//   GET /own          answered by the plugin: "own"
//   * /api/*          an upstream route: passed on when the config names an upstream,
//                     else answered by on_http: 404 {"error":"NO_UPSTREAM"}
//   GET /ws           a WebSocket route (a plain GET there goes upstream too)
//   anything else     no route: passed on
// on_upstream refuses a request carrying "X-Gate: closed" with 401 and adds
// "X-Gate-Passed: <route_kind>/<route_index>" to the answer of one it lets pass.
#include <switchyard/plugin.hpp>

#include <string>

namespace {

namespace sdk = switchyard::sdk;

class UpstreamGate final : public sdk::Plugin {
  public:
    static constexpr const char* kName = "upstream_gate";
    static constexpr const char* kVersion = "0.0.1";
    static constexpr sy_route_v1 kRoutes[] = {sdk::websocket_route("/ws"),
                                              sdk::http_route("GET", "/own"),
                                              sdk::upstream_route("*", "/api/*")};
    static constexpr sy_endpoint_v1 kEndpoints[] = {
        sdk::endpoint("default", "127.0.0.1:0", kRoutes)};

    UpstreamGate(sdk::Host host, const sdk::Config&) : Plugin(host) {}

    sy_status on_http(const sdk::Request& request, sdk::Response& response) override {
        if (request.route_index() == 1) {
            response.content_type = "text/plain";
            response.body = "own";
            return SY_OK;
        }
        response.status = 404;
        response.body = R"({"error":"NO_UPSTREAM"})";
        return SY_OK;
    }

    sy_status on_upstream(const sdk::Request& request, sdk::Response& response) override {
        if (request.header("X-Gate") == "closed") {
            response.status = 401;
            response.body = R"({"error":"UNAUTHORIZED"})";
            return SY_OK;
        }
        response.headers.emplace_back("X-Gate-Passed", std::to_string(request.route_kind()) + "/" +
                                                           std::to_string(request.route_index()));
        return SY_OK;
    }
};

} // namespace

SWITCHYARD_PLUGIN(UpstreamGate)

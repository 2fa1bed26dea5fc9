// A plugin written with plugin.hpp whose hooks all throw: the SDK's trampolines must turn
// every exception into a logged SY_ERR_FAILED, never let one cross the C ABI. With config
// {"throw_in_constructor": true} its constructor throws as well.
#include <switchyard/plugin.hpp>

#include <stdexcept>
#include <string>

namespace {

namespace sdk = switchyard::sdk;

class ThrowingHooks final : public sdk::Plugin {
  public:
    static constexpr const char* kName = "throwing_hooks";
    static constexpr const char* kVersion = "0.0.1";
    static constexpr sy_route_v1 kRoutes[] = {sdk::websocket_route("/ws"),
                                              sdk::http_route("*", "*")};
    static constexpr sy_endpoint_v1 kEndpoints[] = {
        sdk::endpoint("default", "127.0.0.1:0", kRoutes)};

    ThrowingHooks(sdk::Host host, const sdk::Config& config) : Plugin(host) {
        if (config.json.find("throw_in_constructor") != std::string_view::npos)
            throw std::invalid_argument("constructor refused");
    }

    sy_status on_http(const sdk::Request&, sdk::Response& response) override {
        response.status = 200; // half-written: the trampoline must not hand it over
        throw std::runtime_error("on_http threw");
    }
    sy_status on_accept(const sdk::Request&, sdk::Response&) override {
        throw std::runtime_error("on_accept threw");
    }
    sy_status on_open(sy_conn_id, const sdk::Request&) override {
        throw std::runtime_error("on_open threw");
    }
    sy_status on_message(sy_conn_id, sy_frame_kind, std::string_view) override {
        throw 42; // not even a std::exception
    }
    void on_close(sy_conn_id, uint16_t, std::string_view) override {
        throw std::runtime_error("on_close threw");
    }
    sy_status on_event(const sdk::Event&) override { throw std::runtime_error("on_event threw"); }
    sy_status on_timer(sy_timer_id, uint64_t) override {
        throw std::runtime_error("on_timer threw");
    }
    void on_shutdown() override { throw std::runtime_error("on_shutdown threw"); }
    std::string snapshot() override { throw std::runtime_error("snapshot threw"); }
};

} // namespace

SWITCHYARD_PLUGIN(ThrowingHooks)

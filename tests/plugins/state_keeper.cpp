// A plugin that keeps state on disk on command (ABI 1.3 state_load, state_save,
// state_remove, on_state_saved), for the state store's tests. HTTP, answered at once:
//   GET /save?key=K&value=V&tag=T    state_save; the body is its status
//   GET /fill?key=K&bytes=N&tag=T    state_save of N bytes of 'x'; the body is its status
//   GET /remove?key=K&tag=T          state_remove; the body is its status
//   GET /load?key=K                  200 with the value, or 404 when there is none
//   GET /saved                       what on_state_saved heard, one "<key> <tag> <status>"
//                                    line each, in order
// Built also as "state_keeper_v1_2", with its descriptor cut where a 1.2 plugin's ends
// (before on_state_saved): the kernel must never call it.
#include <switchyard/plugin.hpp>

#include <string>

namespace {

namespace sdk = switchyard::sdk;

uint64_t tag_of(const sdk::Request& request) {
    const auto tag = request.query_param("tag");
    return tag ? std::stoull(*tag) : 0;
}

class StateKeeper final : public sdk::Plugin {
  public:
    static constexpr const char* kName = "state_keeper";
    static constexpr const char* kVersion = "0.0.1";
    static constexpr sy_route_v1 kRoutes[] = {sdk::http_route("GET", "*")};
    static constexpr sy_endpoint_v1 kEndpoints[] = {
        sdk::endpoint("default", "127.0.0.1:0", kRoutes)};

    StateKeeper(sdk::Host host, const sdk::Config& config)
        : Plugin(host), saved_(config.snapshot) {}

    sy_status on_http(const sdk::Request& request, sdk::Response& response) override {
        const std::string_view path = request.path();
        const std::string key = request.query_param("key").value_or("");
        response.status = 200;
        response.content_type = "text/plain";
        if (path == "/save") {
            const std::string value = request.query_param("value").value_or("");
            response.body = std::to_string(host().state_save(key, value, tag_of(request)));
        } else if (path == "/fill") {
            const std::string value(std::stoull(request.query_param("bytes").value_or("0")), 'x');
            response.body = std::to_string(host().state_save(key, value, tag_of(request)));
        } else if (path == "/remove") {
            response.body = std::to_string(host().state_remove(key, tag_of(request)));
        } else if (path == "/load") {
            const auto value = host().state_load(key);
            if (value) {
                response.body = std::string(*value);
            } else {
                response.status = 404;
            }
        } else if (path == "/saved") {
            response.body = saved_;
        } else {
            response.status = 404;
        }
        return SY_OK;
    }

    sy_status on_state_saved(std::string_view key, uint64_t tag, sy_status result) override {
        saved_ +=
            std::string(key) + " " + std::to_string(tag) + " " + std::to_string(result) + "\n";
        return SY_OK;
    }

    // What it heard survives a reload: the tests read it across one.
    std::string snapshot() override { return saved_; }

  private:
    std::string saved_;
};

} // namespace

#ifdef STATE_KEEPER_AS_1_2
extern "C" SY_EXPORT const sy_plugin_v1* switchyard_plugin_v1(void);
extern "C" SY_EXPORT const sy_plugin_v1* switchyard_plugin_v1(void) {
    static constexpr sy_plugin_v1 kDescriptor = [] {
        sy_plugin_v1 d = switchyard::sdk::detail::make_descriptor<StateKeeper>();
        d.struct_size = offsetof(sy_plugin_v1, on_state_saved);
        d.abi_minor = 2;
        d.name = "state_keeper_v1_2";
        return d;
    }();
    return &kDescriptor;
}
#else
SWITCHYARD_PLUGIN(StateKeeper)
#endif

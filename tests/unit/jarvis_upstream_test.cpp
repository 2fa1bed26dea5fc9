// The jarvis plugin library (build/plugins/jarvis.so) as the kernel's pass-through sees it
// (ABI 1.4): /api/* is declared an upstream route, and on_upstream, which the kernel
// calls before passing a request to the daemon, applies the token rule of the plugin's
// own /api/* answer. Driven through the descriptor against the fake kernel, so it holds
// before the kernel's pass-through exists.
#include "fake_plugin_host.hpp"
#include "plugin/plugin_library.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

using namespace switchyard;
using namespace switchyard::plugin_testing;

namespace {

constexpr std::string_view kToken = "up-Token_3";

// The value of cookie `name` in the request's Cookie header (the fake kernel has no cookie
// helper of its own).
sy_str cookie_of(const sy_request_v1* request, sy_str name) {
    for (size_t i = 0; i < request->header_count; ++i) {
        if (view(request->headers[i].name) != "Cookie") continue;
        std::string_view cookies = view(request->headers[i].value);
        const std::string prefix = std::string(view(name)) + "=";
        while (!cookies.empty()) {
            const size_t end = cookies.find(';');
            std::string_view pair = cookies.substr(0, end);
            while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
            if (pair.substr(0, prefix.size()) == prefix) return str(pair.substr(prefix.size()));
            if (end == std::string_view::npos) break;
            cookies.remove_prefix(end + 1);
        }
    }
    return sy_str{nullptr, 0};
}

class LoadedJarvis {
  public:
    explicit LoadedJarvis(std::string_view config)
        : library_(PluginLibrary::load(std::string(SWITCHYARD_PLUGIN_DIR) + "/jarvis.so")),
          d_(library_->descriptor()) {
        table_ = *host.table();
        table_.request_cookie = &cookie_of;
        sy_create_args_v1 args{sizeof(sy_create_args_v1), str(config), str(""), 1};
        REQUIRE(d_.create(&table_, &args, &instance_) == SY_OK);
    }
    ~LoadedJarvis() {
        if (instance_ != nullptr) d_.destroy(instance_);
    }
    LoadedJarvis(const LoadedJarvis&) = delete;
    LoadedJarvis& operator=(const LoadedJarvis&) = delete;

    const sy_plugin_v1& descriptor() const { return d_; }

    // What on_upstream answers for `method` `path` with `headers`: its status (0: pass
    // the request on) and body.
    std::pair<uint16_t, std::string> upstream(std::string_view method, std::string_view path,
                                              const std::vector<sy_header>& headers,
                                              uint32_t route_index) {
        sy_request_v1 r{};
        r.struct_size = sizeof r;
        r.method = str(method);
        r.target = r.path = str(path);
        r.headers = headers.data();
        r.header_count = headers.size();
        r.peer_address = str("127.0.0.1");
        r.endpoint = str("default");
        r.route_kind = SY_ROUTE_UPSTREAM;
        r.route_index = route_index;
        sy_response_v1 response{};
        response.struct_size = sizeof response;
        REQUIRE(d_.on_upstream != nullptr);
        REQUIRE(d_.on_upstream(instance_, &r, &response) == SY_OK);
        return {response.status, std::string(view(response.body))};
    }

    FakeHost host; // declared before the library: it outlives the instance

  private:
    sy_host_v1 table_{};
    std::unique_ptr<PluginLibrary> library_;
    const sy_plugin_v1& d_;
    void* instance_ = nullptr;
};

// The index of the route of `path` in the default endpoint, and its kind.
std::pair<uint32_t, uint32_t> route_of(const sy_plugin_v1& d, std::string_view path) {
    REQUIRE(d.endpoint_count >= 1);
    const sy_endpoint_v1& endpoint = d.endpoints[0];
    for (uint32_t i = 0; i < endpoint.route_count; ++i) {
        if (std::string_view(endpoint.routes[i].path) == path)
            return {i, static_cast<uint32_t>(endpoint.routes[i].kind)};
    }
    FAIL("no route " << path);
    return {0, 0};
}

} // namespace

TEST_CASE("jarvis declares /api/* a route of the daemon's (SY_ROUTE_UPSTREAM) and only it",
          "[jarvis]") {
    LoadedJarvis jarvis(R"({"dashboard_dir":""})");
    const sy_plugin_v1& d = jarvis.descriptor();
    CHECK(d.abi_minor >= 4);
    CHECK(route_of(d, "/api/*").second == SY_ROUTE_UPSTREAM);
    CHECK(route_of(d, "/ws").second == SY_ROUTE_WEBSOCKET);
    CHECK(route_of(d, "/health").second == SY_ROUTE_HTTP);
    CHECK(route_of(d, "*").second == SY_ROUTE_HTTP);
}

TEST_CASE("jarvis lets a request through to the daemon only with the token", "[jarvis]") {
    LoadedJarvis jarvis(R"({"dashboard_dir":"","auth_token":")" + std::string(kToken) + R"("})");
    const uint32_t api = route_of(jarvis.descriptor(), "/api/*").first;
    const uint32_t unrouted = static_cast<uint32_t>(jarvis.descriptor().endpoints[0].route_count);
    const std::string bearer = "Bearer " + std::string(kToken);
    const std::string cookie = "theme=dark; token=" + std::string(kToken);

    for (const auto& [method, path, index] :
         std::vector<std::tuple<std::string, std::string, uint32_t>>{
             {"GET", "/api/vault/conversations/active", api},
             {"POST", "/api/authority/approvals/a1/approve", api},
             {"POST", "/elsewhere", unrouted}}) {
        INFO(method << " " << path);
        const auto refused = jarvis.upstream(method, path, {}, index);
        CHECK(refused.first == 401);
        CHECK(refused.second == R"({"error":"Unauthorized"})");
        CHECK(jarvis.upstream(method, path, {{str("Authorization"), str("Bearer wrong")}}, index)
                  .first == 401);
        CHECK(jarvis.upstream(method, path, {{str("Cookie"), str("token=wrong")}}, index).first ==
              401);
        // The token as a Bearer header or cookie `token`: passed on (status 0).
        CHECK(jarvis.upstream(method, path, {{str("Authorization"), str(bearer)}}, index).first ==
              0);
        CHECK(jarvis.upstream(method, path, {{str("Cookie"), str(cookie)}}, index).first == 0);
    }
}

TEST_CASE("jarvis without auth_token lets every request through to the daemon", "[jarvis]") {
    LoadedJarvis jarvis(R"({"dashboard_dir":""})");
    const uint32_t api = route_of(jarvis.descriptor(), "/api/*").first;
    CHECK(jarvis.upstream("GET", "/api/authority/approvals", {}, api).first == 0);
}

// The SDK's C++ wrapper (sdk/include/switchyard/plugin.hpp) seen from the kernel's side:
// plugins written with it are driven through their C descriptors against a recording host.
#include "plugin_under_test.hpp"
#include "recording_host.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace {

using switchyard::testing::PluginUnderTest;
using switchyard::testing::str;
using switchyard::testing::view;

std::filesystem::path echo_library() {
    return std::filesystem::path(SWITCHYARD_PLUGIN_DIR) / "echo.so";
}

std::filesystem::path throwing_library() {
    return std::filesystem::path(SWITCHYARD_TEST_PLUGIN_DIR) / "throwing_hooks.so";
}

sy_response_v1 empty_response() {
    return sy_response_v1{sizeof(sy_response_v1), 0, {}, nullptr, 0, {}};
}

} // namespace

TEST_CASE("sdk descriptor carries the class's metadata and every hook", "[sdk]") {
    PluginUnderTest echo(echo_library());
    const sy_plugin_v1& d = echo.descriptor();
    CHECK(d.struct_size == sizeof(sy_plugin_v1));
    CHECK(d.abi_major == SY_ABI_MAJOR);
    CHECK(d.abi_minor == SY_ABI_MINOR);
    CHECK(std::string(d.name) == "echo");
    CHECK(std::string(d.description) == "Echoes WebSocket messages (SDK example)");
    CHECK(d.stream_count == 0); // no kStreams member
    CHECK(d.streams == nullptr);
    REQUIRE(d.endpoint_count == 1);
    CHECK(d.endpoints[0].struct_size == sizeof(sy_endpoint_v1));
    REQUIRE(d.endpoints[0].route_count == 2);
    CHECK(d.endpoints[0].routes[1].kind == SY_ROUTE_HTTP);
    CHECK(std::string(d.endpoints[0].routes[1].path) == "/health");
    for (const void* hook :
         {(const void*)d.snapshot, (const void*)d.on_http, (const void*)d.on_accept,
          (const void*)d.on_open, (const void*)d.on_message, (const void*)d.on_close,
          (const void*)d.on_event, (const void*)d.on_timer, (const void*)d.on_shutdown}) {
        CHECK(hook != nullptr);
    }
}

TEST_CASE("sdk hands the plugin's Response to the host, headers included", "[sdk]") {
    PluginUnderTest echo(echo_library());
    REQUIRE(echo.create_status == SY_OK);
    auto ws = PluginUnderTest::request(SY_ROUTE_WEBSOCKET, "/ws");
    CHECK(echo.descriptor().on_open(echo.instance(), 5, &ws) == SY_OK);

    auto health = PluginUnderTest::request(SY_ROUTE_HTTP, "/health");
    sy_response_v1 response = empty_response();
    REQUIRE(echo.descriptor().on_http(echo.instance(), &health, &response) == SY_OK);
    CHECK(response.status == 200);
    CHECK(view(response.body) == R"({"status":"ok","connections":1})");
    CHECK(view(response.content_type).empty());
    REQUIRE(response.header_count == 1);
    CHECK(view(response.headers[0].name) == "Cache-Control");
    CHECK(view(response.headers[0].value) == "no-store");
}

TEST_CASE("sdk frames are sent once and released", "[sdk]") {
    PluginUnderTest echo(echo_library());
    REQUIRE(echo.create_status == SY_OK);
    const std::string binary("\x00\xff\x10", 3);
    CHECK(echo.descriptor().on_message(echo.instance(), 5, SY_FRAME_BINARY, str(binary)) == SY_OK);
    CHECK(echo.descriptor().on_message(echo.instance(), 6, SY_FRAME_TEXT, str("hi")) == SY_OK);
    REQUIRE(echo.host.deliveries.size() == 2);
    CHECK(echo.host.deliveries[0].conn == 5);
    CHECK(echo.host.deliveries[0].kind == SY_FRAME_BINARY);
    CHECK(echo.host.deliveries[0].payload == binary);
    CHECK(echo.host.deliveries[1].conn == 6);
    CHECK(echo.host.deliveries[1].kind == SY_FRAME_TEXT);
    CHECK(echo.host.deliveries[1].payload == "hi");
    CHECK(echo.host.frames_alive == 0);
}

TEST_CASE("sdk refuses to create when the constructor throws, and logs why", "[sdk]") {
    PluginUnderTest plugin(throwing_library(), R"({"throw_in_constructor":true})");
    CHECK(plugin.create_status == SY_ERR_FAILED);
    CHECK(plugin.instance() == nullptr);
    CHECK(plugin.host.logged(SY_LOG_ERROR, "create failed: constructor refused"));
}

TEST_CASE("sdk turns an exception in any hook into a logged SY_ERR_FAILED", "[sdk]") {
    PluginUnderTest plugin(throwing_library());
    REQUIRE(plugin.create_status == SY_OK);
    const sy_plugin_v1& d = plugin.descriptor();
    void* instance = plugin.instance();
    auto request = PluginUnderTest::request(SY_ROUTE_HTTP, "/");
    sy_response_v1 response = empty_response();

    CHECK(d.on_http(instance, &request, &response) == SY_ERR_FAILED);
    CHECK(response.status == 0); // nothing half-written reaches the host
    CHECK(plugin.host.logged(SY_LOG_ERROR, "on_http failed: on_http threw"));
    CHECK(d.on_accept(instance, &request, &response) == SY_ERR_FAILED);
    CHECK(plugin.host.logged(SY_LOG_ERROR, "on_accept failed: on_accept threw"));
    CHECK(d.on_open(instance, 1, &request) == SY_ERR_FAILED);
    CHECK(plugin.host.logged(SY_LOG_ERROR, "on_open failed: on_open threw"));
    CHECK(d.on_message(instance, 1, SY_FRAME_TEXT, str("x")) == SY_ERR_FAILED);
    CHECK(plugin.host.logged(SY_LOG_ERROR, "on_message failed: unknown exception"));
    CHECK(plugin.event("any", "t", "{}") == SY_ERR_FAILED);
    CHECK(plugin.host.logged(SY_LOG_ERROR, "on_event failed: on_event threw"));
    CHECK(d.on_timer(instance, 3, 4) == SY_ERR_FAILED);
    CHECK(plugin.host.logged(SY_LOG_ERROR, "on_timer failed: on_timer threw"));

    std::string written;
    sy_sink sink{&written, [](void* ctx, const void* data, size_t len) {
                     static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), len);
                 }};
    CHECK(d.snapshot(instance, &sink) == SY_ERR_FAILED);
    CHECK(plugin.host.logged(SY_LOG_ERROR, "snapshot failed: snapshot threw"));

    d.on_close(instance, 1, 1000, str(""));
    CHECK(plugin.host.logged(SY_LOG_ERROR, "on_close failed: on_close threw"));
    d.on_shutdown(instance);
    CHECK(plugin.host.logged(SY_LOG_ERROR, "on_shutdown failed: on_shutdown threw"));
}

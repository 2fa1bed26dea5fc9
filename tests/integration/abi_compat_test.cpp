// ABI growth: a plugin built against the frozen SDK 1.0 header and the same plugin built
// against the current header both load into this kernel and serve every endpoint and
// route they declare (tests/plugins/abi_probe). The 1.0 build's endpoint array has
// smaller elements than this kernel's sy_endpoint_v1: a kernel that indexed it with its
// own sizeof would read endpoint 1 from the middle of endpoint 0.
#include "kernel_process.hpp"
#include "sse_client.hpp"
#include "test_json.hpp"
#include "toml_text.hpp"
#include "ws_client.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <map>
#include <string>

using namespace switchyard::test;

namespace {

constexpr auto kWait = std::chrono::seconds(10);

struct ProbeEndpoint {
    const char* name;
    size_t max_message_bytes; // what the probe declares for it
    // Index of each route in the endpoint's declaration (the probe declares them in
    // another order per endpoint).
    unsigned info_route;
};
constexpr ProbeEndpoint kProbeEndpoints[] = {
    {"alpha", 1000, 0},
    {"beta", 2000, 3},
    {"gamma", 3000, 1},
};

std::string probe_table(std::string_view name) {
    const std::string library =
        std::string(SWITCHYARD_TEST_PLUGIN_DIR) + "/" + std::string(name) + ".so";
    return "[plugins." + std::string(name) + "]\nenabled = true\nlibrary = " + toml_quote(library) +
           "\nlisten = { alpha = \"127.0.0.1:0\", beta = \"127.0.0.1:0\", gamma = "
           "\"127.0.0.1:0\" }\n\n";
}

KernelProcess start_probes() {
    return KernelProcess::start(probe_table("abi_v1_0_probe") + probe_table("abi_current_probe"));
}

void check_serves_every_route(const KernelProcess& kernel, std::string_view plugin,
                              std::string_view abi) {
    for (const auto& endpoint : kProbeEndpoints) {
        INFO("plugin " << plugin << ", endpoint " << endpoint.name);
        const uint16_t port = kernel.plugin_port(plugin, endpoint.name);

        HttpClient http(port);
        const auto info = http.get("/info");
        REQUIRE(info.status == 200);
        const auto json = parse_json(info.body).as_object();
        CHECK(json.at("plugin").as_string() == plugin);
        CHECK(json.at("endpoint").as_string() == endpoint.name);
        CHECK(json.at("route").as_int64() == endpoint.info_route);
        CHECK(json.at("abi").as_string() == abi);

        const auto echo = http.post("/echo/a/b", "");
        CHECK(echo.status == 200);
        CHECK(echo.body == std::string(endpoint.name) + ":/echo/a/b");
        CHECK(http.get("/nowhere").status == 404);

        auto sse = SseClient::connect(port, "/events");
        REQUIRE(sse.status() == 200);
        const auto event = sse.next(kWait);
        REQUIRE(event);
        CHECK(event->data == endpoint.name);

        // The endpoint's own message bound: a message at the bound is echoed, one byte
        // more closes the connection with 1009.
        auto ws = WsClient::connect(port, "/ws");
        const std::string largest(endpoint.max_message_bytes - 1, 'x');
        REQUIRE(ws.send_text(largest));
        CHECK(next_text_or_why(ws, kWait) == std::string(endpoint.name) + ":" + largest);
        ws.send_text(std::string(endpoint.max_message_bytes + 1, 'y'));
        CHECK(ws.wait_closed(kWait));
        CHECK(ws.close_code() == std::optional<uint16_t>(1009));
    }
}

} // namespace

TEST_CASE("abi: a plugin built against the frozen 1.0 header serves every endpoint and route",
          "[integration][abi]") {
    auto kernel = start_probes();
    check_serves_every_route(kernel, "abi_v1_0_probe", "1.0");
}

TEST_CASE("abi: the same plugin built against the current header serves the same way",
          "[integration][abi]") {
    auto kernel = start_probes();
    check_serves_every_route(kernel, "abi_current_probe", "1.4");
}

TEST_CASE("abi: the control API reports each probe's ABI version", "[integration][abi]") {
    auto kernel = start_probes();
    const auto plugins = parse_json(kernel.plugins_json()).as_object().at("plugins").as_array();
    std::map<std::string, std::string> abi_of;
    for (const auto& plugin : plugins) {
        abi_of[std::string(plugin.at("name").as_string())] = plugin.at("abi").as_string();
    }
    CHECK(abi_of["abi_v1_0_probe"] == "1.0");
    CHECK(abi_of["abi_current_probe"] == "1.4");
}

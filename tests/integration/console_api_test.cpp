// What the control API adds for the web console (docs/console.md): GET /api/v1/streams,
// the console's embedded static files at /console, and the Origin rule that refuses
// browser requests from other sites (CSRF) on every API route.
#include "kernel_process.hpp"
#include "publish.hpp"
#include "test_json.hpp"
#include "toml_text.hpp"

#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace switchyard::test;
namespace json = boost::json;

namespace {

const std::filesystem::path kConsoleDir =
    std::filesystem::path(SWITCHYARD_SOURCE_DIR) / "kernel/control/console";

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// The entry of `name` in GET /api/v1/streams, or null.
json::value stream_entry(const KernelProcess& kernel, std::string_view name) {
    const auto answer = kernel.control().get("/api/v1/streams");
    REQUIRE(answer.status == 200);
    const json::value list = parse_json(answer.body);
    for (const auto& stream : list.at("streams").as_array()) {
        if (string_field(stream, "name") == name) return stream;
    }
    return nullptr;
}

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

} // namespace

TEST_CASE("console api: GET /api/v1/streams reports each stream's seq, ring and subscribers",
          "[integration][control][console]") {
    KernelOptions options;
    options.control_token = "streams-T0ken";
    options.extra_toml = enabled_plugin_table("groove");
    auto kernel = KernelProcess::start(options);
    for (int i = 0; i < 3; ++i) publish(kernel, R"({"topic":"groove","type":"tick","data":{}})");
    publish(kernel, R"({"topic":"other/thing","type":"x","data":{}})");

    const auto groove = stream_entry(kernel, "groove");
    INFO(json::serialize(groove));
    REQUIRE(groove.is_object());
    CHECK(groove.at("seq").to_number<uint64_t>() == 3);
    CHECK(groove.at("held_events").to_number<uint64_t>() == 3);
    CHECK(groove.at("held_bytes").to_number<uint64_t>() > 0);
    CHECK(groove.at("capacity").to_number<uint64_t>() > 0);
    CHECK(groove.at("max_bytes").is_number());
    CHECK(groove.at("subscribers").to_number<uint64_t>() >= 1); // the groove plugin
    const auto other = stream_entry(kernel, "other");
    REQUIRE(other.is_object());
    CHECK(other.at("seq").to_number<uint64_t>() == 1);

    // Like every API route: the token or nothing.
    HttpClient anonymous(kernel.control_port());
    CHECK(anonymous.get("/api/v1/streams").status == 401);
    CHECK(kernel.control().post("/api/v1/streams", "{}").status == 405);
}

TEST_CASE("console api: the console's files are served from the binary with a strict policy",
          "[integration][control][console]") {
    KernelOptions options;
    options.control_token = "console-T0ken";
    auto kernel = KernelProcess::start(options);
    // No token needed: the page asks for it.
    HttpClient anonymous(kernel.control_port());
    for (const std::string path : {"/console", "/console/", "/console/index.html"}) {
        CAPTURE(path);
        const auto page = anonymous.get(path);
        REQUIRE(page.status == 200);
        CHECK(page.header("Content-Type") == "text/html; charset=utf-8");
        CHECK(page.header("Cache-Control") == "no-cache");
        const std::string policy = page.header("Content-Security-Policy");
        CHECK(contains(policy, "default-src 'self'"));
        CHECK(contains(policy, "connect-src 'self'"));
        CHECK(page.body == read_file(kConsoleDir / "index.html"));
    }
    const auto script = anonymous.get("/console/console.js");
    REQUIRE(script.status == 200);
    CHECK(script.header("Content-Type") == "text/javascript; charset=utf-8");
    CHECK(script.body == read_file(kConsoleDir / "console.js"));
    const auto style = anonymous.get("/console/console.css");
    REQUIRE(style.status == 200);
    CHECK(style.header("Content-Type") == "text/css; charset=utf-8");
    CHECK(style.body == read_file(kConsoleDir / "console.css"));

    CHECK(anonymous.get("/console/nope.js").status == 404);
    CHECK(anonymous.get("/console/../control_api.cpp").status == 404);
    CHECK(anonymous.get("/consolex").status == 401); // not the console: an API route
    CHECK(anonymous.post("/console", "{}").status == 405);
}

TEST_CASE("console api: a browser request from another origin is refused on every API route",
          "[integration][control][console]") {
    auto kernel = KernelProcess::start(enabled_plugin_table("groove"));
    const std::string own = "http://127.0.0.1:" + std::to_string(kernel.control_port());
    auto client = kernel.control();
    const std::string event = R"({"topic":"groove","type":"csrf","data":{}})";
    const std::vector<std::string> foreign{
        "http://evil.example", "null", "http://127.0.0.1:1",
        "http://localhost:" + std::to_string(kernel.control_port())};
    for (const std::string& origin : foreign) {
        CAPTURE(origin);
        const HttpHeaders headers{{"Origin", origin}};
        const auto post = client.post("/api/v1/publish", event, headers);
        CHECK(post.status == 403);
        CHECK(string_field(parse_json(post.body), "error") == "ORIGIN_NOT_ALLOWED");
        CHECK(client.get("/api/v1/plugins", headers).status == 403);
        CHECK(client.get("/api/v1/streams", headers).status == 403);
        CHECK(client.get("/api/v1/events?stream=groove", headers).status == 403);
        CHECK(client.post("/api/v1/plugins/groove/disable", "", headers).status == 403);
    }
    // Nothing of the refused publishes reached the bus, groove still runs.
    const auto streams = parse_json(client.get("/api/v1/streams").body);
    for (const auto& stream : streams.at("streams").as_array()) {
        if (string_field(stream, "name") == "groove")
            CHECK(stream.at("seq").to_number<uint64_t>() == 0);
    }
    // The console's own origin, and requests without one (curl, backends), are served.
    CHECK(client.post("/api/v1/publish", event, {{"Origin", own}}).status == 200);
    CHECK(client.get("/api/v1/plugins", {{"Origin", own}}).status == 200);
    CHECK(client.post("/api/v1/publish", event).status == 200);
    // The probes are open to anyone.
    CHECK(client.get("/healthz", {{"Origin", "http://evil.example"}}).status == 200);
}

TEST_CASE("console api: with no token, a request addressed to another host name is refused",
          "[integration][control][console]") {
    // DNS rebinding: a web page whose own name now resolves to 127.0.0.1 reaches the API
    // from a loopback peer, same-origin with itself (its Origin matches its Host, or a
    // GET carries no Origin at all). Its requests name its own host.
    auto kernel = KernelProcess::start(enabled_plugin_table("groove"));
    const std::string port = std::to_string(kernel.control_port());
    auto client = kernel.control();
    const std::string rebound = "rebound.example:" + port;
    const HttpHeaders same_site{{"Host", rebound}, {"Origin", "http://" + rebound}};
    const auto post =
        client.post("/api/v1/publish", R"({"topic":"groove","type":"x","data":{}})", same_site);
    CHECK(post.status == 403);
    CHECK(string_field(parse_json(post.body), "error") == "HOST_NOT_ALLOWED");
    CHECK(client.get("/api/v1/events?stream=groove", {{"Host", rebound}}).status == 403);
    CHECK(client.post("/api/v1/plugins/groove/disable", "", {{"Host", rebound}}).status == 403);
    CHECK(client.get("/metrics", {{"Host", rebound}}).status == 403);
    // The loopback names are served.
    CHECK(client.get("/api/v1/plugins", {{"Host", "localhost:" + port}}).status == 200);
    CHECK(client.get("/api/v1/plugins", {{"Host", "127.0.0.1:" + port}}).status == 200);
    // With a token, the token is what counts, whatever the name.
    KernelOptions options;
    options.control_token = "s3cret";
    options.extra_toml = enabled_plugin_table("groove");
    auto with_token = KernelProcess::start(options);
    CHECK(with_token.control()
              .get("/api/v1/plugins",
                   {{"Host", "switchyard.internal:7700"}, {"Authorization", "Bearer s3cret"}})
              .status == 200);
}

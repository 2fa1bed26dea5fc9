// groove.so as the kernel sees it: loaded through the loader, driven through its C
// descriptor against a recording host table. This also exercises the SDK's C++ wrapper
// (plugin.hpp): trampolines, the Response hand-over, frames, and the exception boundary.
#include "plugin_under_test.hpp"
#include "recording_host.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace {

using switchyard::testing::str;
using switchyard::testing::view;

std::filesystem::path groove_library() {
    return std::filesystem::path(SWITCHYARD_PLUGIN_DIR) / "groove.so";
}

// groove.so loaded, and one instance of it created against a RecordingHost.
class GrooveUnderTest : public switchyard::testing::PluginUnderTest {
  public:
    explicit GrooveUnderTest(std::string_view config = "{}")
        : PluginUnderTest(groove_library(), config) {}

    // A WebSocket upgrade request for /ws with these headers.
    static sy_request_v1 upgrade(const std::vector<sy_header>& headers) {
        return request(SY_ROUTE_WEBSOCKET, "/ws", headers);
    }

    // Delivers an event of stream "groove".
    sy_status event(std::string_view type, std::string_view data, bool internal = false) {
        return PluginUnderTest::event("groove", type, data, internal);
    }
};

} // namespace

TEST_CASE("groove creates an instance and looks its group up once", "[groove]") {
    GrooveUnderTest groove;
    REQUIRE(groove.create_status == SY_OK);
    REQUIRE(groove.instance() != nullptr);
    CHECK(groove.host.group_lookups == 1);
    CHECK(groove.host.groups.count("clients") == 1);
}

TEST_CASE("groove broadcasts every event once, encoded as {event, data}", "[groove]") {
    GrooveUnderTest groove;
    REQUIRE(groove.create_status == SY_OK);
    const sy_group_id clients = groove.host.group_id("clients");
    auto request = groove.upgrade({});
    CHECK(groove.descriptor().on_open(groove.instance(), 7, &request) == SY_OK);
    CHECK(groove.descriptor().on_open(groove.instance(), 9, &request) == SY_OK);
    CHECK(groove.host.members[clients] == std::set<sy_conn_id>{7, 9});

    CHECK(groove.event("agent:killed", R"({"id":"backend-1","reason":"manual"})") == SY_OK);
    CHECK(groove.event("custom:thing", "[1]") == SY_OK);
    REQUIRE(groove.host.deliveries.size() == 2);
    const auto& first = groove.host.deliveries[0];
    CHECK(first.group == clients);
    CHECK(first.conn == 0); // no connection excepted
    CHECK(first.kind == SY_FRAME_TEXT);
    CHECK(first.payload ==
          R"({"event":"agent:killed","data":{"id":"backend-1","reason":"manual"}})");
    CHECK(groove.host.deliveries[1].payload == R"({"event":"custom:thing","data":[1]})");
    CHECK(groove.host.frames_alive == 0); // each frame released after the broadcast
}

TEST_CASE("groove keeps internal events from clients", "[groove]") {
    GrooveUnderTest groove;
    REQUIRE(groove.create_status == SY_OK);
    CHECK(groove.event("agent:status", "{}", /*internal=*/true) == SY_OK);
    CHECK(groove.host.deliveries.empty());
}

TEST_CASE("groove ignores every client message", "[groove]") {
    GrooveUnderTest groove;
    REQUIRE(groove.create_status == SY_OK);
    const auto& d = groove.descriptor();
    for (std::string_view message : {R"({"type":"ping"})", "not json", "", "\x01\x02"}) {
        CHECK(d.on_message(groove.instance(), 7, SY_FRAME_TEXT, str(message)) == SY_OK);
        CHECK(d.on_message(groove.instance(), 7, SY_FRAME_BINARY, str(message)) == SY_OK);
    }
    CHECK(groove.host.deliveries.empty());
    CHECK(groove.host.closed.empty());
}

TEST_CASE("groove refuses a handshake whose Origin host is not allowed", "[groove]") {
    GrooveUnderTest groove(R"({"allowed_origins":["example.com","localhost"]})");
    REQUIRE(groove.create_status == SY_OK);
    const std::vector<sy_header> headers{{str("Origin"), str("http://evil.test")}};
    auto request = groove.upgrade(headers);
    sy_response_v1 response{sizeof(sy_response_v1), 0, {}, nullptr, 0, {}};

    groove.host.origin_allowed = false;
    CHECK(groove.descriptor().on_accept(groove.instance(), &request, &response) == SY_OK);
    CHECK(groove.host.origin_hosts == std::vector<std::string>{"example.com", "localhost"});
    CHECK(response.status == 403);
    CHECK(view(response.body) == R"({"error":"FORBIDDEN_ORIGIN"})");

    groove.host.origin_allowed = true;
    response = sy_response_v1{sizeof(sy_response_v1), 0, {}, nullptr, 0, {}};
    CHECK(groove.descriptor().on_accept(groove.instance(), &request, &response) == SY_OK);
    CHECK(response.status == 0);
    CHECK(view(response.body).empty());
}

TEST_CASE("groove passes the default loopback hosts to the Origin check", "[groove]") {
    GrooveUnderTest groove;
    REQUIRE(groove.create_status == SY_OK);
    auto request = groove.upgrade({});
    sy_response_v1 response{sizeof(sy_response_v1), 0, {}, nullptr, 0, {}};
    CHECK(groove.descriptor().on_accept(groove.instance(), &request, &response) == SY_OK);
    CHECK(groove.host.origin_hosts == std::vector<std::string>{"localhost", "127.0.0.1", "::1"});
}

TEST_CASE("groove refuses to start on a bad config and logs the key", "[groove]") {
    GrooveUnderTest groove(R"({"allowed_origins":"localhost"})");
    CHECK(groove.create_status == SY_ERR_FAILED);
    CHECK(groove.instance() == nullptr);
    CHECK(groove.host.logged(SY_LOG_ERROR, "create failed: config key 'allowed_origins' must be"));

    GrooveUnderTest typo(R"({"allowed_origin":[]})");
    CHECK(typo.create_status == SY_ERR_FAILED);
    CHECK(typo.host.logged(SY_LOG_ERROR, "unknown config key 'allowed_origin'"));
}

TEST_CASE("groove logs an event too large for a frame and sends nothing", "[groove]") {
    GrooveUnderTest groove;
    REQUIRE(groove.create_status == SY_OK);
    groove.host.max_frame_bytes = 16;
    CHECK(groove.event("agent:spawned", R"({"id":"backend-1"})") != SY_OK);
    CHECK(groove.host.deliveries.empty());
    CHECK(groove.host.logged(SY_LOG_WARN, "agent:spawned"));
}

TEST_CASE("groove has no state to carry over a reload", "[groove]") {
    GrooveUnderTest groove;
    REQUIRE(groove.create_status == SY_OK);
    std::string written;
    sy_sink sink{&written, [](void* ctx, const void* data, size_t len) {
                     static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), len);
                 }};
    CHECK(groove.descriptor().snapshot(groove.instance(), &sink) == SY_OK);
    CHECK(written.empty());
}

TEST_CASE("groove in daemon mode sends the latest state first to a new client", "[groove]") {
    GrooveUnderTest groove(R"({"envelope":"daemon"})");
    REQUIRE(groove.create_status == SY_OK);
    auto request = groove.upgrade({});
    // No state yet: nothing is sent on open.
    CHECK(groove.descriptor().on_open(groove.instance(), 5, &request) == SY_OK);
    CHECK(groove.host.deliveries.empty());

    CHECK(groove.event("state", R"([{"id":"b-1"}])") == SY_OK);
    CHECK(groove.event("state", R"([{"id":"b-2"}])") == SY_OK);
    CHECK(groove.event("state:delta", R"({"changed":[],"removed":["b-2"]})") == SY_OK);
    groove.host.deliveries.clear();
    CHECK(groove.descriptor().on_open(groove.instance(), 6, &request) == SY_OK);
    REQUIRE(groove.host.deliveries.size() == 1);
    CHECK(groove.host.deliveries[0].conn == 6);
    CHECK(groove.host.deliveries[0].payload == R"({"type":"state","data":[{"id":"b-2"}]})");
}

TEST_CASE("groove in docs mode refuses an upgrade at / and sends no state", "[groove]") {
    GrooveUnderTest groove;
    REQUIRE(groove.create_status == SY_OK);
    auto request = groove.request(SY_ROUTE_WEBSOCKET, "/");
    request.route_index = 1;
    sy_response_v1 response{sizeof(sy_response_v1), 0, {}, nullptr, 0, {}};
    CHECK(groove.descriptor().on_accept(groove.instance(), &request, &response) == SY_OK);
    CHECK(response.status == 404);

    CHECK(groove.event("state", R"([{"id":"b-1"}])") == SY_OK);
    groove.host.deliveries.clear();
    auto at_ws = groove.upgrade({});
    CHECK(groove.descriptor().on_open(groove.instance(), 5, &at_ws) == SY_OK);
    CHECK(groove.host.deliveries.empty());
}

TEST_CASE("groove refuses a request for the upstream from a foreign Origin", "[groove]") {
    GrooveUnderTest groove(R"({"envelope":"daemon"})");
    REQUIRE(groove.create_status == SY_OK);
    REQUIRE(groove.descriptor().on_upstream != nullptr);
    auto request = groove.request(SY_ROUTE_UPSTREAM, "/api/status");
    sy_response_v1 response{sizeof(sy_response_v1), 0, {}, nullptr, 0, {}};
    groove.host.origin_allowed = false;
    CHECK(groove.descriptor().on_upstream(groove.instance(), &request, &response) == SY_OK);
    CHECK(response.status == 403);
    CHECK(view(response.body) == R"({"error":"FORBIDDEN_ORIGIN"})");

    groove.host.origin_allowed = true;
    response = sy_response_v1{sizeof(sy_response_v1), 0, {}, nullptr, 0, {}};
    CHECK(groove.descriptor().on_upstream(groove.instance(), &request, &response) == SY_OK);
    CHECK(response.status == 0);
}

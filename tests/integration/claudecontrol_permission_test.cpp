// ClaudeControl's permission round trip over real sockets (seed 004, issue 12 item 4): a
// permission_request reaches the clients; a valid permission_response goes to
// inbound/claudecontrol once (the first answer wins, later ones and unknown requestIds
// get an error event, to their sender only); responses are validated field by field;
// pending requests survive a reload; malformed JSON, binary frames and unknown types get
// an error event and never close the socket.
#include "claudecontrol_fixture.hpp"
#include "jetstart_fixture.hpp"
#include "plugin_control.hpp"
#include "test_json.hpp"

#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <string>

using namespace switchyard::test;

namespace {

namespace json = boost::json;

void publish_request(const KernelProcess& kernel, std::string_view id) {
    publish_claudecontrol(kernel, "ws_p", "permission_request",
                          R"({"requestId":")" + std::string(id) +
                              R"(","agentId":"a1","tool":"Bash","input":{"command":"rm -rf x"}})");
}

std::string response(std::string_view id, bool approved) {
    return json::serialize(
        json::object{{"type", "permission_response"}, {"requestId", id}, {"approved", approved}});
}

// The error event that answers `client`'s last message.
json::object next_error(WsClient& client) {
    return next_of_type(client, "error");
}

} // namespace

TEST_CASE(
    "claudecontrol permissions: the first answer wins and reaches the backend once, "
    "a second answer and an unknown requestId get an error event",
    "[integration][claudecontrol]") {
    auto kernel = start_claudecontrol();
    auto feed = jetstart_inbound_feed(kernel);
    auto first = open_subscribed(kernel, "", "ws_p");
    auto second = open_claudecontrol(kernel);
    sync_client(second);
    publish_request(kernel, "req_1");
    CHECK(string_field(next_of_type(first, "permission_request"), "requestId") == "req_1");
    CHECK(string_field(next_of_type(second, "permission_request"), "requestId") == "req_1");

    const std::string approve =
        json::serialize(json::object{{"type", "permission_response"},
                                     {"requestId", "req_1"},
                                     {"approved", true},
                                     {"updatedInput", json::object{{"command", "rm -rf y"}}}});
    REQUIRE(first.send_text(approve));
    sync_client(first); // no error before the sync's own
    REQUIRE(second.send_text(response("req_1", false)));
    const json::object late = next_error(second);
    CHECK(string_field(late, "requestId") == "req_1");
    REQUIRE(second.send_text(response("req_unknown", true)));
    CHECK(string_field(next_error(second), "requestId") == "req_unknown");

    const json::object inbound = next_claudecontrol_inbound(feed);
    CHECK(string_field(inbound, "type") == "permission_response");
    CHECK(json::serialize(inbound.at("data")) == approve);
    CHECK(inbound.at("scope").at("workspaceId").as_string() == "ws_p");
    CHECK(!inbound.at("scope").at("conn").as_string().empty());
    // Nothing else was forwarded: the next inbound event is a later, marked one.
    publish_request(kernel, "req_2");
    next_of_type(second, "permission_request");
    REQUIRE(second.send_text(response("req_2", false)));
    sync_client(second);
    const json::object next = next_claudecontrol_inbound(feed);
    CHECK(string_field(next.at("data"), "requestId") == "req_2");
    CHECK(next.at("scope").at("conn").as_string() != inbound.at("scope").at("conn").as_string());
}

TEST_CASE(
    "claudecontrol permissions: invalid responses, unknown types, malformed JSON and "
    "binary frames get an error event and the socket stays open",
    "[integration][claudecontrol]") {
    auto kernel = start_claudecontrol();
    auto client = open_claudecontrol(kernel);
    publish_request(kernel, "req_v");
    next_of_type(client, "permission_request");
    const char* invalid[] = {
        R"({"type":"permission_response","approved":true})",
        R"({"type":"permission_response","requestId":7,"approved":true})",
        R"({"type":"permission_response","requestId":"req_v"})",
        R"({"type":"permission_response","requestId":"req_v","approved":"yes"})",
        R"({"type":"permission_response","requestId":"req_v","approved":true,"updatedInput":[1]})",
        R"({"type":"subscribe"})",
        R"({"type":"subscribe","workspaceId":5})",
        R"({"type":"launch_missiles"})",
        R"({"no":"type"})",
        R"([1,2,3])",
        R"({"type":"permission_response",)",
        "not json at all",
    };
    for (const char* text : invalid) {
        INFO(text);
        REQUIRE(client.send_text(text));
        const json::object error = next_error(client);
        CHECK_FALSE(string_field(error, "error").empty());
    }
    REQUIRE(client.send_binary(std::string("\x00\x01", 2)));
    next_error(client);
    CHECK_FALSE(client.closed());
    // The request is still pending: none of the invalid answers took it.
    auto feed = jetstart_inbound_feed(kernel);
    REQUIRE(client.send_text(response("req_v", true)));
    sync_client(client);
    CHECK(string_field(next_claudecontrol_inbound(feed).at("data"), "requestId") == "req_v");
}

TEST_CASE("claudecontrol permissions: pending requests survive a reload",
          "[integration][claudecontrol]") {
    auto kernel = start_claudecontrol();
    auto client = open_claudecontrol(kernel);
    publish_request(kernel, "req_r");
    next_of_type(client, "permission_request");
    REQUIRE(reload_plugin(kernel, "claudecontrol").status == 200);
    auto feed = jetstart_inbound_feed(kernel);
    REQUIRE(client.send_text(response("req_r", true)));
    sync_client(client);
    CHECK(string_field(next_claudecontrol_inbound(feed).at("data"), "requestId") == "req_r");
    REQUIRE(client.send_text(response("req_r", true)));
    CHECK(string_field(next_error(client), "requestId") == "req_r");
}

TEST_CASE(
    "claudecontrol permissions: past max_pending_permissions the oldest request is "
    "dropped",
    "[integration][claudecontrol]") {
    auto kernel = start_claudecontrol("max_pending_permissions = 2\n");
    auto client = open_claudecontrol(kernel);
    for (const char* id : {"r1", "r2", "r3"}) {
        publish_request(kernel, id);
        next_of_type(client, "permission_request");
    }
    REQUIRE(client.send_text(response("r1", true)));
    CHECK(string_field(next_error(client), "requestId") == "r1");
    auto feed = jetstart_inbound_feed(kernel);
    REQUIRE(client.send_text(response("r3", true)));
    sync_client(client);
    CHECK(string_field(next_claudecontrol_inbound(feed).at("data"), "requestId") == "r3");
}

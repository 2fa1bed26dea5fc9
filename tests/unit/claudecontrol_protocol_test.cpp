// ClaudeControl's pure parts (plugins/claudecontrol): the event spliced from a bus event,
// the client messages' validation, the PIN token and PIN rules, the wrong-guess limiter,
// the settings and the snapshot.
#include "claudecontrol_protocol.hpp"

#include "claudecontrol_auth.hpp"
#include "claudecontrol_settings.hpp"
#include "claudecontrol_snapshot.hpp"

#include <switchyard/plugin.hpp>

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

using namespace switchyard::claudecontrol;

namespace {

std::string event(std::string_view type, std::optional<std::string_view> workspace,
                  std::string_view data) {
    std::string out = "prefix:";
    if (!append_event(out, type, workspace, data)) return "<refused>" + out;
    return out.substr(7);
}

} // namespace

TEST_CASE(
    "claudecontrol: an event is {type, workspaceId?, ...data} without data's type and "
    "workspaceId",
    "[claudecontrol]") {
    CHECK(event("agent_text", "ws_1", R"({"agentId":"a","text":"hi"})") ==
          R"({"type":"agent_text","workspaceId":"ws_1","agentId":"a","text":"hi"})");
    CHECK(event("agent_session", std::nullopt, R"( { "agentId" : "a" , "sessionId":"s" } )") ==
          R"({"type":"agent_session","agentId":"a","sessionId":"s"})");
    CHECK(event("x", "w", R"({"type":"y","workspaceId":"v","w\u006frkspaceId":"u","k":1})") ==
          R"({"type":"x","workspaceId":"w","k":1})");
    CHECK(event("x", std::nullopt, R"({"workspaceId":"v"})") == R"({"type":"x"})");
    CHECK(event("x", std::nullopt, "{}") == R"({"type":"x"})");
    CHECK(event("x", "w", "[1,2]") == R"({"type":"x","workspaceId":"w","data":[1,2]})");
    CHECK(event("x", "w", R"({"s":"a\"}b","o":{"n":[1,{"m":"}"}]}})") ==
          R"({"type":"x","workspaceId":"w","s":"a\"}b","o":{"n":[1,{"m":"}"}]}})");
    CHECK(event("x", std::nullopt, "{\"a\":") == "<refused>prefix:");
    CHECK(event("x", std::nullopt, "") == "<refused>prefix:");
    CHECK(workspace_of_topic("claudecontrol/ws_1") == "ws_1");
    CHECK_FALSE(workspace_of_topic("claudecontrol"));
    CHECK_FALSE(workspace_of_topic("claudecontrol/"));
    CHECK(permission_request_id(R"({"requestId":"r1","tool":"Bash"})") == "r1");
    CHECK_FALSE(permission_request_id(R"({"requestId":7})"));
}

TEST_CASE("claudecontrol: client messages are validated field by field", "[claudecontrol]") {
    CHECK(read_client_message(R"({"type":"subscribe","workspaceId":"w"})").type ==
          ClientType::Subscribe);
    CHECK(read_client_message(R"({"type":"subscribe","workspaceId":""})").type ==
          ClientType::Invalid);
    CHECK(read_client_message(R"({"type":"subscribe","workspaceId":")" + std::string(257, 'a') +
                              "\"}")
              .type == ClientType::Invalid);
    CHECK(read_client_message(R"({"type":"unsubscribe"})").type == ClientType::Unsubscribe);
    CHECK(read_client_message(R"({"type":"unsubscribe","workspaceId":1})").type ==
          ClientType::Invalid);
    const ClientMessage ok = read_client_message(
        R"({"type":"permission_response","requestId":"r","approved":false,"updatedInput":{}})");
    CHECK(ok.type == ClientType::PermissionResponse);
    CHECK(ok.request_id == "r");
    CHECK(read_client_message(R"({"type":"permission_response","requestId":"r"})").problem ==
          "approved is required (a boolean)");
    CHECK(read_client_message(R"({"type":"permission_response","requestId":"r","approved":true,)"
                              R"("updatedInput":"x"})")
              .problem == "updatedInput must be an object");
    CHECK(read_client_message(R"({"type":"nope"})").problem == "Unknown message type: nope");
    CHECK(read_client_message("{").problem.starts_with("invalid JSON"));
    CHECK(read_client_message(std::string(100, '[')).type == ClientType::Invalid);
    CHECK(error_event("bad \"x\"", "r") ==
          R"({"type":"error","error":"bad \"x\"","requestId":"r"})");
}

TEST_CASE(
    "claudecontrol: the token is the PIN's SHA-256 in lowercase hex, a PIN 4 to 8 "
    "characters",
    "[claudecontrol]") {
    CHECK(pin_token("4321") == "fe2592b42a727e977f055947385b709cc82b16b9a87f88c6abf3900d65d0cdc3");
    CHECK(is_valid_pin("1234"));
    CHECK(is_valid_pin("12345678"));
    CHECK(is_valid_pin("äöüß"));
    CHECK_FALSE(is_valid_pin("123"));
    CHECK_FALSE(is_valid_pin("123456789"));
    CHECK_FALSE(is_valid_pin("12\n4"));
    CHECK_FALSE(is_valid_pin("\xff\xfe\xfd\xfc"));
    CHECK(switchyard::sdk::bearer_token("bearer  abc ") == "abc");
    CHECK_FALSE(switchyard::sdk::bearer_token("Basic abc"));
}

TEST_CASE(
    "claudecontrol: wrong guesses lock an address until its window ends, within a "
    "bounded table",
    "[claudecontrol]") {
    FailureLimiter limiter(3, 2, 1000);
    limiter.record_failure("a", 0);
    CHECK(limiter.wait_ms("a", 10) == 0);
    limiter.record_failure("a", 10);
    CHECK(limiter.wait_ms("a", 100) == 900);
    CHECK(limiter.wait_ms("a", 1000) == 0); // the window ended
    limiter.record_failure("b", 2000);
    limiter.record_failure("b", 2000);
    limiter.forget("b");
    CHECK(limiter.wait_ms("b", 2001) == 0);
    for (const char* address : {"c", "d", "e", "f"}) limiter.record_failure(address, 3000);
    CHECK(limiter.size() == 3);
    const auto entries = limiter.entries();
    CHECK(entries.front().address == "d");
    FailureLimiter restored(3, 2, 1000);
    restored.restore(entries);
    CHECK(restored.size() == 3);
}

TEST_CASE("claudecontrol: settings and snapshot", "[claudecontrol]") {
    CHECK(parse_settings("").pin.empty());
    CHECK(parse_settings(R"({"pin":"1234","ping_interval_ms":5,"listen":"x"})").pin == "1234");
    CHECK_THROWS_AS(parse_settings(R"({"pin":"12"})"), std::invalid_argument);
    CHECK_THROWS_AS(parse_settings(R"({"pin":1234})"), std::invalid_argument);
    CHECK_THROWS_AS(parse_settings(R"({"max_login_failures":0})"), std::invalid_argument);
    CHECK_THROWS_AS(parse_settings(R"({"bogus":1})"), std::invalid_argument);

    Snapshot snapshot;
    snapshot.token = pin_token("1234");
    snapshot.pin_changes.push_back(
        PinChange{7, "", std::string(R"({"token":""})"), "http://localhost:5173"});
    snapshot.clients.push_back(ClientState{3, "ws"});
    snapshot.clients.push_back(ClientState{4, ""});
    snapshot.pending.push_back(PendingPermission{"r1", "ws"});
    snapshot.failures.push_back(FailureLimiter::Entry{"::1", 2, 99});
    const std::optional<Snapshot> back = decode_snapshot(encode_snapshot(snapshot));
    REQUIRE(back);
    CHECK(back->token == snapshot.token);
    REQUIRE(back->pin_changes.size() == 1);
    CHECK(back->pin_changes[0].request == 7);
    CHECK(back->pin_changes[0].previous_state == R"({"token":""})");
    CHECK(back->pin_changes[0].origin == "http://localhost:5173");
    CHECK(back->clients.size() == 2);
    CHECK(back->clients[0].workspace == "ws");
    CHECK(back->pending.at(0).request_id == "r1");
    CHECK(back->failures.at(0).since_ms == 99);
    CHECK_FALSE(decode_snapshot("{}"));
    CHECK(decode_pin_state(encode_pin_state(snapshot.token)) == snapshot.token);
    CHECK_FALSE(decode_pin_state(R"({"token":"not hex"})"));
}

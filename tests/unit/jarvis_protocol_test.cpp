// The jarvis plugin's pure parts (plugins/jarvis/jarvis_protocol.hpp, jarvis_settings.hpp):
// reading client messages, the envelopes, event targets and the config.
#include "jarvis_protocol.hpp"

#include "jarvis_settings.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace switchyard::jarvis;

TEST_CASE("jarvis reads the client messages it answers or forwards", "[jarvis]") {
    const ClientMessage chat = read_client_message(
        R"({"type":"chat","payload":{"text":"hi"},"id":"c1","priority":"low","timestamp":1})");
    CHECK(chat.action == Action::Chat);
    CHECK(chat.type == "chat");
    CHECK(chat.id == "c1");
    CHECK(chat.id_json == R"("c1")");
    CHECK(chat.priority == "low");

    const ClientMessage health =
        read_client_message(R"({"type":"command","payload":{"command":"health"},"id":12})");
    CHECK(health.action == Action::Health);
    CHECK(health.id == "12");
    CHECK(health.id_json == "12");
    CHECK(read_client_message(R"({"type":"command","payload":{"command":"ping"}})").action ==
          Action::Ping);
    CHECK(read_client_message(R"({"type":"status","id":null})").action == Action::Status);
    CHECK(read_client_message(R"({"type":"status","id":null})").id_json.empty());

    const ClientMessage voice =
        read_client_message(R"({"type":"voice_start","payload":{"requestId":"r1"}})");
    CHECK(voice.action == Action::VoiceStart);
    CHECK(voice.request_id == "r1");
    CHECK(read_client_message(R"({"type":"voice_end"})").action == Action::VoiceEnd);
    // Null members count as absent; `data` beside a `payload` is the client's business.
    CHECK(
        read_client_message(R"({"type":"status","payload":null,"priority":null,"timestamp":null})")
            .action == Action::Status);
    CHECK(read_client_message(R"({"type":"chat","payload":{"text":"x"},"data":1})").action ==
          Action::Chat);
}

TEST_CASE("jarvis forwards the commands backend_commands names and only those", "[jarvis]") {
    JarvisSettings settings;
    settings.backend_commands = {"restart_agent", "list_goals"};
    const ClientMessage forwarded = read_client_message(
        R"({"type":"command","payload":{"command":"restart_agent","agent":"coder"},"id":"k1"})",
        settings);
    CHECK(forwarded.action == Action::Command);
    CHECK(forwarded.command == "restart_agent");
    CHECK(forwarded.id == "k1");
    const ClientMessage unknown =
        read_client_message(R"({"type":"command","payload":{"command":"reboot"}})", settings);
    CHECK(unknown.action == Action::Error);
    CHECK(unknown.error == "Unknown command: reboot");
    // The plugin's own commands stay its own, whatever the list says.
    settings.backend_commands = {"*"};
    CHECK(read_client_message(R"({"type":"command","payload":{"command":"health"}})", settings)
              .action == Action::Health);
    CHECK(read_client_message(R"({"type":"command","payload":{"command":"reboot"}})", settings)
              .action == Action::Command);
    CHECK(forwards_command(settings, "anything"));
    CHECK_FALSE(forwards_command(JarvisSettings{}, "anything"));
}

TEST_CASE("jarvis turns bad client messages into the error the client gets", "[jarvis]") {
    auto error_of = [](std::string_view text) {
        const ClientMessage m = read_client_message(text);
        CHECK(m.action == Action::Error);
        return m.error;
    };
    CHECK(error_of("nope").rfind("Invalid JSON: ", 0) == 0);
    CHECK(error_of(R"("chat")") == "Invalid message: expected a JSON object");
    CHECK(error_of(R"({"type":null})") == "Invalid message: type must be a string");
    CHECK(error_of(R"({"type":"chat","id":true})") ==
          "Invalid message: id must be a string or a number");
    CHECK(error_of(R"({"type":"chat","payload":{"text":"x"},"priority":1})") ==
          "Invalid message: priority must be a string");
    CHECK(error_of(R"({"type":"chat","payload":{"text":"x"},"priority":"high"})") ==
          R"(Invalid message: unknown priority "high" (expected "urgent", "normal" or "low"))");
    CHECK(error_of(R"({"type":"chat","payload":{"text":"x"},"timestamp":"now"})") ==
          "Invalid message: timestamp must be a number");
    CHECK(error_of(R"({"type":"chat","data":{"text":"x"}})") ==
          R"(Invalid message: the field is "payload", not "data")");
    CHECK(error_of(R"({"type":"status","data":{}})") ==
          R"(Invalid message: the field is "payload", not "data")");
    CHECK(error_of(R"({"type":"chat","payload":["x"]})") ==
          "Invalid message: payload must be an object");
    CHECK(error_of(R"({"type":"chat","payload":{"text":null}})") == "Missing text in chat payload");
    CHECK(error_of(R"({"type":"chat","payload":{"text":7}})") ==
          "Invalid message: payload.text must be a string");
    CHECK(error_of(R"({"type":"command","payload":{"command":"\"x\""}})") ==
          R"(Unknown command: "x")");
    CHECK(error_of(R"({"type":"command","payload":{"command":1}})") ==
          "Invalid message: payload.command must be a string");
    CHECK(error_of(R"({"type":"command","payload":{"command":""}})") ==
          "Missing command in command payload");
    CHECK(error_of(R"({"type":"voice_start"})") == "Missing requestId in voice_start payload");
    CHECK(error_of(R"({"type":"voice_start","payload":{"requestId":5}})") ==
          "Invalid message: payload.requestId must be a string");
    CHECK(error_of(R"({"type":"Chat"})") == "Unknown message type: Chat");
    // requestId: at most 128 bytes of [A-Za-z0-9._:-].
    const std::string longest = std::string(kMaxRequestIdBytes - 9, 'a') + "Z9._:-x-y";
    REQUIRE(longest.size() == 128);
    const ClientMessage accepted = read_client_message(
        R"({"type":"voice_start","payload":{"requestId":")" + longest + R"("}})");
    CHECK(accepted.action == Action::VoiceStart);
    CHECK(accepted.request_id == longest);
    CHECK(error_of(R"({"type":"voice_start","payload":{"requestId":")" + longest + R"(a"}})") ==
          "Invalid message: payload.requestId is longer than 128 bytes");
    for (const char* bad : {"a b", "a/b", R"(a\"b)", R"(a\u0000b)", "\u00e9", "a+b", "{x}"}) {
        INFO("requestId " << bad);
        CHECK(error_of(std::string(R"({"type":"voice_start","payload":{"requestId":")") + bad +
                       R"("}})") ==
              "Invalid message: payload.requestId may hold only letters, digits, '.', '_', ':' "
              "and '-'");
    }
    // The id read before the error is kept, to be echoed.
    CHECK(read_client_message(R"({"type":"x","id":"keep"})").id_json == R"("keep")");
}

TEST_CASE("jarvis encodes replies and bus events as the seed's envelope", "[jarvis]") {
    CHECK(reply("status", ping_payload(), R"("p")", 5) ==
          R"({"type":"status","payload":{"pong":true},"id":"p","timestamp":5})");
    CHECK(error_reply("Bad \"thing\"\n", "", 6) ==
          R"({"type":"error","payload":{"message":"Bad \"thing\"\n"},"timestamp":6})");
    CHECK(health_command_payload(3) == R"({"status":"ok","service":"websocket","clients":3})");
    CHECK(status_payload(1, 3142) ==
          R"({"service":"websocket","status":"running","clients":1,"port":3142})");

    std::string out;
    append_event_envelope(out, "stream", R"({"text":"x"})", "id\"1", "", 1710000000000);
    CHECK(
        out ==
        R"({"type":"stream","payload":{"text":"x"},"id":"id\"1","priority":"normal","timestamp":1710000000000})");
    out.clear();
    append_event_envelope(out, "tts_end", "", "", "urgent", 7);
    CHECK(out == R"({"type":"tts_end","payload":{},"priority":"urgent","timestamp":7})");

    CHECK(health_body("1.0.0", 12, 2, 9) ==
          R"({"status":"ok","version":"1.0.0","uptime":12,"clients":2,"timestamp":9})");
}

TEST_CASE("jarvis reads an event's target connection from scope.conn", "[jarvis]") {
    CHECK(event_target("").valid);
    CHECK(event_target("").conn == 0);
    CHECK(event_target(R"({"workspaceId":"w"})").conn == 0);
    CHECK(event_target(R"({"conn":"42"})").conn == 42);
    CHECK(event_target(R"({"conn":18446744073709551615})").valid == false); // not an int64
    CHECK(event_target(R"({"conn":"18446744073709551615"})").conn == 18446744073709551615ull);
    CHECK(event_target(R"({"conn":7})").conn == 7);
    for (const char* bad :
         {R"({"conn":"0"})", R"({"conn":"-1"})", R"({"conn":"4x"})", R"({"conn":""})",
          R"({"conn":1.5})", R"({"conn":null})", R"({"conn":"18446744073709551616"})", "[]", "{"}) {
        INFO("scope " << bad);
        CHECK_FALSE(event_target(bad).valid);
    }
}

TEST_CASE("jarvis carries binary frames as base64 both ways", "[jarvis]") {
    CHECK(event_binary(R"({"binary":"AAEC/w==","requestId":"r"})") ==
          std::optional<std::string>(std::string("\x00\x01\x02\xff", 4)));
    CHECK_FALSE(event_binary(R"({"binary":"AAEC/w"})").has_value());
    CHECK_FALSE(event_binary(R"({"binary":1})").has_value());
    CHECK_FALSE(event_binary(R"(["AAEC"])").has_value());
    CHECK(binary_inbound_data("RIFF", "r\"1") == R"({"binary":"UklGRg==","requestId":"r\"1"})");
    CHECK(inbound_scope(9, "") == R"({"conn":"9"})");
    CHECK(inbound_scope(9, "v") == R"({"conn":"9","requestId":"v"})");
}

TEST_CASE("jarvis settings: defaults and accepted values and refusals naming the key", "[jarvis]") {
    const JarvisSettings defaults = parse_settings("");
    CHECK(defaults.auth_token.empty());
    CHECK(defaults.public_origin.empty());
    const JarvisSettings set = parse_settings(
        R"({"enabled":true,"listen":"127.0.0.1:0","auth_token":"a-B_9.~!","public_origin":"HTTPS://J.example:8443/"})");
    CHECK(set.auth_token == "a-B_9.~!");
    CHECK(set.public_origin == "https://j.example:8443");
    CHECK(parse_settings(R"({"public_origin":""})").public_origin.empty());
    CHECK(defaults.dashboard_dir.empty());
    CHECK(defaults.backend_commands.empty());
    CHECK(defaults.ping_interval_ms == 30000);
    CHECK(defaults.pong_timeout_ms == 10000);
    const JarvisSettings keepalive =
        parse_settings(R"({"ping_interval_ms":0,"pong_timeout_ms":4294967295})");
    CHECK(keepalive.ping_interval_ms == 0);
    CHECK(keepalive.pong_timeout_ms == 4294967295u);
    const JarvisSettings more =
        parse_settings(R"({"dashboard_dir":"/srv/dash","backend_commands":["restart_agent","*"]})");
    CHECK(more.dashboard_dir == "/srv/dash");
    CHECK(more.backend_commands == std::vector<std::string>{"restart_agent", "*"});

    auto refusal = [](std::string_view config) {
        try {
            parse_settings(config);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("<accepted>");
    };
    CHECK_THAT(refusal(R"({"auth_token":"a b"})"), Catch::Contains("'auth_token'"));
    CHECK_THAT(refusal(R"({"auth_token":"a+b"})"),
               Catch::Contains("'auth_token' may not hold '+'"));
    CHECK_THAT(refusal(R"({"auth_token":"\u00e9"})"), Catch::Contains("'auth_token'"));
    CHECK_THAT(refusal(R"({"auth_token":["x"]})"), Catch::Contains("'auth_token'"));
    CHECK_THAT(refusal(R"({"public_origin":"localhost:3142"})"),
               Catch::Contains("'public_origin'"));
    CHECK_THAT(refusal(R"({"public_origin":"https://x/y"})"), Catch::Contains("'public_origin'"));
    CHECK_THAT(refusal(R"({"authToken":"x"})"), Catch::Contains("'authToken'"));
    CHECK_THAT(refusal(R"({"dashboard_dir":1})"), Catch::Contains("'dashboard_dir'"));
    CHECK_THAT(refusal(R"({"dashboard_dir":"a\u0000b"})"), Catch::Contains("'dashboard_dir'"));
    for (const char* bad :
         {R"("restart")", R"([1])", R"([""])", R"(["ping"])", R"(["health"])", R"(["a","a"])"}) {
        INFO("backend_commands = " << bad);
        CHECK_THAT(refusal(std::string(R"({"backend_commands":)") + bad + "}"),
                   Catch::Contains("'backend_commands'"));
    }
    for (const char* bad : {"-1", "4294967296", "1.5", R"("30000")", "true"}) {
        INFO("value " << bad);
        CHECK_THAT(refusal(std::string(R"({"ping_interval_ms":)") + bad + "}"),
                   Catch::Contains("'ping_interval_ms'"));
        CHECK_THAT(refusal(std::string(R"({"pong_timeout_ms":)") + bad + "}"),
                   Catch::Contains("'pong_timeout_ms'"));
    }
    CHECK_THAT(refusal("[]"), Catch::Contains("not a JSON object"));
}

TEST_CASE("jarvis says in a voice_end of its own that the client went away", "[jarvis]") {
    CHECK(
        closed_voice_end_data("mic-1", 42) ==
        R"({"type":"voice_end","payload":{"requestId":"mic-1","reason":"closed"},"timestamp":42})");
}

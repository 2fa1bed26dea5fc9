// The jarvis plugin's whole client vocabulary (issue 13): the types the JARVIS dashboard
// sends besides the seed's thirteen (voice_text, interview_*, cancel) and the types the
// config's forward_types adds are read as messages for the backend, with the payload
// members the daemon reads checked; anything else stays "Unknown message type". The
// shipped configs' jarvis tables are ones the plugin accepts.
#include "config/config.hpp"
#include "jarvis_protocol.hpp"
#include "jarvis_settings.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

using namespace switchyard::jarvis;

namespace {

std::string error_of(const std::string& text, const JarvisSettings& settings = {}) {
    const ClientMessage message = read_client_message(text, settings);
    return message.action == Action::Error ? message.error : "<not an error>";
}

} // namespace

TEST_CASE("jarvis reads the dashboard's own types as messages for the backend", "[jarvis]") {
    const ClientMessage voice_text = read_client_message(
        R"({"type":"voice_text","payload":{"requestId":"5f0c","text":"open tasks","currentRoom":"home"},"timestamp":1})");
    CHECK(voice_text.action == Action::VoiceText);
    CHECK(voice_text.type == "voice_text");

    for (
        const char* text :
        {R"({"type":"interview_start","payload":{},"timestamp":1})",
         R"({"type":"interview_start","payload":{"speakReply":false},"timestamp":1})",
         R"({"type":"interview_user_message","payload":{"text":"I run a studio","speakReply":false},"timestamp":1})",
         R"({"type":"interview_listen","payload":{"speakReply":true},"timestamp":1})",
         R"({"type":"interview_listen_stop","timestamp":1})",
         R"({"type":"cancel","payload":{"requestId":"r9"},"id":"x","timestamp":1})"}) {
        INFO(text);
        const ClientMessage message = read_client_message(text);
        CHECK(message.action == Action::Forward);
        CHECK(is_dashboard_type(message.type));
    }
    // The id and priority travel with them as with chat.
    const ClientMessage cancel =
        read_client_message(R"({"type":"cancel","id":7,"priority":"urgent","payload":{}})");
    CHECK(cancel.action == Action::Forward);
    CHECK(cancel.id == "7");
    CHECK(cancel.priority == "urgent");
}

TEST_CASE("jarvis checks the payload members the daemon reads from the dashboard's types",
          "[jarvis]") {
    CHECK(error_of(R"({"type":"voice_text","payload":{"text":3}})") ==
          "Invalid message: payload.text must be a string");
    CHECK(error_of(R"({"type":"voice_text","payload":{"text":"x","requestId":1}})") ==
          "Invalid message: payload.requestId must be a string");
    CHECK(error_of(R"({"type":"voice_text","payload":{"currentRoom":{}}})") ==
          "Invalid message: payload.currentRoom must be a string");
    CHECK(error_of(R"({"type":"interview_user_message","payload":{"text":["a"]}})") ==
          "Invalid message: payload.text must be a string");
    CHECK(error_of(R"({"type":"interview_user_message","payload":{"speakReply":"no"}})") ==
          "Invalid message: payload.speakReply must be a boolean");
    CHECK(error_of(R"({"type":"interview_start","payload":{"speakReply":0}})") ==
          "Invalid message: payload.speakReply must be a boolean");
    CHECK(error_of(R"({"type":"interview_listen","payload":{"speakReply":null,"x":1}})") ==
          "<not an error>");
    CHECK(error_of(R"({"type":"cancel","payload":{"requestId":false}})") ==
          "Invalid message: payload.requestId must be a string");
    // The envelope's own rules hold for them as for every type.
    CHECK(error_of(R"({"type":"voice_text","payload":"hi"})") ==
          "Invalid message: payload must be an object");
    CHECK(error_of(R"({"type":"interview_start","data":{}})") ==
          R"(Invalid message: the field is "payload", not "data")");
}

TEST_CASE("jarvis forwards the types forward_types names and no others", "[jarvis]") {
    JarvisSettings settings;
    CHECK(error_of(R"({"type":"site_action","payload":{}})", settings) ==
          "Unknown message type: site_action");
    settings.forward_types = {"site_action", "room:open"};
    CHECK(read_client_message(R"({"type":"site_action","payload":{"x":1}})", settings).action ==
          Action::Forward);
    CHECK(read_client_message(R"({"type":"room:open"})", settings).action == Action::Forward);
    CHECK(error_of(R"({"type":"site_actions"})", settings) == "Unknown message type: site_actions");
    // Server-to-client types stay unknown from a client unless named.
    CHECK(error_of(R"({"type":"stream","payload":{}})", settings) ==
          "Unknown message type: stream");

    // "*": every type the plugin does not answer itself, with a name a type may have.
    settings.forward_types = {"*"};
    CHECK(read_client_message(R"({"type":"anything_else"})", settings).action == Action::Forward);
    CHECK(read_client_message(R"({"type":"status"})", settings).action == Action::Status);
    CHECK(error_of(R"({"type":"binary","payload":{"binary":"AA=="}})", settings) ==
          "Unknown message type: binary");
    CHECK(error_of(R"({"type":"has space"})", settings) == "Unknown message type: has space");
    CHECK(error_of(R"({"type":""})", settings) == "Unknown message type: ");
    CHECK(error_of(R"({"type":")" + std::string(kMaxForwardTypeBytes + 1, 'a') + "\"}", settings)
              .rfind("Unknown message type: aaa", 0) == 0);
    CHECK(forwards_type(settings, std::string(kMaxForwardTypeBytes, 'a')));
}

TEST_CASE("jarvis settings: forward_types and its refusals", "[jarvis]") {
    const JarvisSettings defaults = parse_settings("");
    CHECK(defaults.forward_types.empty());
    const JarvisSettings set =
        parse_settings(R"({"forward_types":["site_action","voice_text","*"]})");
    CHECK(set.forward_types == std::vector<std::string>{"site_action", "voice_text", "*"});

    const std::vector<std::pair<std::string, std::string>> refused = {
        {R"({"forward_types":"site_action"})", "'forward_types' must be an array"},
        {R"({"forward_types":[1]})", "'forward_types' must hold non-empty strings"},
        {R"({"forward_types":[""]})", "'forward_types' must hold non-empty strings"},
        {R"({"forward_types":["a b"]})", "'a b' is not a message type"},
        {R"({"forward_types":[")" + std::string(kMaxForwardTypeBytes + 1, 'x') + "\"]}",
         "is not a message type"},
        {R"({"forward_types":["chat"]})", "'chat' is handled by the plugin itself"},
        {R"({"forward_types":["voice_start"]})", "'voice_start' is handled by the plugin itself"},
        {R"({"forward_types":["binary"]})", "'binary' is handled by the plugin itself"},
        {R"({"forward_types":["x","x"]})", "names 'x' twice"},
    };
    for (const auto& [config, expected] : refused) {
        INFO(config);
        try {
            parse_settings(config);
            FAIL("accepted");
        } catch (const std::invalid_argument& e) {
            CHECK_THAT(e.what(), Catch::Matchers::Contains(expected));
        }
    }
}

TEST_CASE("jarvis says why it ended a voice session in the voice_end it publishes", "[jarvis]") {
    CHECK(closed_voice_end_data("r1", 5) ==
          R"({"type":"voice_end","payload":{"requestId":"r1","reason":"closed"},"timestamp":5})");
    CHECK(
        closed_voice_end_data("r1", 5, "voice_text") ==
        R"({"type":"voice_end","payload":{"requestId":"r1","reason":"voice_text"},"timestamp":5})");
}

TEST_CASE("jarvis settings: the config examples' jarvis tables are ones jarvis accepts",
          "[jarvis]") {
    const std::filesystem::path source_dir = SWITCHYARD_SOURCE_DIR;
    for (const char* file : {"config/switchyard.toml", "config/examples/jarvis_daemon.toml"}) {
        INFO(file);
        const switchyard::Config config = switchyard::load_config(source_dir / file);
        bool found = false;
        for (const switchyard::PluginConfig& plugin : config.plugins) {
            if (plugin.name != "jarvis") continue;
            found = true;
            const JarvisSettings settings = parse_settings(plugin.settings_json);
            CHECK(settings.forward_types.empty());
            // upstream is the kernel's key: it is not handed to the plugin.
            CHECK(plugin.settings_json.find("upstream") == std::string::npos);
            if (std::string(file).find("jarvis_daemon") != std::string::npos) {
                REQUIRE(plugin.upstream.has_value());
            }
        }
        CHECK(found);
    }
}

// The groove plugin's pure parts: its wire encodings (seed 001's and the daemon's), the
// client messages it accepts, its settings and its snapshot.
#include "groove_protocol.hpp"

#include "groove_settings.hpp"
#include "groove_snapshot.hpp"

#include <switchyard/json.hpp>

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace groove = switchyard::groove;

TEST_CASE("groove encodes a bus event as the seed's {event, data} envelope", "[groove]") {
    // agent:spawned as seed 001 shows it, data as the backend published it (compact).
    const std::string data =
        R"({"id":"backend-1","role":"backend","provider":"claude-code",)"
        R"("model":"claude-sonnet-4-6","scope":["src/api/**"],"peers":["frontend-1"]})";
    CHECK(groove::event_message("agent:spawned", data) ==
          R"({"event":"agent:spawned","data":{"id":"backend-1","role":"backend",)"
          R"("provider":"claude-code","model":"claude-sonnet-4-6","scope":["src/api/**"],)"
          R"("peers":["frontend-1"]}})");

    // What a client does with it (the seed's own snippet): const { event: type, data }.
    std::optional<switchyard::json::Value> parsed =
        switchyard::json::parse(groove::event_message("agent:spawned", data));
    REQUIRE(parsed.has_value());
    CHECK(parsed->find("event")->as_string() == "agent:spawned");
    CHECK(parsed->find("data")->find("peers")->as_array().at(0).as_string() == "frontend-1");
}

TEST_CASE("groove escapes the event type and passes data through as it is", "[groove]") {
    CHECK(groove::event_message("odd \"type\"\\\n", R"([1, 2])") ==
          R"({"event":"odd \"type\"\\\n","data":[1, 2]})");
    CHECK(groove::event_message("journalist:cycle", "") ==
          R"({"event":"journalist:cycle","data":{}})");
}

TEST_CASE("groove appends to a reused buffer", "[groove]") {
    std::string buffer = "leftover";
    buffer.clear();
    groove::append_event_message(buffer, "agent:killed", R"({"id":"backend-1","reason":"manual"})");
    CHECK(buffer == R"({"event":"agent:killed","data":{"id":"backend-1","reason":"manual"}})");
}

TEST_CASE("groove settings default to the loopback host names", "[groove]") {
    const std::vector<std::string> loopback{"localhost", "127.0.0.1", "::1"};
    CHECK(groove::parse_settings("").allowed_origins == loopback);
    CHECK(groove::parse_settings("{}").allowed_origins == loopback);
    CHECK(groove::parse_settings(R"({"allowed_origins":["example.com"]})").allowed_origins ==
          std::vector<std::string>{"example.com"});
    CHECK(groove::parse_settings(R"({"allowed_origins":[]})").allowed_origins.empty());
}

TEST_CASE("groove settings refuse a wrong value or an unknown key, naming the key", "[groove]") {
    using Catch::Matchers::Contains;
    CHECK_THROWS_WITH(groove::parse_settings(R"({"allowed_origins":"localhost"})"),
                      Contains("'allowed_origins' must be an array of host name strings"));
    CHECK_THROWS_WITH(groove::parse_settings(R"({"allowed_origins":["a",1]})"),
                      Contains("'allowed_origins'"));
    CHECK_THROWS_WITH(groove::parse_settings(R"({"allowed_origins":[""]})"),
                      Contains("'allowed_origins'"));
    CHECK_THROWS_WITH(groove::parse_settings(R"({"allowed_orgins":[]})"),
                      Contains("unknown config key 'allowed_orgins'"));
    CHECK_THROWS_WITH(groove::parse_settings("[1]"), Contains("not a JSON object"));
    CHECK_THROWS_WITH(groove::parse_settings("{"), Contains("not valid JSON"));
}

TEST_CASE("groove settings let the keys the kernel reads pass", "[groove]") {
    // The connection caps and the default keepalive are the kernel's (they reach the
    // plugin with the rest of its table).
    CHECK_NOTHROW(groove::parse_settings(
        R"({"max_connections":10,"max_connections_per_address":2,"ping_interval_ms":0,)"
        R"("pong_timeout_ms":0,"allowed_origins":["a"]})"));
}

TEST_CASE("groove's daemon envelope spreads an object's members after the type", "[groove]") {
    std::string out;
    // rotation:complete as the daemon sends it: flat fields.
    CHECK(groove::append_daemon_message(out, "rotation:complete",
                                        R"({"agentId":"b-2","oldAgentId":"b-1"})"));
    CHECK(out == R"({"type":"rotation:complete","agentId":"b-2","oldAgentId":"b-1"})");

    // A backend that wants a nested data publishes it nested (approval:request).
    out.clear();
    CHECK(groove::append_daemon_message(out, "approval:request",
                                        R"({"data":{"id":"a1","agentId":"b-1"}})"));
    CHECK(out == R"({"type":"approval:request","data":{"id":"a1","agentId":"b-1"}})");

    out.clear();
    CHECK(groove::append_daemon_message(out, "auth:expired", "{}"));
    CHECK(out == R"({"type":"auth:expired"})");
    out.clear();
    CHECK(groove::append_daemon_message(out, "auth:expired", ""));
    CHECK(out == R"({"type":"auth:expired"})");
}

TEST_CASE("groove's daemon envelope puts data that is not an object under data", "[groove]") {
    std::string out;
    CHECK(groove::append_daemon_message(out, "state", R"([{"id":"b-1","status":"running"}])"));
    CHECK(out == R"({"type":"state","data":[{"id":"b-1","status":"running"}]})");
    out.clear();
    CHECK(groove::append_daemon_message(out, "note", R"("text")"));
    CHECK(out == R"({"type":"note","data":"text"})");
    out.clear();
    CHECK(groove::append_daemon_message(out, "count", "42"));
    CHECK(out == R"({"type":"count","data":42})");
}

TEST_CASE("groove's daemon envelope: the event's type wins over a type in the data", "[groove]") {
    std::string out;
    CHECK(groove::append_daemon_message(out, "agent:status",
                                        R"({"type":"forged","id":"b-1","\u0074ype":"x"})"));
    CHECK(out == R"({"type":"agent:status","id":"b-1"})");
}

TEST_CASE("groove's daemon envelope leaves the buffer alone for data that is not JSON",
          "[groove]") {
    std::string out = "kept";
    CHECK_FALSE(groove::append_daemon_message(out, "x", R"({"a":)"));
    CHECK_FALSE(groove::append_daemon_message(out, "x", "[1"));
    CHECK(out == "kept");
}

TEST_CASE("groove accepts the daemon's client message types and nothing else", "[groove]") {
    for (std::string_view type : groove::kClientTypes) {
        const std::string text = R"({"type":")" + std::string(type) + R"(","id":"t1"})";
        const groove::ClientMessage message = groove::read_client_message(text);
        INFO(text);
        CHECK(message.accepted);
        CHECK(message.type == type);
    }
    for (std::string_view text :
         {R"({"type":"agent:spawn"})", R"({"type":"PING"})", R"({"type":7})", R"({"id":"x"})",
          R"(["ping"])", R"("ping")", "ping", "{{{", "", R"({"type":"ping"} x)",
          R"({"type":"ping","__proto__":{"polluted":true}})",
          R"({"type":"terminal:spawn","constructor":{}})"}) {
        INFO(text);
        const groove::ClientMessage message = groove::read_client_message(text);
        CHECK_FALSE(message.accepted);
        CHECK_FALSE(message.problem.empty());
    }
    // A repeated key: the last one counts, as JSON.parse does.
    CHECK(groove::read_client_message(R"({"type":"nope","type":"ping"})").accepted);
    CHECK_FALSE(groove::read_client_message(R"({"type":"ping","type":"nope"})").accepted);
}

TEST_CASE("groove settings read the envelope and refuse any other value", "[groove]") {
    using Catch::Matchers::Contains;
    CHECK(groove::parse_settings("{}").envelope == groove::Envelope::Docs);
    CHECK(groove::parse_settings(R"({"envelope":"docs"})").envelope == groove::Envelope::Docs);
    CHECK(groove::parse_settings(R"({"envelope":"daemon"})").envelope == groove::Envelope::Daemon);
    CHECK_THROWS_WITH(groove::parse_settings(R"({"envelope":"Daemon"})"),
                      Contains("'envelope' must be \"docs\"") && Contains("it is \"Daemon\""));
    CHECK_THROWS_WITH(groove::parse_settings(R"({"envelope":1})"), Contains("not a string"));
}

TEST_CASE("groove's snapshot carries the latest state's data as published", "[groove]") {
    const std::string data = R"([{"id":"b-1","name":"back \"end\""}])";
    const std::string text = groove::encode_snapshot(groove::Snapshot{data});
    const std::optional<groove::Snapshot> back = groove::decode_snapshot(text);
    REQUIRE(back.has_value());
    REQUIRE(back->state_data.has_value());
    CHECK(*back->state_data == data);

    const std::optional<groove::Snapshot> none =
        groove::decode_snapshot(groove::encode_snapshot(groove::Snapshot{}));
    REQUIRE(none.has_value());
    CHECK_FALSE(none->state_data.has_value());
    CHECK_FALSE(groove::decode_snapshot("garbage").has_value());
    CHECK_FALSE(groove::decode_snapshot(R"({"state":1})").has_value());
}

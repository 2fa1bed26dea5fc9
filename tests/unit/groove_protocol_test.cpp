// The groove plugin's pure parts: its wire encoding (seed 001) and its settings.
#include "groove_protocol.hpp"

#include "groove_settings.hpp"

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

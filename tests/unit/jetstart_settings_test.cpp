// The jetstart plugin's config (plugins/jetstart/jetstart_settings.hpp).
#include "jetstart_settings.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>

using namespace switchyard::jetstart;

namespace {

// The message parse_settings refuses `json` with ("" when it accepts it).
std::string refusal(const std::string& json) {
    try {
        parse_settings(json);
        return "";
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
}

} // namespace

TEST_CASE("jetstart settings: defaults, every key, the kernel's keys pass", "[jetstart]") {
    const JetstartSettings defaults = parse_settings("");
    CHECK(defaults.session_id.empty());
    CHECK(defaults.token.empty());
    CHECK_FALSE(defaults.require_token);
    CHECK(defaults.project_name == "JetStart Project");
    CHECK(defaults.connect_timeout_ms == 10000);
    CHECK(defaults.heartbeat_interval_ms == 30000);
    CHECK(defaults.max_message_bytes == 32u << 20);
    CHECK(defaults.max_log_entries == 10000);
    CHECK(defaults.artifact_dir.empty());
    CHECK(defaults.advertised_host == "localhost");
    CHECK(defaults.advertised_http_port == 8765);
    CHECK(defaults.advertised_ws_port == 8766);

    const JetstartSettings all = parse_settings(
        R"({"session_id":"abc","token":"xyz","require_token":true,"project_name":"Demo",)"
        R"("connect_timeout_ms":500,"heartbeat_interval_ms":1000,"max_message_bytes":2048,)"
        R"("max_log_entries":5,"artifact_dir":"/srv/apk","advertised_host":"192.168.1.20",)"
        R"("advertised_http_port":9000,"advertised_ws_port":9001,"max_queued_bytes":4096,)"
        R"("ping_interval_ms":1000,"max_connections":10})");
    CHECK(all.session_id == "abc");
    CHECK(all.token == "xyz");
    CHECK(all.require_token);
    CHECK(all.project_name == "Demo");
    CHECK(all.connect_timeout_ms == 500);
    CHECK(all.heartbeat_interval_ms == 1000);
    CHECK(all.max_message_bytes == 2048);
    CHECK(all.max_log_entries == 5);
    CHECK(all.artifact_dir == "/srv/apk");
    CHECK(all.advertised_host == "192.168.1.20");
    CHECK(all.advertised_http_port == 9000);
    CHECK(all.advertised_ws_port == 9001);
    CHECK(all.max_queued_bytes == 4096);
    // Empty secrets mean "generate".
    CHECK(parse_settings(R"({"session_id":"","token":""})").session_id.empty());
}

TEST_CASE("jetstart settings: the advertised ports default to the bound ones", "[jetstart]") {
    // The kernel's "listening" key: what the endpoints are really bound to (port 0 in
    // listen gets a real port only at bind time).
    const JetstartSettings bound = parse_settings(
        R"({"listening":{"core":"127.0.0.1:45121","logs":"127.0.0.1:45122","http":"[::1]:36261"}})");
    CHECK(bound.advertised_ws_port == 45121);
    CHECK(bound.advertised_http_port == 36261);
    // Set explicitly, they win (a NAT, a proxy in front).
    const JetstartSettings set = parse_settings(
        R"({"advertised_ws_port":9001,"listening":{"core":"127.0.0.1:45121","http":"127.0.0.1:1"}})");
    CHECK(set.advertised_ws_port == 9001);
    CHECK(set.advertised_http_port == 1);
}

TEST_CASE("jetstart settings: bad values and unknown keys are refused by name", "[jetstart]") {
    CHECK(refusal(R"({"sesion_id":"x"})").starts_with("unknown config key 'sesion_id'"));
    CHECK(refusal(R"({"session_id":5})") == "config key 'session_id' must be a string");
    CHECK(refusal(R"({"token":"a|b"})") ==
          "config key 'token' may hold only visible ASCII other than '|'");
    CHECK(refusal(R"({"token":"a b"})") ==
          "config key 'token' may hold only visible ASCII other than '|'");
    CHECK(refusal(R"({"require_token":"yes"})") ==
          "config key 'require_token' must be true or false");
    CHECK(refusal(R"({"project_name":""})") ==
          "config key 'project_name' must hold 1 to 200 characters");
    CHECK(
        refusal(R"({"project_name":"a|b"})").starts_with("config key 'project_name' may not hold"));
    CHECK(refusal(R"({"connect_timeout_ms":0})")
              .starts_with("config key 'connect_timeout_ms' must be"));
    CHECK(refusal(R"({"heartbeat_interval_ms":-5})")
              .starts_with("config key 'heartbeat_interval_ms'"));
    CHECK(refusal(R"({"max_message_bytes":268435457})")
              .starts_with("config key 'max_message_bytes'"));
    CHECK(refusal(R"({"max_log_entries":0})").starts_with("config key 'max_log_entries'"));
    CHECK(refusal(R"({"max_log_entries":100001})") ==
          "config key 'max_log_entries' must be a whole number from 1 to 100000");
    CHECK(refusal(R"({"artifact_dir":"relative/dir"})") ==
          "config key 'artifact_dir' must be an absolute folder");
    CHECK(refusal(R"({"advertised_host":"a/b"})") ==
          "config key 'advertised_host' must be a host name or an address");
    CHECK(
        refusal(R"({"advertised_ws_port":70000})").starts_with("config key 'advertised_ws_port'"));
    CHECK(refusal("[1]") == "config is not a JSON object");
    CHECK(refusal("{").starts_with("config is not valid JSON"));
}

TEST_CASE("jetstart secrets: 128 random bits as hex, different every time", "[jetstart]") {
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        const std::string secret = random_secret();
        CHECK(secret.size() == 32);
        CHECK(secret.find_first_not_of("0123456789abcdef") == std::string::npos);
        seen.insert(secret);
    }
    CHECK(seen.size() == 100);
}

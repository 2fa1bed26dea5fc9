// The clijaw plugin's config (plugins/clijaw/clijaw_settings.hpp).
#include "clijaw_settings.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace switchyard::clijaw;

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

TEST_CASE("clijaw settings: defaults, every key, and the kernel's keys pass", "[clijaw]") {
    const ClijawSettings defaults = parse_settings("");
    CHECK(defaults.auth_token.empty());
    CHECK(defaults.allowed_origins == std::vector<std::string>{"localhost", "127.0.0.1", "::1"});
    CHECK(defaults.max_listeners == 256);
    CHECK(defaults.heartbeat_ms == 15000);
    CHECK(defaults.workers.empty());
    CHECK(defaults.worker_stall_ms == 60000);
    CHECK(defaults.worker_retry_min_ms == 1000);
    CHECK(defaults.worker_retry_max_ms == 30000);
    CHECK(defaults.worker_auth_token.empty());

    const ClijawSettings set = parse_settings(
        R"({"enabled":true,"listen":"127.0.0.1:1","max_connections":5,"auth_token":"s3cret",
            "allowed_origins":["app.example.com"],"max_listeners":2,"heartbeat_ms":500,
            "workers":["http://127.0.0.1:3458/","http://[::1]:3459","http://worker-2"],
            "worker_stall_ms":1000,"worker_retry_min_ms":50,"worker_retry_max_ms":400,
            "worker_auth_token":"w"})");
    CHECK(set.auth_token == "s3cret");
    CHECK(set.allowed_origins == std::vector<std::string>{"app.example.com"});
    CHECK(set.max_listeners == 2);
    CHECK(set.heartbeat_ms == 500);
    // A trailing slash is dropped: "/api/events" is appended to the base.
    CHECK(set.workers == std::vector<std::string>{"http://127.0.0.1:3458", "http://[::1]:3459",
                                                  "http://worker-2"});
    CHECK(set.worker_stall_ms == 1000);
    CHECK(set.worker_retry_min_ms == 50);
    CHECK(set.worker_retry_max_ms == 400);
    CHECK(set.worker_auth_token == "w");
}

TEST_CASE("clijaw settings refuse unknown keys and bad values, naming the key", "[clijaw]") {
    CHECK_THAT(refusal(R"({"token":"x"})"), Catch::Contains("unknown config key 'token'"));
    CHECK_THAT(refusal(R"({"replay":10})"), Catch::Contains("unknown config key 'replay'"));
    CHECK_THAT(refusal(R"({"auth_token":5})"), Catch::Contains("'auth_token'"));
    CHECK_THAT(refusal(R"({"auth_token":"a b"})"), Catch::Contains("'auth_token'"));
    CHECK_THAT(refusal(R"({"allowed_origins":"localhost"})"), Catch::Contains("'allowed_origins'"));
    CHECK_THAT(refusal(R"({"allowed_origins":[""]})"), Catch::Contains("'allowed_origins'"));
    CHECK_THAT(refusal(R"({"max_listeners":0})"), Catch::Contains("'max_listeners'"));
    CHECK_THAT(refusal(R"({"max_listeners":-1})"), Catch::Contains("'max_listeners'"));
    CHECK_THAT(refusal(R"({"max_listeners":1.5})"), Catch::Contains("'max_listeners'"));
    CHECK_THAT(refusal(R"({"heartbeat_ms":99})"), Catch::Contains("'heartbeat_ms'"));
    CHECK_THAT(refusal(R"({"workers":["https://w:1"]})"), Catch::Contains("'workers'"));
    CHECK_THAT(refusal(R"({"workers":["http://w:1/api"]})"), Catch::Contains("'workers'"));
    CHECK_THAT(refusal(R"({"workers":["http://w:0"]})"), Catch::Contains("'workers'"));
    CHECK_THAT(refusal(R"({"workers":["http://w:65536"]})"), Catch::Contains("'workers'"));
    CHECK_THAT(refusal(R"({"workers":["http://:80"]})"), Catch::Contains("'workers'"));
    CHECK_THAT(refusal(R"({"workers":["http://w:1","http://w:1/"]})"), Catch::Contains("twice"));
    CHECK_THAT(refusal(R"({"worker_retry_min_ms":500,"worker_retry_max_ms":100})"),
               Catch::Contains("'worker_retry_max_ms'"));
    CHECK_THAT(refusal(R"({"worker_auth_token":"a\nb"})"), Catch::Contains("'worker_auth_token'"));
    CHECK_THAT(refusal("[1]"), Catch::Contains("not a JSON object"));
    CHECK_THAT(refusal("{"), Catch::Contains("not valid JSON"));
    CHECK(refusal(R"({"max_queued_bytes":1,"publish_to":[]})").empty());
}

TEST_CASE("clijaw recognizes worker base URLs", "[clijaw]") {
    CHECK(is_worker_base_url("http://127.0.0.1:3457"));
    CHECK(is_worker_base_url("http://localhost"));
    CHECK(is_worker_base_url("http://[::1]:1/"));
    CHECK_FALSE(is_worker_base_url("http://"));
    CHECK_FALSE(is_worker_base_url("http://[]:1"));
    CHECK_FALSE(is_worker_base_url("http://h:1?x"));
    CHECK_FALSE(is_worker_base_url("http://user@h:1"));
    CHECK_FALSE(is_worker_base_url("ftp://h:1"));
}

// The control API of a kernel on the redis engine while its Redis goes away and comes back
// (issue 15, "Redis down"): a real redis-server killed with SIGKILL and restarted, a real
// kernel process. While Redis is gone /readyz is 503 and says why, a publish is 503
// BUS_UNAVAILABLE with Retry-After (an array one names what it published: nothing), and
// /healthz stays 200; once Redis is back both are ready and publishes go on from the seq
// Redis kept.
#include "kernel_process.hpp"
#include "redis_server.hpp"
#include "test_json.hpp"
#include "wait_until.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace switchyard::test;
namespace json = boost::json;

namespace {

constexpr auto kWait = std::chrono::seconds(20);

std::string redis_bus_toml(const RedisServer& redis) {
    return "[bus]\nengine = \"redis\"\nredis_url = \"" + redis.url() +
           "\"\nredis_key_prefix = \"control-api-test\"\nredis_timeout_ms = 500\n";
}

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

constexpr std::string_view kEvent = R"({"topic":"groove","type":"t","data":{}})";

} // namespace

TEST_CASE("control on redis: while Redis is gone, /readyz and publish are 503 and say why",
          "[integration][control][redis]") {
    RedisServer redis = RedisServer::start();
    KernelOptions options;
    options.extra_toml = redis_bus_toml(redis);
    auto kernel = KernelProcess::start(options);
    const HttpClient control = kernel.control();

    REQUIRE(wait_until([&] { return control.get("/readyz").status == 200; }, kWait));
    const HttpResponse first = control.post("/api/v1/publish", kEvent);
    REQUIRE(first.status == 200);
    CHECK(parse_json(first.body) == json::value{{"seq", 1}});

    redis.kill();
    HttpResponse not_ready;
    REQUIRE(wait_until(
        [&] {
            not_ready = control.get("/readyz");
            return not_ready.status == 503;
        },
        kWait));
    const json::value readiness = parse_json(not_ready.body);
    CHECK(string_field(readiness, "status") == "bus_unavailable");
    CHECK(contains(string_field(readiness, "reason"), "redis"));
    CHECK(control.get("/healthz").status == 200);

    const HttpResponse refused = control.post("/api/v1/publish", kEvent);
    INFO("answer " << refused.status << ": " << refused.body);
    CHECK(refused.status == 503);
    CHECK(refused.header("Retry-After") == "1");
    const json::value body = parse_json(refused.body);
    CHECK(string_field(body, "error") == "BUS_UNAVAILABLE");
    CHECK(contains(string_field(body, "message"), "redis"));
    CHECK(contains(string_field(body, "message"), "; retry"));

    const HttpResponse array = control.post("/api/v1/publish", "[" + std::string(kEvent) + "]");
    CHECK(array.status == 503);
    CHECK(parse_json(array.body).at("seqs") == json::array{});
    const std::string down = control.get("/metrics").body;
    CHECK(contains(down, "switchyard_bus_available{engine=\"redis\"} 0\n"));
    CHECK(contains(down, "switchyard_bus_publish_failures_total{engine=\"redis\"} 2\n"));

    redis.restart();
    REQUIRE(wait_until([&] { return control.get("/readyz").status == 200; }, kWait));
    const HttpResponse after = control.post("/api/v1/publish", kEvent);
    CHECK(after.status == 200);
    CHECK(parse_json(after.body) == json::value{{"seq", 2}});
    const std::string back = control.get("/metrics").body;
    CHECK(contains(back, "switchyard_bus_available{engine=\"redis\"} 1\n"));
    CHECK(contains(back, "switchyard_bus_reconnects_total{engine=\"redis\"} 1\n"));
    CHECK(contains(back, "switchyard_bus_gaps_total{engine=\"redis\"} 0\n"));
}

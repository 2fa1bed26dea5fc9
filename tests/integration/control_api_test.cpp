// The kernel's control API over real sockets (DESIGN.md "Control API"): probes, the plugin
// list, publish and each of its refusals, bearer auth, and the SSE event stream with
// Last-Event-ID replay. Each test starts its own kernel on ephemeral ports.
#include "kernel_process.hpp"
#include "publish.hpp"
#include "sse_client.hpp"
#include "test_json.hpp"
#include "toml_text.hpp"
#include "wait_until.hpp"
#include "ws_client.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace switchyard::test;
namespace json = boost::json;

namespace {

constexpr auto kWait = std::chrono::seconds(10);

KernelProcess start_with_groove(KernelOptions options = {}) {
    options.extra_toml += enabled_plugin_table("groove");
    return KernelProcess::start(options);
}

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

// An error answer: `status`, a JSON body {"error": code, "message": "<text>"}.
void check_error(const HttpResponse& response, unsigned status, std::string_view code) {
    INFO("answer " << response.status << ": " << response.body);
    CHECK(response.status == status);
    CHECK(contains(response.header("content-type"), "application/json"));
    const json::value body = parse_json(response.body);
    CHECK(string_field(body, "error") == code);
    CHECK_FALSE(string_field(body, "message").empty());
}

// The one SSE event expected next; fails the test when none arrives in time.
SseEvent next_event(SseClient& events) {
    auto event = events.next(kWait);
    INFO("unparsed stream: " << events.unparsed());
    REQUIRE(event.has_value());
    return *event;
}

const json::object* find_plugin(const json::value& list, std::string_view name) {
    for (const auto& plugin : list.at("plugins").as_array()) {
        if (string_field(plugin, "name") == name) return &plugin.as_object();
    }
    return nullptr;
}

int64_t groove_connections(const KernelProcess& kernel) {
    const json::value list = parse_json(kernel.control().get("/api/v1/plugins").body);
    const json::object* groove = find_plugin(list, "groove");
    return groove ? groove->at("connections").to_number<int64_t>() : -1;
}

} // namespace

TEST_CASE("control: /healthz and /readyz answer once the kernel is ready",
          "[integration][control]") {
    auto kernel = start_with_groove();

    const auto health = kernel.control().get("/healthz");
    CHECK(health.status == 200);
    CHECK(parse_json(health.body) == json::value{{"status", "ok"}});

    const auto ready = kernel.control().get("/readyz");
    CHECK(ready.status == 200);
    CHECK(parse_json(ready.body) == json::value{{"status", "ready"}});
}

TEST_CASE("control: GET /api/v1/plugins describes the running groove plugin",
          "[integration][control]") {
    auto kernel = start_with_groove();

    const auto response = kernel.control().get("/api/v1/plugins");
    REQUIRE(response.status == 200);
    CHECK(contains(response.header("content-type"), "application/json"));
    const json::value list = parse_json(response.body);
    INFO(response.body);
    REQUIRE(list.at("plugins").as_array().size() == 1);
    const json::object* groove = find_plugin(list, "groove");
    REQUIRE(groove != nullptr);
    CHECK(string_field(*groove, "state") == "running");
    CHECK(string_field(*groove, "abi") == "1.4");
    CHECK_FALSE(string_field(*groove, "version").empty());
    CHECK(contains(string_field(*groove, "library"), "groove"));
    CHECK(groove->at("generation").to_number<int64_t>() >= 1);
    CHECK(groove->at("connections").to_number<int64_t>() == 0);

    const auto& endpoints = groove->at("endpoints").as_array();
    REQUIRE(endpoints.size() == 1);
    CHECK(string_field(endpoints[0], "name") == "default");
    CHECK(string_field(endpoints[0], "address") == "127.0.0.1");
    const auto port = endpoints[0].at("port").to_number<int64_t>();
    CHECK(port > 0);
    CHECK(port < 65536);

    // The reported port is the one that really serves groove's WebSocket.
    auto client = WsClient::connect(uint16_t(port), "/ws");
    CHECK(wait_until([&] { return groove_connections(kernel) == 1; }, kWait));
}

TEST_CASE("control: POST /api/v1/publish of one event answers its seq", "[integration][control]") {
    auto kernel = start_with_groove();
    auto control = kernel.control();

    const auto first = control.post("/api/v1/publish", R"({"topic":"groove","type":"a"})");
    REQUIRE(first.status == 200);
    CHECK(contains(first.header("content-type"), "application/json"));
    const json::value first_body = parse_json(first.body);
    INFO(first.body);
    REQUIRE(first_body.is_object());
    CHECK(first_body.as_object().size() == 1);
    const auto first_seq = first_body.at("seq").to_number<int64_t>();
    CHECK(first_seq >= 1);

    // Every optional field, well-typed, is accepted.
    const auto second =
        control.post("/api/v1/publish",
                     R"({"topic":"groove/agents","type":"agent:spawned","data":{"id":"backend-1"},)"
                     R"("id":"corr-7","priority":"high","visibility":"internal",)"
                     R"("scope":{"workspaceId":"w1","conn":"12"}})");
    REQUIRE(second.status == 200);
    CHECK(parse_json(second.body).at("seq").to_number<int64_t>() > first_seq);
}

TEST_CASE("control: POST /api/v1/publish of an array answers every seq in order",
          "[integration][control]") {
    auto kernel = start_with_groove();
    const uint64_t before = publish(kernel, R"({"topic":"groove","type":"before"})");

    const auto response = kernel.control().post(
        "/api/v1/publish",
        R"([{"topic":"groove","type":"one"},{"topic":"groove","type":"two","data":[1,2]},)"
        R"({"topic":"groove/x","type":"three","visibility":"public"}])");
    REQUIRE(response.status == 200);
    const json::value body = parse_json(response.body);
    INFO(response.body);
    const auto& seqs = body.at("seqs").as_array();
    REQUIRE(seqs.size() == 3);
    CHECK(seqs[0].to_number<uint64_t>() > before);
    CHECK(seqs[1].to_number<uint64_t>() > seqs[0].to_number<uint64_t>());
    CHECK(seqs[2].to_number<uint64_t>() > seqs[1].to_number<uint64_t>());
}

TEST_CASE("control: a publish body that is not JSON is refused with 400 BAD_JSON",
          "[integration][control]") {
    auto kernel = start_with_groove();
    for (const std::string body :
         {"{{{", "", "{\"topic\":", "nul", "{\"topic\":\"groove\",\"type\":\"x\"} trailing"}) {
        INFO("body: " << body);
        check_error(kernel.control().post("/api/v1/publish", body), 400, "BAD_JSON");
    }
}

TEST_CASE(
    "control: an event that is not an object or has bad fields is refused with 400 "
    "BAD_EVENT",
    "[integration][control]") {
    auto kernel = start_with_groove();
    const char* const bodies[] = {
        "42",
        "\"text\"",
        "null",
        "true",
        R"({"type":"x"})",                     // no topic
        R"({"topic":"groove"})",               // no type
        R"({"topic":1,"type":"x"})",           // topic not a string
        R"({"topic":"groove","type":2})",      // type not a string
        R"({"topic":"","type":"x"})",          // empty topic
        R"({"topic":"has space","type":"x"})", // not a topic
        R"({"topic":"/groove","type":"x"})",
        R"({"topic":"groove/","type":"x"})",
        R"({"topic":"a//b","type":"x"})",
        R"({"topic":"groove","type":"x","id":5})",       // id not a string
        R"({"topic":"groove","type":"x","priority":1})", // priority not a string
        R"({"topic":"groove","type":"x","visibility":"secret"})",
        R"({"topic":"groove","type":"x","visibility":true})",
        R"({"topic":"groove","type":"x","scope":"conn"})", // scope not an object
        R"({"topic":"groove","type":"x","scope":[1]})",
        R"([{"topic":"groove","type":"x"},{"type":"y"}])", // one bad event in an array
        R"([1])",
        R"([])"}; // publishes nothing
    for (const std::string body : bodies) {
        INFO("body: " << body);
        check_error(kernel.control().post("/api/v1/publish", body), 400, "BAD_EVENT");
    }
}

TEST_CASE("control: a body over control.max_body_bytes is refused with 413 TOO_LARGE",
          "[integration][control]") {
    KernelOptions options;
    options.control_toml = "max_body_bytes = 1024\n";
    auto kernel = start_with_groove(options);

    const std::string large =
        R"({"topic":"groove","type":"big","data":")" + std::string(4096, 'x') + R"("})";
    check_error(kernel.control().post("/api/v1/publish", large), 413, "TOO_LARGE");

    // The limit is on size only: the kernel still serves a body under it.
    const std::string small =
        R"({"topic":"groove","type":"small","data":")" + std::string(512, 'x') + R"("})";
    CHECK(kernel.control().post("/api/v1/publish", small).status == 200);
}

TEST_CASE("control: unknown paths are 404 NOT_FOUND, wrong methods 405 METHOD_NOT_ALLOWED",
          "[integration][control]") {
    auto kernel = start_with_groove();
    auto control = kernel.control();

    check_error(control.get("/api/v1/nope"), 404, "NOT_FOUND");
    check_error(control.get("/nope"), 404, "NOT_FOUND");
    check_error(control.post("/api/v2/publish", R"({"topic":"groove","type":"x"})"), 404,
                "NOT_FOUND");

    check_error(control.get("/api/v1/publish"), 405, "METHOD_NOT_ALLOWED");
    check_error(control.request("PUT", "/api/v1/publish", R"({"topic":"groove","type":"x"})"), 405,
                "METHOD_NOT_ALLOWED");
    check_error(control.post("/api/v1/plugins", "{}"), 405, "METHOD_NOT_ALLOWED");
    check_error(control.request("DELETE", "/api/v1/events?stream=groove"), 405,
                "METHOD_NOT_ALLOWED");
    check_error(control.post("/healthz", "{}"), 405, "METHOD_NOT_ALLOWED");
}

TEST_CASE("control: with a token, only requests bearing it are served", "[integration][control]") {
    KernelOptions options;
    options.control_token = "s3cret";
    auto kernel = start_with_groove(options);
    const HttpClient anonymous(kernel.control_port());
    const std::string event = R"({"topic":"groove","type":"x"})";

    check_error(anonymous.post("/api/v1/publish", event), 401, "UNAUTHORIZED");
    check_error(anonymous.get("/api/v1/plugins"), 401, "UNAUTHORIZED");
    check_error(anonymous.get("/api/v1/events?stream=groove"), 401, "UNAUTHORIZED");
    for (const std::string wrong :
         {"Bearer wrong", "Bearer s3cre", "Bearer s3cretX", "s3cret", "Basic s3cret", "Bearer "}) {
        INFO("Authorization: " << wrong);
        check_error(anonymous.post("/api/v1/publish", event, {{"Authorization", wrong}}), 401,
                    "UNAUTHORIZED");
    }

    const HttpHeaders bearer{{"Authorization", "Bearer s3cret"}};
    const auto published = anonymous.post("/api/v1/publish", event, bearer);
    CHECK(published.status == 200);
    CHECK(parse_json(published.body).at("seq").to_number<int64_t>() >= 1);
    CHECK(anonymous.get("/api/v1/plugins", bearer).status == 200);
    auto events = SseClient::connect(kernel.control_port(), "/api/v1/events?stream=groove", bearer);
    CHECK(events.status() == 200);
}

TEST_CASE("control: without a token, loopback peers are served", "[integration][control]") {
    auto kernel = start_with_groove();
    const HttpClient anonymous(kernel.control_port());
    CHECK(anonymous.post("/api/v1/publish", R"({"topic":"groove","type":"x"})").status == 200);
    CHECK(anonymous.get("/api/v1/plugins").status == 200);
}

TEST_CASE("control: GET /api/v1/events streams a stream's events as SSE",
          "[integration][control]") {
    auto kernel = start_with_groove();
    auto events = SseClient::connect(kernel.control_port(), "/api/v1/events?stream=groove");
    REQUIRE(events.status() == 200);
    CHECK(events.header("content-type").rfind("text/event-stream", 0) == 0);

    const uint64_t full =
        publish(kernel, R"({"topic":"groove","type":"agent:spawned","data":{"id":"backend-1",)"
                        R"("contextUsage":0.45},"id":"corr-1","priority":"high",)"
                        R"("scope":{"workspaceId":"w1"}})");
    const SseEvent first = next_event(events);
    CHECK(first.id.value_or("<no id>") == std::to_string(full));
    const json::value first_json = parse_json(first.data);
    INFO(first.data);
    CHECK(first_json.at("seq").to_number<uint64_t>() == full);
    CHECK(string_field(first_json, "topic") == "groove");
    CHECK(string_field(first_json, "type") == "agent:spawned");
    CHECK(first_json.at("data") == parse_json(R"({"id":"backend-1","contextUsage":0.45})"));
    CHECK(string_field(first_json, "id") == "corr-1");
    CHECK(string_field(first_json, "priority") == "high");
    CHECK(first_json.at("scope") == parse_json(R"({"workspaceId":"w1"})"));
    // ms since the Unix epoch: after 2020-01-01.
    CHECK(first_json.at("ts").to_number<int64_t>() > 1577836800000);

    // A subtopic belongs to its stream; data defaults to {}; absent options stay absent.
    const uint64_t bare = publish(kernel, R"({"topic":"groove/sub","type":"bare"})");
    const SseEvent second = next_event(events);
    CHECK(second.id.value_or("<no id>") == std::to_string(bare));
    const json::value second_json = parse_json(second.data);
    INFO(second.data);
    CHECK(string_field(second_json, "topic") == "groove/sub");
    CHECK(second_json.at("data") == json::object{});
    CHECK_FALSE(second_json.as_object().contains("id"));
    CHECK_FALSE(second_json.as_object().contains("priority"));
    CHECK_FALSE(second_json.as_object().contains("scope"));
    CHECK(second_json.at("ts").is_number());
}

TEST_CASE(
    "control: GET /api/v1/events with Last-Event-ID replays what followed it, then "
    "goes live",
    "[integration][control]") {
    auto kernel = start_with_groove();
    const uint64_t s1 = publish(kernel, R"({"topic":"groove","type":"one"})");
    const uint64_t s2 = publish(kernel, R"({"topic":"groove","type":"two"})");
    const uint64_t s3 = publish(kernel, R"({"topic":"groove","type":"three"})");

    auto events = SseClient::connect(kernel.control_port(), "/api/v1/events?stream=groove",
                                     {{"Last-Event-ID", std::to_string(s1)}});
    REQUIRE(events.status() == 200);
    const SseEvent replayed_2 = next_event(events);
    CHECK(replayed_2.id.value_or("<no id>") == std::to_string(s2));
    CHECK(string_field(parse_json(replayed_2.data), "type") == "two");
    const SseEvent replayed_3 = next_event(events);
    CHECK(replayed_3.id.value_or("<no id>") == std::to_string(s3));
    CHECK(string_field(parse_json(replayed_3.data), "type") == "three");

    const uint64_t s4 = publish(kernel, R"({"topic":"groove","type":"four"})");
    const SseEvent live = next_event(events);
    CHECK(live.id.value_or("<no id>") == std::to_string(s4));
    CHECK(string_field(parse_json(live.data), "type") == "four");
}

TEST_CASE("control: GET /api/v1/events without a cursor delivers live events only",
          "[integration][control]") {
    auto kernel = start_with_groove();
    publish(kernel, R"({"topic":"groove","type":"old-1"})");
    publish(kernel, R"({"topic":"groove","type":"old-2"})");

    auto events = SseClient::connect(kernel.control_port(), "/api/v1/events?stream=groove");
    REQUIRE(events.status() == 200);
    const uint64_t fresh = publish(kernel, R"({"topic":"groove","type":"fresh"})");
    const SseEvent first = next_event(events);
    CHECK(first.id.value_or("<no id>") == std::to_string(fresh));
    CHECK(string_field(parse_json(first.data), "type") == "fresh");
}

TEST_CASE("control: GET /api/v1/events delivers only the stream it names",
          "[integration][control]") {
    auto kernel = start_with_groove();
    auto events = SseClient::connect(kernel.control_port(), "/api/v1/events?stream=groove");
    REQUIRE(events.status() == 200);

    publish(kernel, R"({"topic":"jarvis","type":"elsewhere"})");
    publish(kernel, R"({"topic":"grooves","type":"lookalike"})");
    const uint64_t mine = publish(kernel, R"({"topic":"groove","type":"mine"})");
    const SseEvent first = next_event(events);
    CHECK(first.id.value_or("<no id>") == std::to_string(mine));
    CHECK(string_field(parse_json(first.data), "type") == "mine");
}

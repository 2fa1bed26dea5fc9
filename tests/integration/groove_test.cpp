// The groove plugin in a real kernel (seed 001_014682a2e2062861.txt): bus events become
// {"event","data"} text frames to every client of ws://<endpoint>/ws, the Origin policy,
// client messages that never close a connection, the 1 MiB frame limit, broadcast, and
// stream isolation. Each test starts its own kernel on ephemeral ports.
#include "kernel_process.hpp"
#include "publish.hpp"
#include "toml_text.hpp"
#include "ws_client.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace switchyard::test;

namespace {

constexpr auto kWait = std::chrono::seconds(10);
constexpr size_t kMiB = 1024 * 1024;

KernelProcess start_groove() {
    return KernelProcess::start(enabled_plugin_table("groove"));
}

WsClient connect_groove(const KernelProcess& kernel, const HttpHeaders& headers = {}) {
    return WsClient::connect(kernel.plugin_port("groove"), "/ws", headers);
}


struct GrooveEvent {
    std::string type;
    std::string data; // compact JSON, as published
};

std::string event_json(const GrooveEvent& event, std::string_view topic = "groove") {
    return R"({"topic":")" + std::string(topic) + R"(","type":")" + event.type + R"(","data":)" +
           event.data + "}";
}

// What a client must receive for `event`, byte for byte (seed 001).
std::string wire(const GrooveEvent& event) {
    return R"({"event":")" + event.type + R"(","data":)" + event.data + "}";
}

// The nine event types of seed 001 with the seed's example data, then a type it does not
// name, which passes unchanged as well.
const std::vector<GrooveEvent>& seed_events() {
    static const std::vector<GrooveEvent> events{
        {"agent:spawned", R"({"id":"backend-1","role":"backend","provider":"claude-code",)"
                          R"("model":"claude-sonnet-4-6","scope":["src/api/**"],)"
                          R"("peers":["frontend-1"]})"},
        {"agent:killed", R"({"id":"backend-1","reason":"manual"})"},
        {"agent:status", R"({"id":"backend-1","status":"active","contextUsage":0.45,)"
                         R"("model":"claude-sonnet-4-6"})"},
        {"rotation:start", R"({"agentId":"backend-1","reason":"context_threshold",)"
                           R"("contextUsage":0.76})"},
        {"rotation:complete", R"({"old":"backend-1","new":"backend-2",)"
                              R"("reason":"context_threshold","handoffBrief":true})"},
        {"rotation:failed", R"({"agentId":"backend-1",)"
                            R"("error":"Failed to spawn replacement agent",)"
                            R"("reason":"context_threshold"})"},
        {"rotation:triggered", R"({"old":"backend-1","new":"backend-2",)"
                               R"("reason":"context_threshold"})"},
        {"journalist:update", R"({"projectMap":true,"decisions":true,)"
                              R"("timestamp":"2026-04-05T00:30:00Z"})"},
        {"journalist:cycle", R"({"trigger":"interval","activeAgents":3,)"
                             R"("timestamp":"2026-04-05T00:30:00Z"})"},
        {"custom:thing", R"({"nested":{"list":[1,2.5,null,false],"text":"\"quoted\" é"}})"},
    };
    return events;
}

const GrooveEvent kSpawned{"agent:spawned", R"({"id":"backend-1","role":"backend"})"};

} // namespace

TEST_CASE("groove: a published event reaches a client as {event, data}, byte for byte",
          "[integration][groove]") {
    auto kernel = start_groove();
    auto client = connect_groove(kernel);

    publish(kernel, event_json(kSpawned));
    CHECK(next_text_or_why(client) ==
          R"({"event":"agent:spawned","data":{"id":"backend-1","role":"backend"}})");
}

TEST_CASE("groove: the seed's nine event types and any other type arrive in publish order",
          "[integration][groove]") {
    auto kernel = start_groove();
    auto client = connect_groove(kernel);

    for (const auto& event : seed_events()) publish(kernel, event_json(event));
    for (const auto& event : seed_events()) {
        INFO("expected: " << wire(event));
        CHECK(next_text_or_why(client) == wire(event));
    }
}

TEST_CASE("groove: a handshake without Origin or from a local Origin is accepted",
          "[integration][groove]") {
    auto kernel = start_groove();
    auto no_origin = connect_groove(kernel);
    auto localhost = connect_groove(kernel, {{"Origin", "http://localhost:3000"}});
    auto loopback = connect_groove(kernel, {{"Origin", "http://127.0.0.1:8080"}});

    publish(kernel, event_json(kSpawned));
    for (WsClient* client : {&no_origin, &localhost, &loopback})
        CHECK(next_text_or_why(*client) == wire(kSpawned));
}

TEST_CASE("groove: a handshake from a foreign Origin is refused with 403",
          "[integration][groove]") {
    auto kernel = start_groove();
    for (const std::string origin :
         {"http://evil.example", "https://evil.example:3000", "http://localhost.evil.example"}) {
        INFO("Origin: " << origin);
        const WsAttempt attempt =
            WsClient::try_connect(kernel.plugin_port("groove"), "/ws", {{"Origin", origin}});
        INFO("answer body: " << attempt.body);
        CHECK(attempt.status == 403);
        CHECK_FALSE(attempt.client.has_value());
    }
    // The refusals left the endpoint serving.
    auto client = connect_groove(kernel);
    publish(kernel, event_json(kSpawned));
    CHECK(next_text_or_why(client) == wire(kSpawned));
}

TEST_CASE("groove: what a client sends is ignored and never closes its connection",
          "[integration][groove]") {
    auto kernel = start_groove();
    auto client = connect_groove(kernel);

    CHECK(client.send_text("ping"));
    CHECK(client.send_text("{{{"));
    CHECK(client.send_text(R"({"event":"agent:spawned","data":{}})"));
    CHECK(client.send_text(""));
    CHECK(client.send_binary(std::string("\x00\x01\x02\xff", 4)));

    // No answer to any of them: the next message is the event published afterwards.
    publish(kernel, event_json(kSpawned));
    CHECK(next_text_or_why(client) == wire(kSpawned));
    CHECK_FALSE(client.closed());
}

TEST_CASE("groove: a client frame of up to 1 MiB is accepted, a larger one closes with 1009",
          "[integration][groove]") {
    auto kernel = start_groove();
    auto bystander = connect_groove(kernel);
    auto client = connect_groove(kernel);

    CHECK(client.send_binary(std::string(kMiB, 'a')));
    publish(kernel, event_json(kSpawned));
    CHECK(next_text_or_why(client) == wire(kSpawned));

    client.send_binary(std::string(kMiB + 1, 'b')); // may fail half-way: the server stops reading
    REQUIRE(client.wait_closed(kWait));
    INFO("ended: " << client.end_reason());
    REQUIRE(client.close_code().has_value());
    CHECK(*client.close_code() == 1009);

    // Only that connection ended.
    CHECK(next_text_or_why(bystander) == wire(kSpawned));
    const GrooveEvent after{"agent:killed", R"({"id":"backend-1","reason":"manual"})"};
    publish(kernel, event_json(after));
    CHECK(next_text_or_why(bystander) == wire(after));
}

TEST_CASE("groove: a text frame over 1 MiB closes with 1009 too", "[integration][groove]") {
    auto kernel = start_groove();
    auto client = connect_groove(kernel);
    client.send_text(std::string(kMiB + 1, 't'));
    REQUIRE(client.wait_closed(kWait));
    INFO("ended: " << client.end_reason());
    REQUIRE(client.close_code().has_value());
    CHECK(*client.close_code() == 1009);
}

TEST_CASE("groove: every connected client receives the same event", "[integration][groove]") {
    auto kernel = start_groove();
    std::vector<WsClient> clients;
    for (int i = 0; i < 5; ++i) clients.push_back(connect_groove(kernel));

    const GrooveEvent first = seed_events()[2];
    const GrooveEvent second = seed_events()[4];
    publish(kernel, event_json(first));
    publish(kernel, event_json(second));
    for (auto& client : clients) {
        CHECK(next_text_or_why(client) == wire(first));
        CHECK(next_text_or_why(client) == wire(second));
    }
}

TEST_CASE("groove: events of other streams and internal events are not delivered",
          "[integration][groove]") {
    auto kernel = start_groove();
    auto client = connect_groove(kernel);

    const GrooveEvent other{"agent:spawned", R"({"id":"not-for-groove"})"};
    publish(kernel, event_json(other, "jarvis"));
    publish(kernel, event_json(other, "grooves"));
    publish(kernel, event_json(other, "clijaw/groove"));
    publish(kernel, R"({"topic":"groove","type":"agent:spawned","data":{"id":"internal"},)"
                    R"("visibility":"internal"})");
    // A subtopic of groove is part of the stream and arrives.
    const GrooveEvent subtopic{"agent:status", R"({"id":"backend-1","status":"idle"})"};
    publish(kernel, event_json(subtopic, "groove/agents"));
    publish(kernel, event_json(kSpawned));

    CHECK(next_text_or_why(client) == wire(subtopic));
    CHECK(next_text_or_why(client) == wire(kSpawned));
}

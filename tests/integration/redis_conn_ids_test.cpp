// Two nodes on one Redis (the redis bus engine) never hand out the same connection id: a
// backend answering one client with scope.conn reaches that client on its node, and the
// other node's client, which without node tags would have the very same id, gets nothing.
#include "kernel_process.hpp"
#include "publish.hpp"
#include "redis_server.hpp"
#include "sse_client.hpp"
#include "test_json.hpp"
#include "toml_text.hpp"
#include "wait_until.hpp"
#include "ws_client.hpp"

#include <catch2/catch.hpp>

#include <charconv>
#include <map>
#include <stdexcept>
#include <string>

using namespace switchyard::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

constexpr auto kWait = 10s;

// A node with one worker (so, before node tags, both nodes counted their connections
// alike: the n-th one got id n << 8 on each), groove in daemon mode, and the redis bus.
KernelProcess start_node(const RedisServer& redis) {
    KernelOptions options;
    options.full_toml = "[kernel]\nplugin_dir = " + toml_quote(SWITCHYARD_PLUGIN_DIR) +
                        "\nworkers = 1\nlog_level = \"debug\"\n"
                        "[control]\nlisten = \"127.0.0.1:0\"\n"
                        "[bus]\nengine = \"redis\"\nredis_url = " +
                        toml_quote(redis.url()) + "\nredis_key_prefix = \"conn_ids\"\n" +
                        enabled_plugin_table("groove", "envelope = \"daemon\"\n");
    auto node = KernelProcess::start(options);
    // The engine connects in the background: up once a publish goes through.
    REQUIRE(wait_until(
        [&] {
            try {
                publish(node, R"({"topic":"warmup","type":"up","data":{}})");
                return true;
            } catch (const std::runtime_error&) {
                return false;
            }
        },
        kWait));
    return node;
}

// The control API's SSE feed of stream `inbound` (every node's: the bus is shared).
SseClient inbound_feed(const KernelProcess& node) {
    auto feed = SseClient::connect(node.control_port(), "/api/v1/events?stream=inbound",
                                   {{"Last-Event-ID", "0"}});
    REQUIRE(feed.status() == 200);
    return feed;
}

uint64_t as_id(const std::string& text) {
    uint64_t id = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    REQUIRE((ec == std::errc() && end == text.data() + text.size()));
    return id;
}

} // namespace

TEST_CASE("redis conn ids: scope.conn published on node B reaches only node A's client",
          "[integration][redis]") {
    auto redis = RedisServer::start();
    auto a = start_node(redis);
    auto b = start_node(redis);
    // The same connections on each node, in the same order.
    auto feed = inbound_feed(a);
    auto b_feed = inbound_feed(b);
    auto a_client = WsClient::connect(a.plugin_port("groove"), "/");
    auto b_client = WsClient::connect(b.plugin_port("groove"), "/");

    // Each client's message reaches the backend with its connection id.
    CHECK(a_client.send_text(R"({"type":"terminal:spawn","requestId":"on-a"})"));
    CHECK(b_client.send_text(R"({"type":"terminal:spawn","requestId":"on-b"})"));
    std::map<std::string, std::string> conn_of; // requestId -> scope.conn
    while (conn_of.size() < 2) {
        const auto event = feed.next(kWait);
        REQUIRE(event);
        const json::value value = parse_json(event->data);
        INFO(event->data);
        const json::value& data = value.at("data");
        if (string_field(value, "type") != "terminal:spawn") continue;
        conn_of[string_field(data, "requestId")] = string_field(value.at("scope"), "conn");
    }
    const uint64_t on_a = as_id(conn_of.at("on-a"));
    const uint64_t on_b = as_id(conn_of.at("on-b"));
    CHECK(on_a != on_b);
    // Each node's ids carry its own tag in bits 63..40; bit 63 stays clear.
    CHECK((on_a >> 40) != 0);
    CHECK((on_b >> 40) != 0);
    CHECK((on_a >> 40) != (on_b >> 40));
    CHECK((on_a >> 63) == 0);
    CHECK((on_b >> 63) == 0);

    // The backend answers A's client through node B.
    publish(b, R"({"topic":"groove","type":"terminal:spawned","data":{"requestId":"on-a"},)"
               R"("scope":{"conn":")" +
                   conn_of.at("on-a") + R"("}})");
    CHECK(next_text_or_why(a_client) == R"({"type":"terminal:spawned","requestId":"on-a"})");
    // B's client got nothing of it: the next thing it receives is its own answer.
    publish(b, R"({"topic":"groove","type":"terminal:spawned","data":{"requestId":"on-b"},)"
               R"("scope":{"conn":")" +
                   conn_of.at("on-b") + R"("}})");
    CHECK(next_text_or_why(b_client) == R"({"type":"terminal:spawned","requestId":"on-b"})");
}

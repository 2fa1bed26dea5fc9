// ClaudeControl's events over real sockets (seed 004, issue 12 item 3): a bus event of
// stream claudecontrol becomes {"type", "workspaceId"?, ...data} with the seed's key
// fields; subscribe limits a client to one workspace (unscoped events still arrive, a new
// subscribe replaces the old), unsubscribe lifts it; with many clients in many
// workspaces each gets exactly its own; and ten thousand workspaces created and left
// leave the kernel's group count where it started.
#include "claudecontrol_fixture.hpp"
#include "jetstart_fixture.hpp"
#include "plugin_control.hpp"
#include "publish.hpp"
#include "test_json.hpp"
#include "wait_until.hpp"

#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

using namespace switchyard::test;

namespace {

namespace json = boost::json;

void send(WsClient& client, const json::object& message) {
    REQUIRE(client.send_text(json::serialize(message)));
}

// A marker event every client gets: what arrived before it is all there is.
void fence(const KernelProcess& kernel, std::string_view mark) {
    publish_claudecontrol(kernel, "", "fence", R"({"mark":")" + std::string(mark) + "\"}");
}

// The types (and workspace) a client got up to the fence `mark`.
std::vector<std::string> until_fence(WsClient& client, std::string_view mark) {
    std::vector<std::string> got;
    for (;;) {
        const json::object event = next_object(client);
        if (string_field(event, "type") == "fence" && string_field(event, "mark") == mark)
            return got;
        got.push_back(string_field(event, "type") + "@" +
                      (event.contains("workspaceId") ? string_field(event, "workspaceId") : "-"));
    }
}

// The kernel's count of the plugin's groups (GET /api/v1/plugins).
int64_t group_count(const KernelProcess& kernel) {
    const json::object plugin = plugin_status(kernel, "claudecontrol");
    if (!plugin.contains("groups"))
        throw std::runtime_error("GET /api/v1/plugins has no group count: " +
                                 json::serialize(plugin));
    return plugin.at("groups").to_number<int64_t>();
}

} // namespace

TEST_CASE(
    "claudecontrol events: the seed's events with their key fields, workspaceId from "
    "the topic, data's type and workspaceId never override",
    "[integration][claudecontrol]") {
    auto kernel = start_claudecontrol();
    auto client = open_claudecontrol(kernel);
    // Subscribed to nothing yet: every event.
    publish_claudecontrol(kernel, "ws_1", "agent_created",
                          R"({"agent":{"id":"a1","role":"coder"},"spawnedBy":"user"})");
    publish_claudecontrol(kernel, "ws_1", "agent_done",
                          R"({"agentId":"a1","role":"coder","cost":0.25})");
    publish_claudecontrol(kernel, "ws_1", "permission_request",
                          R"({"requestId":"req_1","agentId":"a1","tool":"Bash",)"
                          R"("input":{"command":"ls"}})");
    publish_claudecontrol(kernel, "", "agent_session", R"({"agentId":"a1","sessionId":"s1"})");
    publish_claudecontrol(kernel, "ws_2", "agent_text",
                          R"({"agentId":"a2","text":"hi","type":"x","workspaceId":"ws_9"})");

    json::object created = next_object(client);
    CHECK(string_field(created, "type") == "agent_created");
    CHECK(string_field(created, "workspaceId") == "ws_1");
    CHECK(string_field(created, "spawnedBy") == "user");
    CHECK(string_field(created.at("agent"), "id") == "a1");
    json::object done = next_object(client);
    CHECK(string_field(done, "type") == "agent_done");
    CHECK(done.at("cost").to_number<double>() == 0.25);
    json::object request = next_object(client);
    CHECK(string_field(request, "type") == "permission_request");
    CHECK(string_field(request, "requestId") == "req_1");
    CHECK(string_field(request, "workspaceId") == "ws_1");
    CHECK(string_field(request.at("input"), "command") == "ls");
    json::object session = next_object(client);
    CHECK(string_field(session, "type") == "agent_session");
    CHECK_FALSE(session.contains("workspaceId"));
    CHECK(string_field(session, "sessionId") == "s1");
    json::object text = next_object(client);
    CHECK(string_field(text, "type") == "agent_text");
    CHECK(string_field(text, "workspaceId") == "ws_2");
    CHECK(json::serialize(text) ==
          R"({"type":"agent_text","workspaceId":"ws_2","agentId":"a2","text":"hi"})");
    // Internal events reach nobody.
    publish(kernel, R"({"topic":"claudecontrol/ws_1","type":"agent_text","visibility":"internal",)"
                    R"("data":{"text":"secret"}})");
    fence(kernel, "f");
    CHECK(until_fence(client, "f").empty());
}

TEST_CASE(
    "claudecontrol events: subscribe limits a client to one workspace, a new subscribe "
    "replaces it, unsubscribe lifts it, unscoped events always arrive",
    "[integration][claudecontrol]") {
    auto kernel = start_claudecontrol();
    auto client = open_subscribed(kernel, "", "ws_a");
    auto everything = open_claudecontrol(kernel);
    sync_client(everything);

    const auto round = [&](std::string_view mark) {
        publish_claudecontrol(kernel, "ws_a", "agent_text", R"({"agentId":"x","text":"a"})");
        publish_claudecontrol(kernel, "ws_b", "agent_text", R"({"agentId":"y","text":"b"})");
        publish_claudecontrol(kernel, "", "agent_session", R"({"agentId":"z","sessionId":"s"})");
        fence(kernel, mark);
    };
    round("1");
    CHECK(until_fence(client, "1") ==
          std::vector<std::string>{"agent_text@ws_a", "agent_session@-"});
    CHECK(until_fence(everything, "1") ==
          std::vector<std::string>{"agent_text@ws_a", "agent_text@ws_b", "agent_session@-"});

    send(client, {{"type", "subscribe"}, {"workspaceId", "ws_b"}});
    sync_client(client);
    round("2");
    CHECK(until_fence(client, "2") ==
          std::vector<std::string>{"agent_text@ws_b", "agent_session@-"});
    CHECK(until_fence(everything, "2").size() == 3);

    send(client, {{"type", "unsubscribe"}, {"workspaceId", "ws_b"}});
    sync_client(client);
    round("3");
    CHECK(until_fence(client, "3") ==
          std::vector<std::string>{"agent_text@ws_a", "agent_text@ws_b", "agent_session@-"});
    CHECK(until_fence(everything, "3").size() == 3);
}

TEST_CASE(
    "claudecontrol events: 200 clients in 20 workspaces and 20 unsubscribed each get "
    "exactly their workspace's events, across a reload",
    "[integration][claudecontrol]") {
    auto kernel = start_claudecontrol();
    constexpr int kWorkspaces = 20;
    constexpr int kPerWorkspace = 10;
    std::vector<WsClient> members;
    for (int w = 0; w < kWorkspaces; ++w) {
        for (int i = 0; i < kPerWorkspace; ++i)
            members.push_back(open_subscribed(kernel, "", "ws_" + std::to_string(w)));
    }
    std::vector<WsClient> unfiltered;
    for (int i = 0; i < 20; ++i) {
        unfiltered.push_back(open_claudecontrol(kernel));
        sync_client(unfiltered.back());
    }

    for (int pass = 0; pass < 2; ++pass) {
        if (pass == 1) REQUIRE(reload_plugin(kernel, "claudecontrol").status == 200);
        for (int w = 0; w < kWorkspaces; ++w)
            publish_claudecontrol(kernel, "ws_" + std::to_string(w), "agent_working",
                                  R"({"agentId":"a)" + std::to_string(w) + "\"}");
        const std::string mark = "pass" + std::to_string(pass);
        fence(kernel, mark);
        for (size_t k = 0; k < members.size(); ++k) {
            const std::string workspace = "ws_" + std::to_string(k / kPerWorkspace);
            CHECK(until_fence(members[k], mark) ==
                  std::vector<std::string>{"agent_working@" + workspace});
        }
        for (auto& client : unfiltered) CHECK(until_fence(client, mark).size() == kWorkspaces);
    }
}

TEST_CASE(
    "claudecontrol events: 10,000 workspaces subscribed to and left leave the kernel's "
    "group count where it started",
    "[integration][claudecontrol]") {
    auto kernel = start_claudecontrol();
    auto client = open_claudecontrol(kernel);
    sync_client(client);
    const int64_t before = group_count(kernel);

    constexpr int kWorkspaces = 10'000;
    // One client walks through them (each subscribe leaves the previous workspace, whose
    // group then has no member); a second one holds a workspace and then closes.
    for (int w = 0; w < kWorkspaces; ++w) {
        REQUIRE(client.send_text(json::serialize(
            json::object{{"type", "subscribe"}, {"workspaceId", "day_" + std::to_string(w)}})));
    }
    sync_client(client);
    auto holder = open_subscribed(kernel, "", "held");
    // Events to workspaces nobody is in make no lasting group either.
    for (int w = 0; w < 50; ++w)
        publish_claudecontrol(kernel, "empty_" + std::to_string(w), "agent_working", "{}");
    fence(kernel, "subscribed");
    until_fence(holder, "subscribed");
    const auto got = until_fence(client, "subscribed");
    CHECK(got.empty()); // subscribed to day_9999 by now: the empty_* events are not its
    CHECK(group_count(kernel) == before + 2); // day_9999 and held

    REQUIRE(client.send_text(R"({"type":"unsubscribe"})"));
    sync_client(client);
    holder.close();
    CHECK(wait_until([&] { return group_count(kernel) == before; }, std::chrono::seconds(10)));
    INFO("groups before " << before << ", after " << group_count(kernel));
    CHECK(group_count(kernel) == before);
}

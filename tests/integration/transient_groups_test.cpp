// Transient groups (ABI 1.3 group_transient, issue 12) over real sockets, with the
// transient_groups test plugin: a group made by group_transient is forgotten when its
// last member leaves (group_remove or a closed connection) or when the hook that named
// it returns with nobody in it; its id is then stale (SY_ERR_NOT_FOUND, broadcast
// included) and never reused; group() pins one; a group with members survives a
// reload. The operator sees the count: "groups" in GET /api/v1/plugins and
// switchyard_plugin_groups in /metrics.
#include "kernel_process.hpp"
#include "plugin_control.hpp"
#include "plugin_list.hpp"
#include "toml_text.hpp"
#include "wait_until.hpp"
#include "ws_client.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

using namespace switchyard::test;

namespace {

constexpr auto kWait = std::chrono::seconds(10);
// Statuses as the plugin reports them (plugin.h).
const std::string kOk = "0";
const std::string kNotFound = "-3";

KernelProcess start_kernel() {
    return KernelProcess::start(enabled_plugin_table(
        "transient_groups",
        "library = " +
            toml_quote(std::string(SWITCHYARD_TEST_PLUGIN_DIR) + "/transient_groups.so") + "\n"));
}

WsClient connect(const KernelProcess& kernel) {
    return WsClient::connect(kernel.plugin_port("transient_groups"), "/ws");
}

// Sends `command` and returns what the plugin answered after the command's name.
std::string ask(WsClient& client, const std::string& command) {
    REQUIRE(client.send_text(command));
    const std::string answer = next_text_or_why(client, kWait);
    const std::string name = command.substr(0, command.find(' ')) + " ";
    if (answer.rfind(name, 0) != 0) return answer;
    return answer.substr(name.size());
}

uint64_t listed_groups(const KernelProcess& kernel) {
    const auto plugin = listed_plugin(kernel, "transient_groups");
    return plugin ? plugin->at("groups").to_number<uint64_t>() : UINT64_MAX;
}

std::string metrics_line(const KernelProcess& kernel) {
    const std::string body = kernel.control().get("/metrics").body;
    const std::string name = "switchyard_plugin_groups{plugin=\"transient_groups\"} ";
    const size_t at = body.find(name);
    if (at == std::string::npos) return "<no " + name + "line>";
    return body.substr(at + name.size(), body.find('\n', at) - at - name.size());
}

bool groups_back_to(const KernelProcess& kernel, uint64_t count) {
    return wait_until([&] { return listed_groups(kernel) == count; }, kWait);
}

} // namespace

TEST_CASE("transient groups: ten thousand joined and left leave nothing behind",
          "[integration][groups]") {
    auto kernel = start_kernel();
    const uint64_t before = listed_groups(kernel);
    auto client = connect(kernel);
    // Made, joined and left within one hook.
    CHECK(ask(client, "cycle 9000 bulk-") == "9000");
    // Joined in one hook, left in the next.
    for (int i = 0; i < 500; ++i) {
        const std::string id = ask(client, "join room-" + std::to_string(i));
        REQUIRE(id.find("failed") == std::string::npos);
        REQUIRE(ask(client, "leave " + id) == kOk);
    }
    // Named in a hook, never joined.
    for (int i = 0; i < 300; ++i) ask(client, "name lonely-" + std::to_string(i));
    // Left by closing the connection.
    std::vector<WsClient> leavers;
    for (int i = 0; i < 20; ++i) {
        leavers.push_back(connect(kernel));
        for (int j = 0; j < 10; ++j)
            ask(leavers.back(), "join closed-" + std::to_string(i) + "-" + std::to_string(j));
    }
    CHECK(wait_until([&] { return listed_groups(kernel) == before + 200; }, kWait));
    for (auto& leaver : leavers) leaver.close();
    CHECK(groups_back_to(kernel, before));
    CHECK(metrics_line(kernel) == std::to_string(before));
}

TEST_CASE("transient groups: a stale id is refused, never reused, and the name makes a new group",
          "[integration][groups]") {
    auto kernel = start_kernel();
    auto a = connect(kernel);
    auto b = connect(kernel);
    const std::string room = ask(a, "join room");
    CHECK(ask(b, "join room") == room); // the same group while it has members
    CHECK(ask(a, "leave " + room) == kOk);
    CHECK(ask(a, "size " + room) == "1");
    CHECK(ask(a, "say " + room + " still here") == kOk);
    CHECK(next_text_or_why(b, kWait) == "still here");
    b.close(); // the last member leaves by closing
    CHECK(wait_until([&] { return ask(a, "size " + room) == "0"; }, kWait));
    CHECK(ask(a, "say " + room + " anyone?") == kNotFound);
    CHECK(ask(a, "add " + room) == kNotFound);
    CHECK(ask(a, "leave " + room) == kNotFound);
    const std::string again = ask(a, "join room");
    CHECK(again != room);
    CHECK(std::stoull(again) > std::stoull(room));

    // Named without a member: gone once the hook returned.
    const std::string lonely = ask(a, "name lonely");
    CHECK(ask(a, "add " + lonely) == kNotFound);
    CHECK(ask(a, "name lonely") != lonely);
}

TEST_CASE("transient groups: group() pins one, and group_transient() of a permanent group is it",
          "[integration][groups]") {
    auto kernel = start_kernel();
    const uint64_t before = listed_groups(kernel);
    auto client = connect(kernel);
    const std::string pinned = ask(client, "join pinned");
    CHECK(ask(client, "pin pinned") == pinned);
    CHECK(ask(client, "leave " + pinned) == kOk);
    CHECK(ask(client, "add " + pinned) == kOk); // still there with nobody in it
    CHECK(ask(client, "leave " + pinned) == kOk);
    CHECK(ask(client, "name pinned") == pinned);
    const std::string fixed = ask(client, "pin fixed");
    CHECK(ask(client, "name fixed") == fixed);
    CHECK(ask(client, "size " + fixed) == "0");
    CHECK(ask(client, "add " + fixed) == kOk);
    CHECK(groups_back_to(kernel, before + 2));
}

TEST_CASE("transient groups: a group with members survives a reload with its id",
          "[integration][groups]") {
    auto kernel = start_kernel();
    const uint64_t before = listed_groups(kernel);
    auto a = connect(kernel);
    auto b = connect(kernel);
    const std::string room = ask(a, "join survivor");
    CHECK(ask(b, "join survivor") == room);
    const std::string gone = ask(a, "name gone");
    REQUIRE(reload_plugin(kernel, "transient_groups").status == 200);
    CHECK(groups_back_to(kernel, before + 1));
    CHECK(ask(a, "name survivor") == room);
    auto outsider = connect(kernel); // not a member: its answer cannot race the broadcast
    CHECK(ask(outsider, "say " + room + " after the reload") == kOk);
    CHECK(next_text_or_why(a, kWait) == "after the reload");
    CHECK(next_text_or_why(b, kWait) == "after the reload");
    CHECK(ask(a, "add " + gone) == kNotFound);
    a.close();
    b.close();
    CHECK(groups_back_to(kernel, before));
}

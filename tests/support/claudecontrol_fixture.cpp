#include "claudecontrol_fixture.hpp"

#include "jetstart_fixture.hpp"
#include "publish.hpp"
#include "test_json.hpp"
#include "toml_text.hpp"

#include <boost/json/serialize.hpp>

#include <stdexcept>

namespace switchyard::test {

namespace json = boost::json;

KernelProcess start_claudecontrol(std::string_view plugin_lines,
                                  const std::filesystem::path& state_dir) {
    KernelOptions kernel;
    if (!state_dir.empty())
        kernel.kernel_toml = "state_dir = " + toml_quote(state_dir.string()) + "\n";
    kernel.extra_toml = enabled_plugin_table("claudecontrol", plugin_lines) + "\n";
    return KernelProcess::start(kernel);
}

uint16_t claudecontrol_port(const KernelProcess& kernel) {
    return kernel.plugin_port("claudecontrol");
}

HttpClient claudecontrol_http(const KernelProcess& kernel) {
    return HttpClient(claudecontrol_port(kernel));
}

HttpResponse login(const KernelProcess& kernel, std::string_view pin) {
    return claudecontrol_http(kernel).post("/api/auth/login",
                                           json::serialize(json::object{{"pin", pin}}));
}

std::string login_token(const KernelProcess& kernel, std::string_view pin) {
    const HttpResponse answer = login(kernel, pin);
    if (answer.status != 200)
        throw std::runtime_error("login answered " + std::to_string(answer.status) + " " +
                                 answer.body);
    return string_field(parse_json(answer.body), "token");
}

namespace {

HttpHeaders bearer(std::string_view token) {
    if (token.empty()) return {};
    return {{"Authorization", "Bearer " + std::string(token)}};
}

} // namespace

HttpResponse set_pin(const KernelProcess& kernel, std::string_view pin, std::string_view token) {
    return claudecontrol_http(kernel).request(
        "PUT", "/api/settings/pin", json::serialize(json::object{{"pin", pin}}), bearer(token));
}

HttpResponse remove_pin(const KernelProcess& kernel, std::string_view token) {
    return claudecontrol_http(kernel).request("DELETE", "/api/settings/pin", {}, bearer(token));
}

WsClient open_claudecontrol(const KernelProcess& kernel, std::string_view token) {
    const std::string path = token.empty() ? "/" : "/?token=" + std::string(token);
    return WsClient::connect(claudecontrol_port(kernel), path);
}

WsClient open_subscribed(const KernelProcess& kernel, std::string_view token,
                         std::string_view workspace) {
    WsClient client = open_claudecontrol(kernel, token);
    const std::string message =
        json::serialize(json::object{{"type", "subscribe"}, {"workspaceId", workspace}});
    if (!client.send_text(message))
        throw std::runtime_error("subscribe not sent: " + client.end_reason());
    sync_client(client);
    return client;
}

void sync_client(WsClient& client) {
    if (!client.send_text(R"({"type":"sync"})"))
        throw std::runtime_error("sync not sent: " + client.end_reason());
    const json::object error = next_of_type(client, "error");
    if (string_field(error, "error") != "Unknown message type: sync")
        throw std::runtime_error("sync answered " + json::serialize(error));
}

uint64_t publish_claudecontrol(const KernelProcess& kernel, std::string_view workspace,
                               std::string_view type, std::string_view data_json) {
    std::string topic = "claudecontrol";
    if (!workspace.empty()) topic += "/" + std::string(workspace);
    return publish(kernel, R"({"topic":)" + json::serialize(json::string(topic)) + R"(,"type":)" +
                               json::serialize(json::string(type)) + R"(,"data":)" +
                               std::string(data_json) + "}");
}

json::object next_of_type(WsClient& client, std::string_view type,
                          std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string seen;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        const json::object event = next_object(client, left);
        if (string_field(event, "type") == type) return event;
        seen += json::serialize(event) + "\n";
    }
    throw std::runtime_error("no '" + std::string(type) + "' event; seen:\n" + seen);
}

json::object next_claudecontrol_inbound(SseClient& feed, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto event = feed.next(std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()));
        if (!event) break;
        const json::value value = parse_json(event->data);
        if (!value.is_object()) continue;
        if (string_field(value, "topic") == "inbound/claudecontrol") return value.as_object();
    }
    throw std::runtime_error("no inbound/claudecontrol event within the timeout");
}

} // namespace switchyard::test

#include "jetstart_fixture.hpp"

#include "publish.hpp"
#include "test_json.hpp"
#include "toml_text.hpp"

#include <boost/json/serialize.hpp>

#include <stdexcept>

namespace switchyard::test {

namespace json = boost::json;

std::string jetstart_table(std::string_view extra_lines, bool with_secrets) {
    std::string table =
        "[plugins.jetstart]\nenabled = true\n"
        "listen = { core = \"127.0.0.1:0\", logs = \"127.0.0.1:0\", "
        "http = \"127.0.0.1:0\" }\n";
    if (with_secrets) {
        table += "session_id = " + toml_quote(kJetSession) + "\n";
        table += "token = " + toml_quote(kJetToken) + "\n";
    }
    return table + std::string(extra_lines) + "\n";
}

KernelProcess start_jetstart(std::string_view extra_lines, bool with_secrets,
                             std::string_view more_toml) {
    KernelOptions options;
    options.extra_toml = jetstart_table(extra_lines, with_secrets) + std::string(more_toml);
    return KernelProcess::start(options);
}

uint16_t core_port(const KernelProcess& kernel) {
    return kernel.plugin_port("jetstart", "core");
}
uint16_t logs_port(const KernelProcess& kernel) {
    return kernel.plugin_port("jetstart", "logs");
}
uint16_t http_port(const KernelProcess& kernel) {
    return kernel.plugin_port("jetstart", "http");
}

int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string seed_connect(std::string_view session, std::string_view token) {
    json::object message{{"type", "client:connect"},
                         {"timestamp", wall_ms()},
                         {"sessionId", session},
                         {"token", token}};
    message["deviceInfo"] =
        json::object{{"id", "device-1"},        {"model", "Pixel 8"},     {"platform", "android"},
                     {"architecture", "arm64"}, {"androidVersion", "14"}, {"apiLevel", 34}};
    return json::serialize(message);
}

json::object next_object(WsClient& client, std::chrono::milliseconds timeout) {
    const std::string text = next_text_or_why(client, timeout);
    const json::value value = parse_json(text);
    if (!value.is_object()) throw std::runtime_error("not a JSON object: " + text);
    return value.as_object();
}

WsClient open_device(const KernelProcess& kernel, const std::string& connect_text) {
    auto device = WsClient::connect(core_port(kernel), "/");
    if (!device.send_text(connect_text))
        throw std::runtime_error("client:connect not sent: " + device.end_reason());
    const std::string answer = next_text_or_why(device);
    const json::value value = parse_json(answer);
    if (string_field(value, "type") != "core:connected")
        throw std::runtime_error("client:connect answered " + answer + " (close " +
                                 std::to_string(device.close_code().value_or(0)) + " " +
                                 device.close_reason() + ")");
    return device;
}

uint64_t publish_jetstart(const KernelProcess& kernel, std::string_view type,
                          std::string_view data_json) {
    return publish(kernel, R"({"topic":"jetstart","type":)" + json::serialize(json::string(type)) +
                               R"(,"data":)" + std::string(data_json) + "}");
}

SseClient jetstart_inbound_feed(const KernelProcess& kernel) {
    auto feed = SseClient::connect(kernel.control_port(), "/api/v1/events?stream=inbound",
                                   {{"Last-Event-ID", "0"}});
    if (feed.status() != 200)
        throw std::runtime_error("inbound feed answered " + std::to_string(feed.status()));
    return feed;
}

json::object next_jetstart_inbound(SseClient& feed, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto event = feed.next(std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()));
        if (!event) break;
        const json::value value = parse_json(event->data);
        if (!value.is_object()) continue;
        if (string_field(value, "topic") == "inbound/jetstart") return value.as_object();
    }
    throw std::runtime_error("no inbound/jetstart event within the timeout");
}

} // namespace switchyard::test

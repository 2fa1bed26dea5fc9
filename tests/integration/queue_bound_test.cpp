// The outbound byte bound per connection (issue 9): a client that never reads is cut off
// as a slow consumer once the endpoint's bound in bytes waits for it, while a client
// that reads on the same endpoint gets every message. The bound is the config's
// max_queued_bytes, else what the plugin declares (sy_endpoint_v1.max_queued_bytes),
// else twice the endpoint's largest message, at least 1 MiB (tests/plugins/queue_bound).
#include "kernel_process.hpp"
#include "toml_text.hpp"
#include "wait_until.hpp"
#include "ws_client.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <regex>
#include <string>

using namespace switchyard::test;

namespace {

constexpr size_t kPayload = 4000;       // under the plugin's 4096-byte messages
constexpr size_t kFrame = kPayload + 4; // a server frame: 2 + 2 length bytes of header
// Enough to fill both socket buffers of loopback (several MiB) and then the bound.
constexpr int kMaxMessages = 20000;

KernelProcess start_queue_bound(std::string_view extra_lines = {}) {
    return KernelProcess::start(
        "[plugins.queue_bound]\nenabled = true\nlibrary = " +
        toml_quote(std::string(SWITCHYARD_TEST_PLUGIN_DIR) + "/queue_bound.so") +
        "\nlisten = { declared = \"127.0.0.1:0\", defaulted = \"127.0.0.1:0\" }\n" +
        std::string(extra_lines));
}

// The bytes queued when the kernel cut a connection off as too slow, from its log line.
std::optional<size_t> slow_consumer_bytes(const std::string& log) {
    static const std::regex line(R"(\((\d+) bytes\) queued, client too slow)");
    std::smatch match;
    if (!std::regex_search(log, match, line)) return std::nullopt;
    return std::stoull(match[1].str());
}

struct Outcome {
    std::optional<size_t> cut_at; // bytes queued for the slow client when it was cut off
    int sent = 0;
    int echoed = 0; // messages the reading client got back
    bool reader_open = false;
    bool slow_closed = false;
};

// A reader and a client that never reads, both on `path` of `port`: the reader sends
// messages (each relayed to both) until the kernel reports the slow one cut off.
Outcome flood(KernelProcess& kernel, uint16_t port, const std::string& path) {
    auto slow = WsClient::connect(port, path);
    auto reader = WsClient::connect(port, path);
    const std::string payload(kPayload, 'x');
    Outcome outcome;
    while (outcome.sent < kMaxMessages) {
        if (!reader.send_text(payload)) break;
        ++outcome.sent;
        if (next_text_or_why(reader) != payload) break;
        ++outcome.echoed;
        if (outcome.sent % 64 == 0 && (outcome.cut_at = slow_consumer_bytes(kernel.log()))) break;
    }
    if (!outcome.cut_at) {
        wait_until([&] { return slow_consumer_bytes(kernel.log()).has_value(); },
                   std::chrono::seconds(5));
        outcome.cut_at = slow_consumer_bytes(kernel.log());
    }
    // The reader is untouched: one more message still comes back.
    outcome.reader_open = reader.send_text("after") && next_text_or_why(reader) == "after";
    outcome.slow_closed = slow.wait_closed(std::chrono::seconds(20));
    return outcome;
}

void check_cut_at(const Outcome& outcome, size_t bound, const KernelProcess& kernel) {
    INFO("sent " << outcome.sent << ", echoed " << outcome.echoed);
    const std::string log = kernel.log();
    INFO(log.substr(log.size() > 6000 ? log.size() - 6000 : 0)); // its end
    REQUIRE(outcome.cut_at.has_value());
    // Cut off when the next frame would have taken the queue past the bound.
    CHECK(*outcome.cut_at <= bound);
    CHECK(*outcome.cut_at + kFrame > bound);
    CHECK(outcome.echoed == outcome.sent);
    CHECK(outcome.reader_open);
    CHECK(outcome.slow_closed);
}

} // namespace

TEST_CASE("queue bound: the plugin's declared max_queued_bytes cuts a slow client off",
          "[integration][queue_bound]") {
    auto kernel = start_queue_bound();
    const auto outcome = flood(kernel, kernel.plugin_port("queue_bound", "declared"), "/declared");
    check_cut_at(outcome, 64 * 1024, kernel);
}

TEST_CASE(
    "queue bound: an endpoint that states none gets twice its largest message, at "
    "least 1 MiB",
    "[integration][queue_bound]") {
    auto kernel = start_queue_bound();
    const auto outcome =
        flood(kernel, kernel.plugin_port("queue_bound", "defaulted"), "/defaulted");
    check_cut_at(outcome, size_t{1} << 20, kernel);
}

TEST_CASE("queue bound: the config's max_queued_bytes overrides the plugin's",
          "[integration][queue_bound]") {
    auto kernel = start_queue_bound("max_queued_bytes = 200000\n");
    const auto outcome = flood(kernel, kernel.plugin_port("queue_bound", "declared"), "/declared");
    check_cut_at(outcome, 200000, kernel);
}

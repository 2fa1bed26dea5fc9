// counter: the hot-reload fixture (tests/integration/reload_test.cpp, reload_leak_test.cpp).
//
// One source built three times, the way a plugin developer rebuilds one plugin:
//   counter_v1.so          COUNTER_VERSION=1, version "1.0.0"
//   counter_v2.so          COUNTER_VERSION=2, version "2.0.0": answers like v1 but says
//                          "v":2, and takes over v1's counter from its snapshot
//   counter_v3_refuses.so  COUNTER_VERSION=3: its create() refuses any snapshot it is
//                          given, like a release whose snapshot format is incompatible
// All three are the plugin "counter", with one endpoint "default": WebSocket GET /ws and
// SSE GET /events, consuming the bus stream "counter".
//
// `n` counts what the instance handled (client text messages and bus events) and is
// carried across a reload in the snapshot "counter-snapshot-v1:<n>", so a test sees
// whether the new generation continued where the old one stopped. What each client
// sees, as JSON text:
//   on open        {"v":V,"hello":true,"n":n}      (SSE: "event: hello\ndata: ...")
//                  proves on_open ran, so the connection is in its group
//   a bus event    {"v":V,"seq":<event seq>,"n":n} to every WebSocket client, and
//                  "id: <seq>\ndata: {...}\n\n" to every SSE client
//   a text message {"v":V,"echo":<the text>,"n":n,"mine":m} to its sender, where m counts
//                  that connection's messages in the kernel-held connection state
//                  (conn_state_set), which a reload must carry too
#include <switchyard/json.hpp>
#include <switchyard/plugin.hpp>

#include <charconv>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#ifndef COUNTER_VERSION
#error "build with COUNTER_VERSION=1, 2 or 3 (tests/plugins/reload_counter/CMakeLists.txt)"
#endif

namespace {

namespace sdk = switchyard::sdk;

constexpr int kCounterVersion = COUNTER_VERSION;
constexpr std::string_view kSnapshotPrefix = "counter-snapshot-v1:";

// A decimal number that is the whole of `text`; nullopt otherwise.
std::optional<uint64_t> parse_decimal(std::string_view text) {
    uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// The counter a snapshot carries (0 on a first start). Throwing refuses create(), which
// refuses the reload.
uint64_t counter_from_snapshot(std::string_view snapshot) {
    if (snapshot.empty()) return 0;
    if (kCounterVersion == 3) {
        throw std::runtime_error("counter 3 cannot read the snapshot of an older counter");
    }
    if (snapshot.substr(0, kSnapshotPrefix.size()) == kSnapshotPrefix) {
        if (auto n = parse_decimal(snapshot.substr(kSnapshotPrefix.size()))) return *n;
    }
    throw std::runtime_error("unknown snapshot format: " + std::string(snapshot.substr(0, 64)));
}

class CounterPlugin final : public sdk::Plugin {
  public:
    static constexpr const char* kName = "counter";
    static constexpr const char* kVersion = kCounterVersion == 1   ? "1.0.0"
                                            : kCounterVersion == 2 ? "2.0.0"
                                                                   : "3.0.0";
    static constexpr const char* kDescription = "Hot-reload test fixture: a carried counter";
    static constexpr sy_route_v1 kRoutes[] = {
        sdk::websocket_route("/ws"),
        sdk::sse_route("/events"),
    };
    static constexpr sy_endpoint_v1 kEndpoints[] = {
        sdk::endpoint("default", "127.0.0.1:0", kRoutes),
    };
    static constexpr const char* kStreams[] = {"counter"};

    CounterPlugin(sdk::Host host, const sdk::Config& config)
        : Plugin(host),
          ws_(host.group("ws")),
          sse_(host.group("sse")),
          n_(counter_from_snapshot(config.snapshot)) {}

    sy_status on_open(sy_conn_id conn, const sdk::Request& request) override {
        const bool sse = request.route_kind() == SY_ROUTE_SSE;
        const sy_status added = host().group_add(sse ? sse_ : ws_, conn);
        if (added != SY_OK) return added;
        const std::string hello = prefix() + R"("hello":true,"n":)" + std::to_string(n_) + "}";
        if (!sse) return host().send_text(conn, hello);
        return host().send(conn,
                           host().frame(SY_FRAME_RAW, "event: hello\ndata: " + hello + "\n\n"));
    }

    sy_status on_event(const sdk::Event& event) override {
        ++n_;
        const std::string seq = std::to_string(event.seq());
        const std::string body =
            prefix() + R"("seq":)" + seq + R"(,"n":)" + std::to_string(n_) + "}";
        const sy_status to_ws = host().broadcast(ws_, host().frame(SY_FRAME_TEXT, body));
        const sy_status to_sse = host().broadcast(
            sse_, host().frame(SY_FRAME_RAW, "id: " + seq + "\ndata: " + body + "\n\n"));
        return to_ws != SY_OK ? to_ws : to_sse;
    }

    sy_status on_message(sy_conn_id conn, sy_frame_kind kind, std::string_view payload) override {
        if (kind != SY_FRAME_TEXT) return SY_OK;
        ++n_;
        const uint64_t mine = parse_decimal(host().conn_state_get(conn)).value_or(0) + 1;
        const std::string mine_text = std::to_string(mine);
        host().conn_state_set(conn, mine_text);
        std::string answer = prefix() + R"("echo":)";
        switchyard::json::append_escaped(answer, payload);
        answer += R"(,"n":)" + std::to_string(n_) + R"(,"mine":)" + mine_text + "}";
        return host().send_text(conn, answer);
    }

    std::string snapshot() override { return std::string(kSnapshotPrefix) + std::to_string(n_); }

  private:
    // `{"v":V,` — how every message starts, naming the build that wrote it.
    static std::string prefix() { return R"({"v":)" + std::to_string(kCounterVersion) + ","; }

    sy_group_id ws_;
    sy_group_id sse_;
    uint64_t n_;
};

} // namespace

SWITCHYARD_PLUGIN(CounterPlugin)

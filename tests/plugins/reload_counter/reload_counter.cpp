// counter: the hot-reload fixture (tests/integration/reload_test.cpp, reload_leak_test.cpp).
//
// One source built several times, the way a plugin developer rebuilds one plugin:
//   counter_v1.so          COUNTER_VERSION=1, version "1.0.0"
//   counter_v2.so          COUNTER_VERSION=2, version "2.0.0": answers like v1 but says
//                          "v":2, and takes over v1's counter from its snapshot
//   counter_v3_refuses.so  COUNTER_VERSION=3: its create() refuses any snapshot it is
//                          given, like a release whose snapshot format is incompatible
//   counter_v3_pinned.so   the same, linked with -z nodelete: the loader never unmaps it,
//                          like a library that can never be unloaded
//   counter_v4_fails_late.so  COUNTER_VERSION=4: its create() first starts an interval
//                          timer (tag 4), makes the group "v4" with every connection of
//                          the snapshot in it, sets each one's state to "1000" and sends
//                          each {"v":4,...}; then it refuses. A failed create() must leave
//                          none of that behind. It logs "counter 4 made group v4 = <id>".
// All are the plugin "counter", with one endpoint "default": WebSocket GET /ws and
// SSE GET /events, consuming the bus stream "counter".
//
// `n` counts what the instance handled (client text messages and bus events) and is
// carried across a reload in the snapshot "counter-snapshot-v1:<n>:<conn>,<conn>...",
// with the ids of the open connections, so a test sees whether the new generation
// continued where the old one stopped. What each client sees, as JSON text:
//   on open        {"v":V,"hello":true,"n":n}      (SSE: "event: hello\ndata: ...")
//                  proves on_open ran, so the connection is in its group
//   a bus event    {"v":V,"seq":<event seq>,"n":n} to every WebSocket client, and
//                  "id: <seq>\ndata: {...}\n\n" to every SSE client
//   a text message {"v":V,"echo":<the text>,"n":n,"mine":m} to its sender, where m counts
//                  that connection's messages in the kernel-held connection state
//                  (conn_state_set), which a reload must carry too; the text "probe"
//                  also gets "v4_group": the id of group "v4" and "v4_size": its size
//   a timer        {"v":V,"timer":<tag>,"n":n} to every WebSocket client: no build but
//                  v4 starts a timer, so this is a timer some other generation started
#include <switchyard/json.hpp>
#include <switchyard/plugin.hpp>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#ifndef COUNTER_VERSION
#error "build with COUNTER_VERSION=1, 2, 3 or 4 (tests/plugins/reload_counter/CMakeLists.txt)"
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

// What a snapshot carries: the counter and the open connections.
struct Snapshot {
    uint64_t n = 0;
    std::vector<sy_conn_id> conns;
};

// Reads a snapshot (nothing on a first start). Throwing refuses create(), which refuses
// the reload.
Snapshot read_snapshot(std::string_view snapshot) {
    if (snapshot.empty()) return {};
    if (kCounterVersion == 3) {
        throw std::runtime_error("counter 3 cannot read the snapshot of an older counter");
    }
    const auto bad = [&] {
        return std::runtime_error("unknown snapshot format: " +
                                  std::string(snapshot.substr(0, 64)));
    };
    if (snapshot.substr(0, kSnapshotPrefix.size()) != kSnapshotPrefix) throw bad();
    std::string_view rest = snapshot.substr(kSnapshotPrefix.size());
    const size_t colon = rest.find(':');
    Snapshot result;
    const auto n = parse_decimal(rest.substr(0, colon));
    if (!n) throw bad();
    result.n = *n;
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    while (!rest.empty()) {
        const size_t comma = rest.find(',');
        const auto conn = parse_decimal(rest.substr(0, comma));
        if (!conn) throw bad();
        result.conns.push_back(*conn);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
    return result;
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
        : Plugin(host), ws_(host.group("ws")), sse_(host.group("sse")) {
        const Snapshot snapshot = read_snapshot(config.snapshot);
        n_ = snapshot.n;
        conns_ = snapshot.conns;
        if (kCounterVersion == 4 && !config.snapshot.empty()) start_things_then_fail();
    }

    sy_status on_open(sy_conn_id conn, const sdk::Request& request) override {
        conns_.push_back(conn);
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
        answer += R"(,"n":)" + std::to_string(n_) + R"(,"mine":)" + mine_text;
        if (payload == "probe") {
            const sy_group_id v4 = host().group("v4");
            answer += R"(,"v4_group":)" + std::to_string(v4) + R"(,"v4_size":)" +
                      std::to_string(host().group_size(v4));
        }
        return host().send_text(conn, answer + "}");
    }

    void on_close(sy_conn_id conn, uint16_t, std::string_view) override {
        conns_.erase(std::remove(conns_.begin(), conns_.end(), conn), conns_.end());
    }

    sy_status on_timer(sy_timer_id, uint64_t tag) override {
        ++n_;
        const std::string body =
            prefix() + R"("timer":)" + std::to_string(tag) + R"(,"n":)" + std::to_string(n_) + "}";
        return host().broadcast(ws_, host().frame(SY_FRAME_TEXT, body));
    }

    std::string snapshot() override {
        std::string text = std::string(kSnapshotPrefix) + std::to_string(n_) + ":";
        for (size_t i = 0; i < conns_.size(); ++i) {
            if (i != 0) text += ",";
            text += std::to_string(conns_[i]);
        }
        return text;
    }

  private:
    // `{"v":V,` — how every message starts, naming the build that wrote it.
    static std::string prefix() { return R"({"v":)" + std::to_string(kCounterVersion) + ","; }

    // counter 4: starts whatever the host table lets a create() start, then refuses.
    [[noreturn]] void start_things_then_fail() {
        host().timer_start(0, 1, 4);
        const sy_group_id v4 = host().group("v4");
        host().info("counter 4 made group v4 = " + std::to_string(v4));
        for (sy_conn_id conn : conns_) {
            host().group_add(v4, conn);
            host().conn_state_set(conn, "1000");
            host().send_text(conn, prefix() + R"("n":0,"fails_late":true})");
        }
        throw std::runtime_error("counter 4 started a timer and a group, then failed");
    }

    sy_group_id ws_;
    sy_group_id sse_;
    uint64_t n_ = 0;
    std::vector<sy_conn_id> conns_; // open connections, in the order they opened
};

} // namespace

SWITCHYARD_PLUGIN(CounterPlugin)

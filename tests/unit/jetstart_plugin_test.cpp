// The jetstart plugin library (build/plugins/jetstart.so) driven through its descriptor
// against a fake kernel (fake_plugin_host.hpp): the handshake's close codes, the shipping
// clients' connects, each client message's answer and where it goes, server messages encoded
// once for the session's devices only, liveness, shutdown and a reload with devices
// connected. (The integration tests drive the same over real sockets.)
#include "fake_plugin_host.hpp"
#include "plugin/plugin_library.hpp"

#include <switchyard/json.hpp>

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

using namespace switchyard;
using namespace switchyard::plugin_testing;

namespace {

constexpr const char* kConfig =
    R"({"session_id":"sess","token":"tok","connect_timeout_ms":1000,"heartbeat_interval_ms":1000,)"
    R"("artifact_dir":"/srv/apk"})";
constexpr const char* kEntry =
    R"({"id":"1","timestamp":5,"level":"error","tag":"T","message":"boom","source":"client"})";

std::string connect(std::string_view extra = R"(,"token":"tok")") {
    return R"({"type":"client:connect","sessionId":"sess")" + std::string(extra) + "}";
}

class LoadedJetstart {
  public:
    explicit LoadedJetstart(std::string_view config = kConfig, std::string_view snapshot = "",
                            FakeHost* shared = nullptr)
        : host_(shared != nullptr ? shared : &own_),
          library_(PluginLibrary::load(std::string(SWITCHYARD_PLUGIN_DIR) + "/jetstart.so")),
          d_(library_->descriptor()) {
        sy_create_args_v1 args{sizeof(sy_create_args_v1), str(config), str(snapshot),
                               snapshot.empty() ? 1u : 2u};
        REQUIRE(d_.create(host_->table(), &args, &instance_) == SY_OK);
    }
    ~LoadedJetstart() {
        if (instance_ != nullptr) d_.destroy(instance_);
    }
    LoadedJetstart(const LoadedJetstart&) = delete;
    LoadedJetstart& operator=(const LoadedJetstart&) = delete;

    void open(sy_conn_id conn, std::string_view endpoint = "core") {
        sy_request_v1 r = request("/", endpoint, SY_ROUTE_WEBSOCKET, "127.0.0.1");
        REQUIRE(d_.on_open(instance_, conn, &r) == SY_OK);
    }
    void say(sy_conn_id conn, std::string_view text) {
        REQUIRE(d_.on_message(instance_, conn, SY_FRAME_TEXT, str(text)) == SY_OK);
    }
    void gone(sy_conn_id conn, uint16_t code, std::string_view reason) {
        d_.on_close(instance_, conn, code, str(reason));
    }
    void event(std::string_view type, std::string_view data, std::string_view scope = "") {
        sy_event_v1 e{};
        e.struct_size = sizeof e;
        e.stream = e.topic = str("jetstart");
        e.type = str(type);
        e.data = str(data);
        e.scope = str(scope);
        e.seq = ++seq_;
        e.ts = 4242;
        REQUIRE(d_.on_event(instance_, &e) == SY_OK);
    }
    void fire(uint64_t tag) {
        const sy_timer_id timer = host().timer_of(tag);
        REQUIRE(timer != 0);
        REQUIRE(d_.on_timer(instance_, timer, tag) == SY_OK);
    }
    sy_status http(std::string_view path, std::string_view endpoint, std::string_view peer,
                   sy_response_v1& response) {
        sy_request_v1 r = request(path, endpoint, SY_ROUTE_HTTP, peer);
        r.request_id = 77;
        response = sy_response_v1{};
        response.struct_size = sizeof response;
        return d_.on_http(instance_, &r, &response);
    }
    void shutdown() { d_.on_shutdown(instance_); }
    std::string snapshot() {
        std::string out;
        sy_sink sink{&out, [](void* ctx, const void* data, size_t len) {
                         static_cast<std::string*>(ctx)->append(static_cast<const char*>(data),
                                                                len);
                     }};
        REQUIRE(d_.snapshot(instance_, &sink) == SY_OK);
        return out;
    }

    FakeHost& host() { return *host_; }
    sy_group_id core() { return host().groups.at("core"); }
    sy_group_id logs() { return host().groups.at("logs"); }
    // The texts queued on `conn` alone.
    std::vector<std::string> to(sy_conn_id conn) {
        std::vector<std::string> out;
        for (const auto& d : host().sent_to(conn)) out.push_back(d.payload);
        return out;
    }
    // The close of `conn`, when there was one.
    const FakeHost::Close* close_of(sy_conn_id conn) {
        for (const auto& c : host().closes) {
            if (c.conn == conn) return &c;
        }
        return nullptr;
    }

  private:
    static sy_request_v1 request(std::string_view path, std::string_view endpoint,
                                 sy_route_kind kind, std::string_view peer) {
        sy_request_v1 r{};
        r.struct_size = sizeof r;
        r.method = str("GET");
        r.target = r.path = str(path);
        r.peer_address = str(peer);
        r.endpoint = str(endpoint);
        r.route_kind = kind;
        r.route_index = path == "/qr.svg" ? 1 : 0;
        return r;
    }

    FakeHost own_;
    FakeHost* host_;
    std::unique_ptr<PluginLibrary> library_;
    const sy_plugin_v1& d_;
    void* instance_ = nullptr;
    uint64_t seq_ = 0;
};

json::Value parsed(const std::string& text) {
    std::optional<json::Value> value = json::parse(text);
    REQUIRE(value);
    return *value;
}

} // namespace

TEST_CASE("jetstart plugin: the handshake's answers and close codes", "[jetstart]") {
    LoadedJetstart p;
    for (sy_conn_id conn = 1; conn <= 9; ++conn) p.open(conn);
    p.say(1, connect());
    p.say(2, connect(R"(,"clientType":"test-app")")); // the runtime: no token, no timestamp
    p.say(3, R"({"type":"client:connect","sessionId":"other","token":"tok"})");
    p.say(4, connect(R"(,"token":"wrong")"));
    p.say(5, R"({"type":"client:status","status":"idle"})");
    p.say(6, "not json");
    p.say(7, connect(R"(,"deviceInfo":{"platform":"ios"})"));
    p.say(8, R"({"type":"pong"})");
    p.say(8, R"({"type":"something:else"})");

    const json::Value connected = parsed(p.to(1).at(0));
    CHECK(connected.find("type")->as_string() == "core:connected");
    CHECK(connected.find("sessionId")->as_string() == "sess");
    CHECK(connected.find("projectName")->as_string() == "JetStart Project");
    CHECK(p.to(2).size() == 1);
    CHECK(p.host().members[p.core()] == std::set<sy_conn_id>{1, 2});
    CHECK(p.host().keepalives.at(1) == std::pair<uint32_t, uint32_t>{1000, 1000});

    REQUIRE(p.close_of(3) != nullptr);
    CHECK(p.close_of(3)->code == 4001);
    CHECK(p.close_of(3)->reason == "Session mismatch — rescan QR code");
    REQUIRE(p.close_of(4) != nullptr);
    CHECK(p.close_of(4)->code == 4002);
    CHECK(p.close_of(4)->reason == "Token mismatch — rescan QR code");
    for (sy_conn_id conn : {5, 6, 7}) {
        INFO(conn);
        REQUIRE(p.close_of(conn) != nullptr);
        CHECK(p.close_of(conn)->code == 1008);
    }
    CHECK(p.close_of(7)->reason ==
          "invalid client:connect: deviceInfo.platform must be one of android, web");
    // pong is ignored; an unknown type is answered, without the session, and not fatal.
    CHECK(p.close_of(8) == nullptr);
    REQUIRE(p.to(8).size() == 1);
    CHECK(p.to(8)[0].find("Unknown message type: something:else") != std::string::npos);
    CHECK(p.to(8)[0].find("sess") == std::string::npos);
    // The unauthenticated sockets got nothing else; the devices' connects went to the backend.
    CHECK(p.host().of_type("client:connect").size() == 2);
    CHECK(p.host().of_type("client:connect")[0].scope == R"({"conn":"1"})");

    // No client:connect in time: 1008 from the kernel timer (tag = the connection).
    p.fire(9);
    REQUIRE(p.close_of(9) != nullptr);
    CHECK(p.close_of(9)->code == 1008);
    CHECK(p.close_of(9)->reason == "client:connect not received in time");
    // An authenticated socket's connect timer was cancelled.
    CHECK(p.host().timer_of(1) == 0);
}

TEST_CASE("jetstart plugin: require_token refuses a token-less connect", "[jetstart]") {
    LoadedJetstart p(R"({"session_id":"sess","token":"tok","require_token":true})");
    p.open(1);
    p.say(1, connect(R"(,"clientType":"test-app")"));
    REQUIRE(p.close_of(1) != nullptr);
    CHECK(p.close_of(1)->code == 4002);
}

TEST_CASE("jetstart plugin: client messages, their errors, and where they go", "[jetstart]") {
    LoadedJetstart p;
    p.open(1);
    p.open(2);
    p.open(3, "logs");
    p.say(1, connect(R"(,"token":"tok","deviceInfo":{"platform":"android"})"));
    p.say(2, connect(R"(,"token":"tok","deviceInfo":{"platform":"web"})"));
    p.host().deliveries.clear();

    p.say(1, R"({"type":"client:status","status":"idle"})");
    p.say(1, R"({"type":"client:status","status":"asleep"})");
    p.say(1, R"({"type":"client:heartbeat"})");
    p.say(1, R"({"type":"client:click","action":"onClick","elementType":"Button"})");
    p.say(2, R"({"type":"client:click","action":"onClick","elementType":"Button"})");
    p.say(1, std::string(R"({"type":"client:log","sessionId":"sess","log":)") + kEntry + "}");
    p.say(1, std::string(R"({"type":"client:log","sessionId":"other","log":)") + kEntry + "}");
    p.say(1, R"({"type":"client:disconnect","reason":"bye"})");

    CHECK(p.host().of_type("client:status").size() == 1);
    CHECK(p.host().of_type("client:heartbeat").size() == 1);
    CHECK(p.host().of_type("client:click").size() == 1); // the web device's only
    CHECK(p.host().of_type("client:click")[0].scope == R"({"conn":"2"})");
    CHECK(p.host().of_type("client:log").size() == 1);
    CHECK(p.host().of_type("client:disconnect").size() == 1);

    const std::vector<std::string> errors = p.to(1);
    REQUIRE(errors.size() == 3);
    CHECK(parsed(errors[0]).find("error")->as_string() ==
          "status must be one of connecting, connected, idle, disconnected, error");
    CHECK(parsed(errors[1]).find("error")->as_string() ==
          "client:click is accepted from the web platform only");
    CHECK(parsed(errors[2]).find("error")->as_string() == "sessionId does not match this session");
    CHECK(parsed(errors[2]).find("details")->find("type")->as_string() == "client:log");

    // client:log: the bare entry to the logs sockets, core:log to the others but the sender.
    const auto to_logs = p.host().broadcast_to(p.logs());
    REQUIRE(to_logs.size() == 1);
    CHECK(to_logs[0].payload == kEntry);
    const auto to_core = p.host().broadcast_to(p.core());
    REQUIRE(to_core.size() == 1);
    CHECK(to_core[0].conn == 1); // except the sender
    CHECK(parsed(to_core[0].payload).find("type")->as_string() == "core:log");
    CHECK(json::serialize(*parsed(to_core[0].payload).find("log")) == kEntry);
    // None of it closed a device.
    CHECK(p.host().closes.empty());
}

TEST_CASE("jetstart plugin: server messages, once, to the session's devices", "[jetstart]") {
    LoadedJetstart p;
    p.open(1);
    p.open(2);
    p.open(3); // never authenticates
    p.say(1, connect());
    p.say(2, connect());
    p.host().deliveries.clear();

    const std::string dex(4 << 20, 'Q');
    p.event("core:dex-reload", R"({"dexBase64":")" + dex +
                                   R"(","classNames":["a.B"],"sessionId":"evil","timestamp":1})");
    p.event("core:build-start", "{}", R"({"conn":"2"})");
    p.event("core:ui-update", "{}", R"({"conn":"3"})"); // not a device: nobody
    p.event("not-core", "{}");

    const auto to_core = p.host().broadcast_to(p.core());
    REQUIRE(to_core.size() == 1); // one frame for every device
    const json::Value dex_message = parsed(to_core[0].payload);
    CHECK(dex_message.find("type")->as_string() == "core:dex-reload");
    CHECK(dex_message.find("sessionId")->as_string() == "sess");
    CHECK(*dex_message.find("timestamp")->as_int64() == 4242);
    CHECK(dex_message.find("dexBase64")->as_string() == dex);
    REQUIRE(p.to(2).size() == 1);
    CHECK(parsed(p.to(2)[0]).find("type")->as_string() == "core:build-start");
    CHECK(p.to(1).empty());
    CHECK(p.to(3).empty());
    CHECK(p.host().deliveries.size() == 2);
    CHECK(p.host().frames_alive == 0);

    // Over max_message_bytes: not sent.
    LoadedJetstart small(R"({"session_id":"s","token":"t","max_message_bytes":1024})");
    small.open(1);
    small.say(1, R"({"type":"client:connect","sessionId":"s"})");
    small.host().deliveries.clear();
    small.event("core:js-update", R"({"jsBase64":")" + std::string(2000, 'x') + R"("})");
    CHECK(small.host().deliveries.empty());
}

TEST_CASE("jetstart plugin: silent devices are dropped and reported; shutdown says goodbye",
          "[jetstart]") {
    LoadedJetstart p;
    p.open(1);
    p.open(2);
    p.say(1, connect());
    p.say(2, connect());
    p.say(1, R"({"type":"client:heartbeat"})");
    p.host().now += 2001; // more than two intervals
    p.fire(~uint64_t{0});
    REQUIRE(p.close_of(1) != nullptr);
    CHECK(p.close_of(1)->code == 1001);
    CHECK(p.close_of(2) == nullptr); // sends no heartbeat: the kernel's ping watches it
    REQUIRE(p.host().of_type("client:timeout").size() == 1);
    CHECK(p.host().of_type("client:timeout")[0].scope == R"({"conn":"1"})");
    p.gone(1, 1001, "Heartbeat timeout");
    p.gone(2, 1006, "pong timeout");
    CHECK(p.host().of_type("client:timeout").size() == 2); // the kernel's drop, reported once
    CHECK(p.host().of_type("client:disconnected").empty());

    LoadedJetstart q;
    q.open(1);
    q.say(1, connect());
    q.host().deliveries.clear();
    q.shutdown();
    const auto goodbye = q.host().broadcast_to(q.core());
    REQUIRE(goodbye.size() == 1);
    CHECK(parsed(goodbye[0].payload).find("reason")->as_string() == "Server stopped");
    CHECK(parsed(goodbye[0].payload).find("type")->as_string() == "core:disconnect");
}

TEST_CASE("jetstart plugin: a reload keeps devices, generated secrets and logs", "[jetstart]") {
    FakeHost host;
    std::string state;
    std::string session;
    {
        LoadedJetstart first(R"({"heartbeat_interval_ms":1000})", "", &host);
        session = host.logs.at(0).substr(std::string("JetStart session ").size(), 32);
        first.open(1);
        first.open(2); // still to authenticate
        first.open(3, "logs");
        first.say(1, R"({"type":"client:connect","sessionId":")" + session + R"("})");
        first.say(3, std::string(R"({"type":"log","log":)") + kEntry + "}");
        state = first.snapshot();
    }
    host.deliveries.clear();
    host.logs.clear();
    LoadedJetstart second(R"({"heartbeat_interval_ms":1000})", state, &host);
    CHECK(host.logs.empty()); // the QR code is logged at the first start only
    // Device 1 is still authenticated: it gets core:* and is not asked to connect again.
    second.say(1, R"({"type":"client:status","status":"idle"})");
    CHECK(host.of_type("client:status").size() == 1);
    second.event("core:reload", R"({"reloadType":"hot"})");
    REQUIRE(host.broadcast_to(second.core()).size() == 1);
    CHECK(parsed(host.broadcast_to(second.core())[0].payload).find("sessionId")->as_string() ==
          session);
    // The stored entry survived: a subscribe replays it.
    second.say(3, R"({"type":"subscribe"})");
    REQUIRE(second.to(3).size() == 1);
    CHECK(second.to(3)[0] == kEntry);
    // The socket still to authenticate is closed when its timer fires in this generation.
    second.fire(2);
    REQUIRE(second.close_of(2) != nullptr);
    CHECK(second.close_of(2)->code == 1008);
}

TEST_CASE("jetstart plugin: the QR SVG for loopback only, /download through the kernel",
          "[jetstart]") {
    LoadedJetstart p;
    sy_response_v1 response{};
    REQUIRE(p.http("/qr.svg", "core", "127.0.0.1", response) == SY_OK);
    CHECK(response.status == 200);
    CHECK(view(response.content_type) == "image/svg+xml");
    CHECK(view(response.body).starts_with("<?xml"));
    REQUIRE(p.http("/qr.svg", "core", "192.168.1.7", response) == SY_OK);
    CHECK(response.status == 403);
    REQUIRE(p.http("/download/app.apk", "http", "192.168.1.7", response) == SY_DEFERRED);
    REQUIRE(p.host().files.size() == 1);
    CHECK(p.host().files[0].request == 77);
    CHECK(p.host().files[0].root == "/srv/apk");
    CHECK(p.host().files[0].path == "/app.apk");
}

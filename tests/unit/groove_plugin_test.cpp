// groove.so as the kernel sees it: loaded through the loader, driven through its C
// descriptor against a recording host table. This also exercises the SDK's C++ wrapper
// (plugin.hpp): trampolines, the Response hand-over, frames, and the exception boundary.
#include "plugin/plugin_library.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace {

std::string_view view(sy_str s) {
    return s.ptr == nullptr ? "" : std::string_view(s.ptr, s.len);
}
sy_str str(std::string_view s) {
    return sy_str{s.data(), s.size()};
}

// A frame of the fake host. Never dereferenced as the kernel's sy_frame: the plugin
// only passes the pointer back.
struct FakeFrame {
    sy_frame_kind kind;
    std::string payload;
};

// A host table that records what the plugin asks for.
class RecordingHost {
  public:
    struct Delivery {
        sy_group_id group; // 0 for a send to one connection
        sy_conn_id conn;   // the connection, or `except` of a broadcast
        sy_frame_kind kind;
        std::string payload;
    };

    RecordingHost() {
        table_.struct_size = sizeof(sy_host_v1);
        table_.abi_major = SY_ABI_MAJOR;
        table_.abi_minor = SY_ABI_MINOR;
        table_.ctx = this;
        table_.log = [](void* ctx, sy_log_level level, sy_str message) {
            self(ctx).logs.push_back({level, std::string(view(message))});
        };
        table_.now_ms = [](void*) -> int64_t { return 1'700'000'000'000; };
        table_.frame_create = [](void* ctx, sy_frame_kind kind, sy_str payload) -> sy_frame* {
            if (payload.len > self(ctx).max_frame_bytes) return nullptr;
            ++self(ctx).frames_alive;
            return reinterpret_cast<sy_frame*>(new FakeFrame{kind, std::string(view(payload))});
        };
        table_.frame_release = [](void* ctx, sy_frame* frame) {
            --self(ctx).frames_alive;
            delete reinterpret_cast<FakeFrame*>(frame);
        };
        table_.send = [](void* ctx, sy_conn_id conn, sy_frame* frame) -> sy_status {
            auto* f = reinterpret_cast<FakeFrame*>(frame);
            self(ctx).deliveries.push_back({0, conn, f->kind, f->payload});
            return SY_OK;
        };
        table_.send_text = [](void* ctx, sy_conn_id conn, sy_str text) -> sy_status {
            self(ctx).deliveries.push_back({0, conn, SY_FRAME_TEXT, std::string(view(text))});
            return SY_OK;
        };
        table_.broadcast = [](void* ctx, sy_group_id group, sy_frame* frame,
                              sy_conn_id except) -> sy_status {
            auto* f = reinterpret_cast<FakeFrame*>(frame);
            self(ctx).deliveries.push_back({group, except, f->kind, f->payload});
            return SY_OK;
        };
        table_.close = [](void* ctx, sy_conn_id conn, uint16_t, sy_str) -> sy_status {
            self(ctx).closed.push_back(conn);
            return SY_OK;
        };
        table_.group = [](void* ctx, sy_str name) -> sy_group_id {
            auto& groups = self(ctx).groups;
            auto [it, added] = groups.emplace(std::string(view(name)), groups.size() + 1);
            ++self(ctx).group_lookups;
            return it->second;
        };
        table_.group_add = [](void* ctx, sy_group_id group, sy_conn_id conn) -> sy_status {
            self(ctx).members[group].insert(conn);
            return SY_OK;
        };
        table_.group_remove = [](void* ctx, sy_group_id group, sy_conn_id conn) -> sy_status {
            self(ctx).members[group].erase(conn);
            return SY_OK;
        };
        table_.group_size = [](void* ctx, sy_group_id group) -> size_t {
            return self(ctx).members[group].size();
        };
        table_.origin_host_allowed = [](const sy_request_v1*, const sy_str* hosts,
                                        size_t count) -> int {
            // Pure helpers get no ctx: the test's single host answers them.
            current_->origin_hosts.clear();
            for (size_t i = 0; i < count; ++i) current_->origin_hosts.emplace_back(view(hosts[i]));
            return current_->origin_allowed ? 1 : 0;
        };
        current_ = this;
    }
    ~RecordingHost() { current_ = nullptr; }
    RecordingHost(const RecordingHost&) = delete;
    RecordingHost& operator=(const RecordingHost&) = delete;

    const sy_host_v1* table() const { return &table_; }
    sy_group_id group_id(const std::string& name) const { return groups.at(name); }
    bool logged(sy_log_level level, std::string_view part) const {
        for (const auto& [l, message] : logs) {
            if (l == level && message.find(part) != std::string::npos) return true;
        }
        return false;
    }

    std::vector<std::pair<sy_log_level, std::string>> logs;
    std::vector<Delivery> deliveries;
    std::vector<sy_conn_id> closed;
    std::map<std::string, sy_group_id> groups;
    std::map<sy_group_id, std::set<sy_conn_id>> members;
    std::vector<std::string> origin_hosts;
    bool origin_allowed = true;
    size_t max_frame_bytes = 1 << 20;
    int frames_alive = 0;
    int group_lookups = 0;

  private:
    static RecordingHost& self(void* ctx) { return *static_cast<RecordingHost*>(ctx); }
    static inline RecordingHost* current_ = nullptr;
    sy_host_v1 table_{};
};

// groove.so loaded, and one instance of it created against a RecordingHost.
class GrooveUnderTest {
  public:
    explicit GrooveUnderTest(std::string_view config = "{}")
        : library_(switchyard::PluginLibrary::load(std::filesystem::path(SWITCHYARD_PLUGIN_DIR) /
                                                   "groove.so")),
          d_(library_->descriptor()) {
        sy_create_args_v1 args{sizeof(sy_create_args_v1), str(config), str(""), 1};
        create_status = d_.create(host.table(), &args, &instance_);
    }
    ~GrooveUnderTest() {
        if (instance_ != nullptr) d_.destroy(instance_);
    }
    GrooveUnderTest(const GrooveUnderTest&) = delete;

    const sy_plugin_v1& descriptor() const { return d_; }
    void* instance() const { return instance_; }

    // A WebSocket upgrade request for /ws with these headers.
    sy_request_v1 upgrade(const std::vector<sy_header>& headers) const {
        sy_request_v1 r{};
        r.struct_size = sizeof(sy_request_v1);
        r.method = str("GET");
        r.target = r.path = str("/ws");
        r.headers = headers.data();
        r.header_count = headers.size();
        r.peer_address = str("127.0.0.1");
        r.endpoint = str("default");
        r.route_kind = SY_ROUTE_WEBSOCKET;
        return r;
    }

    sy_status event(std::string_view type, std::string_view data, bool internal = false) {
        sy_event_v1 e{};
        e.struct_size = sizeof(sy_event_v1);
        e.stream = e.topic = str("groove");
        e.type = str(type);
        e.data = str(data);
        e.internal = internal ? 1 : 0;
        e.seq = 1;
        return d_.on_event(instance_, &e);
    }

    RecordingHost host; // declared before the library: destroyed after the instance
    sy_status create_status = SY_ERR_FAILED;

  private:
    std::unique_ptr<switchyard::PluginLibrary> library_;
    const sy_plugin_v1& d_;
    void* instance_ = nullptr;
};

} // namespace

TEST_CASE("groove creates an instance and looks its group up once", "[groove]") {
    GrooveUnderTest groove;
    REQUIRE(groove.create_status == SY_OK);
    REQUIRE(groove.instance() != nullptr);
    CHECK(groove.host.group_lookups == 1);
    CHECK(groove.host.groups.count("clients") == 1);
}

TEST_CASE("groove broadcasts every event once, encoded as {event, data}", "[groove]") {
    GrooveUnderTest groove;
    REQUIRE(groove.create_status == SY_OK);
    const sy_group_id clients = groove.host.group_id("clients");
    auto request = groove.upgrade({});
    CHECK(groove.descriptor().on_open(groove.instance(), 7, &request) == SY_OK);
    CHECK(groove.descriptor().on_open(groove.instance(), 9, &request) == SY_OK);
    CHECK(groove.host.members[clients] == std::set<sy_conn_id>{7, 9});

    CHECK(groove.event("agent:killed", R"({"id":"backend-1","reason":"manual"})") == SY_OK);
    CHECK(groove.event("custom:thing", "[1]") == SY_OK);
    REQUIRE(groove.host.deliveries.size() == 2);
    const auto& first = groove.host.deliveries[0];
    CHECK(first.group == clients);
    CHECK(first.conn == 0); // no connection excepted
    CHECK(first.kind == SY_FRAME_TEXT);
    CHECK(first.payload ==
          R"({"event":"agent:killed","data":{"id":"backend-1","reason":"manual"}})");
    CHECK(groove.host.deliveries[1].payload == R"({"event":"custom:thing","data":[1]})");
    CHECK(groove.host.frames_alive == 0); // each frame released after the broadcast
}

TEST_CASE("groove keeps internal events from clients", "[groove]") {
    GrooveUnderTest groove;
    REQUIRE(groove.create_status == SY_OK);
    CHECK(groove.event("agent:status", "{}", /*internal=*/true) == SY_OK);
    CHECK(groove.host.deliveries.empty());
}

TEST_CASE("groove ignores every client message", "[groove]") {
    GrooveUnderTest groove;
    REQUIRE(groove.create_status == SY_OK);
    const auto& d = groove.descriptor();
    for (std::string_view message : {R"({"type":"ping"})", "not json", "", "\x01\x02"}) {
        CHECK(d.on_message(groove.instance(), 7, SY_FRAME_TEXT, str(message)) == SY_OK);
        CHECK(d.on_message(groove.instance(), 7, SY_FRAME_BINARY, str(message)) == SY_OK);
    }
    CHECK(groove.host.deliveries.empty());
    CHECK(groove.host.closed.empty());
}

TEST_CASE("groove refuses a handshake whose Origin host is not allowed", "[groove]") {
    GrooveUnderTest groove(R"({"allowed_origins":["example.com","localhost"]})");
    REQUIRE(groove.create_status == SY_OK);
    const std::vector<sy_header> headers{{str("Origin"), str("http://evil.test")}};
    auto request = groove.upgrade(headers);
    sy_response_v1 response{sizeof(sy_response_v1), 0, {}, nullptr, 0, {}};

    groove.host.origin_allowed = false;
    CHECK(groove.descriptor().on_accept(groove.instance(), &request, &response) == SY_OK);
    CHECK(groove.host.origin_hosts == std::vector<std::string>{"example.com", "localhost"});
    CHECK(response.status == 403);
    CHECK(view(response.body) == R"({"error":"FORBIDDEN_ORIGIN"})");

    groove.host.origin_allowed = true;
    response = sy_response_v1{sizeof(sy_response_v1), 0, {}, nullptr, 0, {}};
    CHECK(groove.descriptor().on_accept(groove.instance(), &request, &response) == SY_OK);
    CHECK(response.status == 0);
    CHECK(view(response.body).empty());
}

TEST_CASE("groove passes the default loopback hosts to the Origin check", "[groove]") {
    GrooveUnderTest groove;
    REQUIRE(groove.create_status == SY_OK);
    auto request = groove.upgrade({});
    sy_response_v1 response{sizeof(sy_response_v1), 0, {}, nullptr, 0, {}};
    CHECK(groove.descriptor().on_accept(groove.instance(), &request, &response) == SY_OK);
    CHECK(groove.host.origin_hosts == std::vector<std::string>{"localhost", "127.0.0.1", "::1"});
}

TEST_CASE("groove refuses to start on a bad config and logs the key", "[groove]") {
    GrooveUnderTest groove(R"({"allowed_origins":"localhost"})");
    CHECK(groove.create_status == SY_ERR_FAILED);
    CHECK(groove.instance() == nullptr);
    CHECK(groove.host.logged(SY_LOG_ERROR, "create failed: config key 'allowed_origins' must be"));

    GrooveUnderTest typo(R"({"allowed_origin":[]})");
    CHECK(typo.create_status == SY_ERR_FAILED);
    CHECK(typo.host.logged(SY_LOG_ERROR, "unknown config key 'allowed_origin'"));
}

TEST_CASE("groove logs an event too large for a frame and sends nothing", "[groove]") {
    GrooveUnderTest groove;
    REQUIRE(groove.create_status == SY_OK);
    groove.host.max_frame_bytes = 16;
    CHECK(groove.event("agent:spawned", R"({"id":"backend-1"})") != SY_OK);
    CHECK(groove.host.deliveries.empty());
    CHECK(groove.host.logged(SY_LOG_WARN, "agent:spawned"));
}

TEST_CASE("groove has no state to carry over a reload", "[groove]") {
    GrooveUnderTest groove;
    REQUIRE(groove.create_status == SY_OK);
    std::string written;
    sy_sink sink{&written, [](void* ctx, const void* data, size_t len) {
                     static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), len);
                 }};
    CHECK(groove.descriptor().snapshot(groove.instance(), &sink) == SY_OK);
    CHECK(written.empty());
}

// The clijaw plugin library (build/plugins/clijaw.so) driven through its descriptor against
// a fake kernel (fake_plugin_host.hpp): what the integration tests cannot reach on demand,
// the SSE slot of a request accepted whose stream never opened, a replay that stops where
// the group broadcast takes over, the plugin's own delivery gap filled from the ring, and
// a replay's frames and bound.
#include "fake_plugin_host.hpp"
#include "plugin/plugin_library.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

using namespace switchyard;
using namespace switchyard::plugin_testing;

namespace {

class LoadedClijaw {
  public:
    explicit LoadedClijaw(std::string_view config)
        : library_(PluginLibrary::load(std::string(SWITCHYARD_PLUGIN_DIR) + "/clijaw.so")),
          d_(library_->descriptor()) {
        sy_create_args_v1 args{sizeof(sy_create_args_v1), str(config), str(""), 1};
        REQUIRE(d_.create(host.table(), &args, &instance_) == SY_OK);
    }
    ~LoadedClijaw() {
        if (instance_ != nullptr) d_.destroy(instance_);
    }
    LoadedClijaw(const LoadedClijaw&) = delete;
    LoadedClijaw& operator=(const LoadedClijaw&) = delete;

    // on_accept of an SSE request for /api/events from loopback; the status it answers.
    uint16_t accept_listener() {
        sy_request_v1 r = request({});
        sy_response_v1 response{};
        response.struct_size = sizeof response;
        REQUIRE(d_.on_accept(instance_, &r, &response) == SY_OK);
        return response.status;
    }
    // on_open of an SSE listener, with a Last-Event-ID header when `cursor` is not empty.
    void open_listener(sy_conn_id conn, std::string_view cursor = {}) {
        std::vector<sy_header> headers;
        if (!cursor.empty()) headers.push_back({str("Last-Event-ID"), str(cursor)});
        sy_request_v1 r = request(headers);
        REQUIRE(d_.on_open(instance_, conn, &r) == SY_OK);
    }
    // Hands the ring's event of `seq` to on_event (with the delivery gap flag).
    void deliver(uint64_t seq, bool gap = false) {
        for (const FakeHost::HeldEvent& held : host.ring) {
            if (held.seq != seq) continue;
            sy_event_v1 e = FakeHost::abi(held);
            e.gap = gap ? 1 : 0;
            REQUIRE(d_.on_event(instance_, &e) == SY_OK);
            return;
        }
        FAIL("no event " << seq << " in the ring");
    }
    sy_group_id listeners() const { return host.groups.at("sse"); }
    // on_close of a connection.
    void close(sy_conn_id conn) {
        if (d_.on_close != nullptr) d_.on_close(instance_, conn, 1001, str("gone"));
    }

    FakeHost host; // declared before the library: it outlives the instance

  private:
    static sy_request_v1 request(const std::vector<sy_header>& headers) {
        sy_request_v1 r{};
        r.struct_size = sizeof r;
        r.method = str("GET");
        r.target = r.path = str("/api/events");
        r.headers = headers.data();
        r.header_count = headers.size();
        r.peer_address = str("127.0.0.1");
        r.endpoint = str("default");
        r.route_kind = SY_ROUTE_SSE;
        return r;
    }

    std::unique_ptr<PluginLibrary> library_;
    const sy_plugin_v1& d_;
    void* instance_ = nullptr;
};

// Fills the ring with events 1..count of topic clijaw/agent, each with `pad` bytes.
void fill_ring(FakeHost& host, uint64_t count, size_t pad = 0) {
    for (uint64_t seq = 1; seq <= count; ++seq) {
        host.ring.push_back(
            {"clijaw/agent", "agent_output",
             R"({"n":)" + std::to_string(seq) + R"(,"pad":")" + std::string(pad, 'p') + R"("})",
             false, seq, 1000 + static_cast<int64_t>(seq)});
    }
}

// The ids in the SSE text of `frames`, in order.
std::vector<uint64_t> ids_in(const std::vector<FakeHost::Delivery>& frames) {
    std::vector<uint64_t> ids;
    for (const auto& frame : frames) {
        size_t at = 0;
        while ((at = frame.payload.find("id: ", at)) != std::string::npos) {
            at += 4;
            ids.push_back(std::stoull(frame.payload.substr(at, frame.payload.find('\n', at) - at)));
        }
    }
    return ids;
}

std::vector<uint64_t> range(uint64_t first, uint64_t last) {
    std::vector<uint64_t> out;
    for (uint64_t i = first; i <= last; ++i) out.push_back(i);
    return out;
}

} // namespace

TEST_CASE("clijaw counts accepted SSE requests until they open, and forgets one that never does",
          "[clijaw]") {
    LoadedClijaw clijaw(R"({"max_listeners":2})");
    CHECK(clijaw.accept_listener() == 0);
    CHECK(clijaw.accept_listener() == 0);
    // Neither has opened yet: both slots are taken.
    CHECK(clijaw.accept_listener() == 503);
    clijaw.open_listener(1);
    CHECK(clijaw.accept_listener() == 503);
    // The other never opened (its client vanished in between): its slot comes back.
    clijaw.host.now += 5'000;
    CHECK(clijaw.accept_listener() == 0);
    clijaw.open_listener(2);
    CHECK(clijaw.accept_listener() == 503);
    // A listener that leaves gives its slot back at once.
    clijaw.host.members[clijaw.listeners()].erase(1);
    CHECK(clijaw.accept_listener() == 0);
}

TEST_CASE("clijaw replays up to the last event it broadcast, the group brings the rest",
          "[clijaw]") {
    LoadedClijaw clijaw("{}");
    fill_ring(clijaw.host, 5);
    for (uint64_t seq = 1; seq <= 3; ++seq) clijaw.deliver(seq);
    // 4 and 5 are published but still on their way to on_event.
    clijaw.open_listener(7, "1");
    const auto sent = clijaw.host.sent_to(7);
    REQUIRE(sent.size() == 2);
    CHECK(sent[0].payload == ": connected\n\n");
    CHECK(sent[1].kind == SY_FRAME_RAW);
    CHECK(ids_in({sent[1]}) == std::vector<uint64_t>{2, 3});
    CHECK(clijaw.host.members[clijaw.listeners()].count(7) == 1);
    clijaw.deliver(4);
    clijaw.deliver(5);
    CHECK(ids_in(clijaw.host.broadcast_to(clijaw.listeners())) == std::vector<uint64_t>{4, 5});
}

TEST_CASE("clijaw holds a listener whose cursor it has not handled yet, and lets it in after",
          "[clijaw]") {
    // A client that saw 1..5 on another node (the redis bus) comes here, where the bus
    // holds 1..6 but the plugin has handled only 1..3: joining at once would send it 4 and 5
    // again.
    LoadedClijaw clijaw(R"({"max_listeners":2})");
    fill_ring(clijaw.host, 6);
    for (uint64_t seq = 1; seq <= 3; ++seq) clijaw.deliver(seq);
    clijaw.open_listener(7, "5");
    CHECK(clijaw.host.sent_to(7).size() == 1); // ": connected", nothing replayed
    auto& members = clijaw.host.members[clijaw.listeners()];
    CHECK(members.count(7) == 0);
    clijaw.deliver(4);
    clijaw.deliver(5);
    CHECK(members.count(7) == 0);
    SECTION("it joins before the first event it has not seen") {
        clijaw.deliver(6);
        CHECK(members.count(7) == 1);
    }
    SECTION("a held listener takes a slot, and gives it back when it goes") {
        clijaw.open_listener(8);
        CHECK(clijaw.accept_listener() == 503);
        clijaw.close(7);
        CHECK(clijaw.accept_listener() == 0);
        clijaw.deliver(6);
        CHECK(members.count(7) == 0);
    }
    SECTION("a cursor past what the bus holds is a gap, and live at once") {
        clijaw.open_listener(9, "99");
        const auto sent = clijaw.host.sent_to(9);
        REQUIRE(sent.size() == 2);
        CHECK(sent[1].payload == "data: {\"topic\":\"system\",\"event\":\"replay_gap\"}\n\n");
        CHECK(members.count(9) == 1);
    }
}

TEST_CASE("clijaw fills a gap in its own delivery from the ring, in order", "[clijaw]") {
    LoadedClijaw clijaw("{}");
    fill_ring(clijaw.host, 5);
    clijaw.host.ring[2].internal = true; // seq 3 stays private even in a catch-up
    clijaw.open_listener(7);
    clijaw.deliver(1);
    // 2, 3 and 4 never reached on_event (its queue was full): 5 says so.
    clijaw.deliver(5, /*gap=*/true);
    CHECK(ids_in(clijaw.host.broadcast_to(clijaw.listeners())) ==
          std::vector<uint64_t>{1, 2, 4, 5});
    // A late duplicate is not sent twice.
    clijaw.deliver(4);
    CHECK(ids_in(clijaw.host.broadcast_to(clijaw.listeners())).size() == 3 + 0 + 1);
}

TEST_CASE("clijaw tells its listeners of a hole in what it was delivered: replay_gap first",
          "[clijaw]") {
    constexpr std::string_view kGap = "data: {\"topic\":\"system\",\"event\":\"replay_gap\"}\n\n";
    SECTION("the bus skipped seqs (trimmed in Redis while this node was away)") {
        LoadedClijaw clijaw("{}");
        fill_ring(clijaw.host, 7);
        clijaw.open_listener(7);
        clijaw.deliver(1);
        // The node's ring restarted at 5: 2, 3 and 4 are gone everywhere.
        clijaw.host.ring.erase(clijaw.host.ring.begin(), clijaw.host.ring.begin() + 4);
        clijaw.deliver(5, /*gap=*/true);
        clijaw.deliver(6);
        const auto frames = clijaw.host.broadcast_to(clijaw.listeners());
        REQUIRE(frames.size() == 4);
        CHECK(ids_in({frames[0]}) == std::vector<uint64_t>{1});
        CHECK(frames[1].payload == kGap);
        CHECK(ids_in({frames[2], frames[3]}) == std::vector<uint64_t>{5, 6});
    }
    SECTION("its queue was full, and the ring no longer holds the first ones lost") {
        LoadedClijaw clijaw("{}");
        fill_ring(clijaw.host, 8);
        clijaw.open_listener(7);
        clijaw.deliver(1);
        clijaw.host.ring.erase(clijaw.host.ring.begin(), clijaw.host.ring.begin() + 3);
        clijaw.deliver(7, /*gap=*/true); // 2 and 3 are gone, 4..6 held
        const auto frames = clijaw.host.broadcast_to(clijaw.listeners());
        REQUIRE(frames.size() == 6);
        CHECK(frames[1].payload == kGap);
        CHECK(ids_in(frames) == std::vector<uint64_t>{1, 4, 5, 6, 7});
    }
    SECTION("nothing lost for good: no replay_gap") {
        LoadedClijaw clijaw("{}");
        fill_ring(clijaw.host, 5);
        clijaw.open_listener(7);
        clijaw.deliver(1);
        clijaw.deliver(5, /*gap=*/true);
        for (const auto& frame : clijaw.host.broadcast_to(clijaw.listeners()))
            CHECK(frame.payload != kGap);
    }
}

TEST_CASE("clijaw replays in few large frames, within 3 MiB, then ends the stream", "[clijaw]") {
    SECTION("1000 small events leave in a handful of frames") {
        LoadedClijaw clijaw("{}");
        fill_ring(clijaw.host, 1000);
        for (uint64_t seq = 1; seq <= 1000; ++seq) clijaw.deliver(seq);
        clijaw.open_listener(7, "1");
        const auto sent = clijaw.host.sent_to(7);
        CHECK(sent.size() <= 1 + 2);
        CHECK(ids_in(sent) == range(2, 1000));
        CHECK(clijaw.host.closed.empty());
    }
    SECTION("200 events of 32 KiB: what fits in 3 MiB, then a graceful end") {
        LoadedClijaw clijaw("{}");
        fill_ring(clijaw.host, 200, 32 * 1024);
        for (uint64_t seq = 1; seq <= 200; ++seq) clijaw.deliver(seq);
        clijaw.open_listener(7, "1");
        const auto sent = clijaw.host.sent_to(7);
        size_t bytes = 0;
        for (const auto& frame : sent) bytes += frame.payload.size();
        CHECK(bytes <= 3 * 1024 * 1024);
        CHECK(sent.size() <= 1 + 3 * 1024 * 1024 / (64 * 1024) + 1);
        const auto ids = ids_in(sent);
        REQUIRE_FALSE(ids.empty());
        CHECK(ids == range(2, ids.back()));
        CHECK(ids.back() < 200);
        CHECK(clijaw.host.closed == std::vector<sy_conn_id>{7});
        CHECK(clijaw.host.members[clijaw.listeners()].count(7) == 0);
        // The client resumes from the last id it got, and gets the next part.
        clijaw.open_listener(8, std::to_string(ids.back()));
        const auto next = ids_in(clijaw.host.sent_to(8));
        REQUIRE_FALSE(next.empty());
        CHECK(next.front() == ids.back() + 1);
    }
    SECTION("a configured max_queued_bytes sizes the replay: three quarters of it") {
        LoadedClijaw clijaw(R"({"max_queued_bytes":1048576})");
        fill_ring(clijaw.host, 200, 32 * 1024);
        for (uint64_t seq = 1; seq <= 200; ++seq) clijaw.deliver(seq);
        clijaw.open_listener(7, "1");
        size_t bytes = 0;
        for (const auto& frame : clijaw.host.sent_to(7)) bytes += frame.payload.size();
        CHECK(bytes <= 768 * 1024);
        CHECK(bytes > 512 * 1024);
        CHECK(clijaw.host.closed == std::vector<sy_conn_id>{7});
    }
    SECTION("a cursor older than the ring: replay_gap first, without an id") {
        LoadedClijaw clijaw("{}");
        fill_ring(clijaw.host, 10);
        for (uint64_t seq = 1; seq <= 10; ++seq) clijaw.deliver(seq);
        clijaw.host.ring.erase(clijaw.host.ring.begin(), clijaw.host.ring.begin() + 5);
        clijaw.open_listener(7, "4"); // event 5 is no longer held: a gap
        auto sent = clijaw.host.sent_to(7);
        REQUIRE(sent.size() == 3);
        CHECK(sent[1].payload == "data: {\"topic\":\"system\",\"event\":\"replay_gap\"}\n\n");
        CHECK(ids_in({sent[2]}) == range(6, 10));
        clijaw.open_listener(8, "5"); // exactly one before the oldest held: no gap
        sent = clijaw.host.sent_to(8);
        REQUIRE(sent.size() == 2);
        CHECK(ids_in({sent[1]}) == range(6, 10));
    }
}

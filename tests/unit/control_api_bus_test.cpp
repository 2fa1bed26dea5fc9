// The control API over a bus engine that can be down and can skip seqs (issue 15): a
// publish the engine cannot take is 503 BUS_UNAVAILABLE with Retry-After, an array
// publish stopped part-way names what it published, /readyz is 503 while the engine is
// unavailable and says why, and a follower whose stream skips seqs gets `event: gap`.
// The real ControlApi, served by real workers over loopback sockets, on a scripted engine
// (scripted_bus.hpp): a kernel process cannot be given one.
#include "control/control_api.hpp"
#include "http_client.hpp"
#include "net/listener.hpp"
#include "net/worker_pool.hpp"
#include "scripted_bus.hpp"
#include "sse_client.hpp"
#include "test_json.hpp"
#include "wait_until.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>

using namespace switchyard;
using namespace switchyard::test;
using switchyard::testing::ScriptedBus;
namespace json = boost::json;

namespace {

constexpr auto kWait = std::chrono::seconds(10);

// One ControlApi on one worker, listening on an ephemeral loopback port.
class ControlServer {
  public:
    ControlServer() {
        ControlContext context{bus, ControlSettings{}, [] { return std::vector<PluginInfo>{}; },
                               [] { return true; },
                               [](const std::string&) { return std::optional<ReloadOutcome>(); }};
        api_ = std::make_shared<ControlApi>(std::move(context));
        listener_ = std::make_shared<Listener>(pool_, "127.0.0.1", 0, "control", api_,
                                               ConnectionGatePtr(new ConnectionGate("test")));
        listener_->start();
        pool_.start();
    }
    ~ControlServer() {
        listener_->stop();
        pool_.at(0).io().stop();
        pool_.stop_and_join();
    }
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    HttpClient client() const { return HttpClient(listener_->port()); }
    uint16_t port() const { return listener_->port(); }

    ScriptedBus bus; // first: it outlives the control API, which unsubscribes from it

  private:
    std::shared_ptr<ControlApi> api_;
    WorkerPool pool_{1};
    std::shared_ptr<Listener> listener_;
};

// The answer's JSON body, parsed (the test fails on one that is not JSON).
json::value body_of(const HttpResponse& response) {
    INFO("answer " << response.status << ": " << response.body);
    return parse_json(response.body);
}

std::vector<uint64_t> seqs_of(const json::value& body) {
    std::vector<uint64_t> seqs;
    for (const auto& seq : body.at("seqs").as_array()) seqs.push_back(seq.to_number<uint64_t>());
    return seqs;
}

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

constexpr std::string_view kOneEvent = R"({"topic":"groove","type":"t","data":{}})";
constexpr std::string_view kThreeEvents =
    R"([{"topic":"groove","type":"a"},{"topic":"groove","type":"b"},{"topic":"groove","type":"c"}])";

// Stream groove holds 1..3; a follower resumes after 3 and is subscribed when this returns.
SseClient follower_after_three(ControlServer& server) {
    for (uint64_t seq = 1; seq <= 3; ++seq) server.bus.deliver("groove", seq);
    SseClient follower =
        SseClient::connect(server.port(), "/api/v1/events?stream=groove", {{"Last-Event-ID", "3"}});
    REQUIRE(follower.status() == 200);
    REQUIRE(wait_until([&] { return server.bus.subscription_count() == 1; }, kWait));
    return follower;
}

} // namespace

TEST_CASE("control api: a publish while the bus is down is 503 BUS_UNAVAILABLE, Retry-After 1",
          "[control][bus]") {
    ControlServer server;
    server.bus.go_down("redis at 127.0.0.1:6379 is not connected");

    const HttpResponse refused = server.client().post("/api/v1/publish", kOneEvent);
    CHECK(refused.status == 503);
    CHECK(refused.header("Retry-After") == "1");
    const json::value body = body_of(refused);
    CHECK(string_field(body, "error") == "BUS_UNAVAILABLE");
    CHECK(string_field(body, "message") == "redis at 127.0.0.1:6379 is not connected; retry");

    server.bus.come_back();
    const HttpResponse accepted = server.client().post("/api/v1/publish", kOneEvent);
    CHECK(accepted.status == 200);
    CHECK(body_of(accepted) == json::value{{"seq", 1}});
}

TEST_CASE("control api: an array publish stopped part-way names the seqs it published",
          "[control][bus]") {
    ControlServer server;
    server.bus.fail_after(2);

    const HttpResponse partial = server.client().post("/api/v1/publish", kThreeEvents);
    CHECK(partial.status == 503);
    CHECK(partial.header("Retry-After") == "1");
    const json::value body = body_of(partial);
    CHECK(string_field(body, "error") == "BUS_UNAVAILABLE");
    CHECK(seqs_of(body) == std::vector<uint64_t>{1, 2});
    const std::string message(string_field(body, "message"));
    CHECK(contains(message, "2 of 3 events were published"));
    CHECK(contains(message, "retry"));

    // None of them: still an array answer, with no seqs.
    const HttpResponse none = server.client().post("/api/v1/publish", kThreeEvents);
    CHECK(none.status == 503);
    CHECK(seqs_of(body_of(none)).empty());
    CHECK(contains(string_field(body_of(none), "message"), "0 of 3 events were published"));
}

TEST_CASE("control api: an engine answering on its own thread answers the publish",
          "[control][bus]") {
    ControlServer server;
    server.bus.answer_on_own_thread();

    const HttpResponse accepted = server.client().post("/api/v1/publish", kThreeEvents);
    CHECK(accepted.status == 200);
    CHECK(seqs_of(body_of(accepted)) == std::vector<uint64_t>{1, 2, 3});

    server.bus.go_down("redis is away");
    const HttpResponse refused = server.client().post("/api/v1/publish", kOneEvent);
    CHECK(refused.status == 503);
    CHECK(string_field(body_of(refused), "error") == "BUS_UNAVAILABLE");
}

TEST_CASE("control api: /readyz is 503 with the reason while the bus is unavailable",
          "[control][bus]") {
    ControlServer server;
    CHECK(server.client().get("/readyz").status == 200);

    server.bus.go_down("redis at 127.0.0.1:6379 refused the connection");
    const HttpResponse down = server.client().get("/readyz");
    CHECK(down.status == 503);
    CHECK(body_of(down) ==
          json::value{{"status", "bus_unavailable"},
                      {"reason", "redis at 127.0.0.1:6379 refused the connection"}});
    // Liveness is not readiness: the process is fine.
    CHECK(server.client().get("/healthz").status == 200);

    server.bus.come_back();
    const HttpResponse back = server.client().get("/readyz");
    CHECK(back.status == 200);
    CHECK(body_of(back) == json::value{{"status", "ready"}});
}

TEST_CASE("control api: a follower whose stream skips seqs gets event: gap before the event",
          "[control][bus]") {
    ControlServer server;
    SseClient follower = follower_after_three(server);

    server.bus.deliver("groove", 4);
    server.bus.deliver("groove", 9); // 5..8 were trimmed while this node was away
    server.bus.deliver("groove", 10);

    auto next = [&] {
        auto event = follower.next(kWait);
        INFO("unparsed stream: " << follower.unparsed());
        REQUIRE(event.has_value());
        return *event;
    };
    CHECK(next().id == "4");
    const SseEvent gap = next();
    CHECK(gap.event == "gap");
    CHECK_FALSE(gap.id.has_value());
    CHECK(parse_json(gap.data) == json::value{{"stream", "groove"}, {"after", 4}, {"last_seq", 9}});
    CHECK(next().id == "9");
    CHECK(next().id == "10");
}

TEST_CASE("control api: the first live event skipping past the replay is a gap too",
          "[control][bus]") {
    ControlServer server;
    SseClient follower = follower_after_three(server);
    server.bus.deliver("groove", 7);

    auto gap = follower.next(kWait);
    REQUIRE(gap.has_value());
    CHECK(gap->event == "gap");
    CHECK(parse_json(gap->data) ==
          json::value{{"stream", "groove"}, {"after", 3}, {"last_seq", 7}});
    auto event = follower.next(kWait);
    REQUIRE(event.has_value());
    CHECK(event->id == "7");
}

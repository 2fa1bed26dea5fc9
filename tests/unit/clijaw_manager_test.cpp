// The clijaw manager (plugins/clijaw/clijaw_manager.hpp) against a fake host: following
// workers, republishing their events tagged, garbage, drops reported once, capped
// backoff reset by a successful open, stalls, a kernel that cannot follow, and the
// snapshot a reload hands on (clijaw_snapshot.hpp).
#include "clijaw_manager.hpp"

#include "fake_plugin_host.hpp"
#include "clijaw_snapshot.hpp"

#include <switchyard/json.hpp>

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

using namespace switchyard;
using namespace switchyard::clijaw;

namespace {

using plugin_testing::FakeHost;

sy_status tell(Manager& manager, sy_follow_id follow, uint64_t tag, sy_follow_kind kind,
               std::string_view data = {}, std::string_view id = {}, std::string_view reason = {}) {
    sy_follow_event_v1 e{};
    e.struct_size = sizeof e;
    e.kind = kind;
    e.tag = tag;
    e.id = sy_str{id.data(), id.size()};
    e.data = sy_str{data.data(), data.size()};
    e.http_status = kind == SY_FOLLOW_OPEN ? 200 : 0;
    e.reason = sy_str{reason.data(), reason.size()};
    return manager.on_follow(follow, sdk::FollowEvent(e));
}

ClijawSettings two_workers() {
    ClijawSettings settings;
    settings.workers = {"http://127.0.0.1:4001", "http://127.0.0.1:4002"};
    settings.worker_retry_min_ms = 100;
    settings.worker_retry_max_ms = 500;
    settings.worker_stall_ms = 1000;
    settings.worker_auth_token = "tok";
    return settings;
}

} // namespace

TEST_CASE("clijaw manager backoff doubles up to its cap", "[clijaw]") {
    CHECK(next_backoff(100, 500) == 200);
    CHECK(next_backoff(200, 500) == 400);
    CHECK(next_backoff(400, 500) == 500);
    CHECK(next_backoff(500, 500) == 500);
    CHECK(next_backoff(3'000'000'000u, 3'600'000'000u) == 3'600'000'000u);
}

TEST_CASE("clijaw manager follows workers and republishes their events tagged", "[clijaw]") {
    FakeHost fake;
    const ClijawSettings settings = two_workers();
    Manager manager(sdk::Host(fake.table()), settings, {});
    manager.start(0);
    const sy_follow_id w1 = fake.follow_of("http://127.0.0.1:4001/api/events");
    REQUIRE(w1 != 0);
    REQUIRE(fake.follow_of("http://127.0.0.1:4002/api/events") != 0);
    CHECK(fake.follows[w1].authorization == "Bearer tok");
    CHECK(fake.follows[w1].last_event_id.empty());
    CHECK(fake.follows[w1].idle_timeout_ms == 45000);
    CHECK(fake.timer_of(kStallTimerTag) != 0);

    CHECK(tell(manager, w1, 0, SY_FOLLOW_OPEN) == SY_OK);
    fake.now += 5;
    CHECK(tell(manager, w1, 0, SY_FOLLOW_EVENT,
               R"({"status":"running","topic":"agent","event":"agent_status"})", "41") == SY_OK);
    CHECK(tell(manager, w1, 0, SY_FOLLOW_EVENT, R"({"topic":"trace","event":"t"})", "42") == SY_OK);
    CHECK(tell(manager, w1, 0, SY_FOLLOW_EVENT, R"({"topic":"system","event":"replay_gap"})",
               "42") == SY_OK);
    REQUIRE(fake.published.size() == 3);
    CHECK(fake.published[0].topic == "clijaw/agent");
    CHECK(fake.published[0].type == "agent_status");
    CHECK(fake.published[0].data == R"({"status":"running","worker":"http://127.0.0.1:4001"})");
    CHECK_FALSE(fake.published[0].internal);
    CHECK(fake.published[1].topic == "clijaw/trace");
    CHECK(fake.published[1].internal);
    CHECK(fake.published[2].topic == "clijaw/system");
    CHECK(fake.published[2].type == "replay_gap");

    const auto workers = json::parse(manager.workers_json());
    REQUIRE(workers);
    const json::Array& list = workers->find("workers")->as_array();
    REQUIRE(list.size() == 2);
    CHECK(list[0].find("url")->as_string() == "http://127.0.0.1:4001");
    CHECK(list[0].find("connected")->as_bool());
    CHECK(list[0].find("lastSeen")->as_int64() == fake.now);
    CHECK(list[0].find("lastEventId")->as_string() == "42");
    CHECK(list[0].find("latest")->find("event")->as_string() == "replay_gap");
    CHECK_FALSE(list[1].find("connected")->as_bool());
    CHECK(list[1].find("lastSeen")->is_null());
    CHECK(list[1].find("lastEventId")->is_null());
    CHECK(list[1].find("latest")->is_null());
}

TEST_CASE("clijaw manager reports a drop once, retries with capped backoff, resumes", "[clijaw]") {
    FakeHost fake;
    const ClijawSettings settings = two_workers();
    Manager manager(sdk::Host(fake.table()), settings, {});
    manager.start(0);
    sy_follow_id w1 = fake.follow_of("http://127.0.0.1:4001/api/events");
    tell(manager, w1, 0, SY_FOLLOW_OPEN);
    tell(manager, w1, 0, SY_FOLLOW_EVENT, R"({"topic":"agent","event":"a"})", "7");
    fake.follows.erase(w1);
    tell(manager, w1, 0, SY_FOLLOW_CLOSED, {}, {}, "end of stream");
    REQUIRE(fake.of_type("worker_disconnected").size() == 1);
    CHECK(fake.of_type("worker_disconnected")[0].topic == "clijaw/worker");
    CHECK(fake.of_type("worker_disconnected")[0].data ==
          R"({"worker":"http://127.0.0.1:4001","reason":"end of stream"})");
    // Retries: 100, 200, 400, 500, 500 ms; a worker that keeps refusing is reported once.
    for (uint64_t expected : {100, 200, 400, 500, 500}) {
        const sy_timer_id retry = fake.timer_of(kRetryTimerTagBase + 0);
        REQUIRE(retry != 0);
        CHECK(fake.timers[retry].delay_ms == expected);
        CHECK(fake.timers[retry].interval_ms == 0);
        fake.timers.erase(retry); // it fired
        CHECK(manager.on_timer(kRetryTimerTagBase + 0));
        w1 = fake.follow_of("http://127.0.0.1:4001/api/events");
        REQUIRE(w1 != 0);
        CHECK(fake.follows[w1].last_event_id == "7"); // resumes where it stopped
        fake.follows.erase(w1);
        tell(manager, w1, 0, SY_FOLLOW_CLOSED, {}, {}, "connection refused");
    }
    CHECK(fake.of_type("worker_disconnected").size() == 1);
    // A successful open resets the backoff and the report.
    sy_timer_id retry = fake.timer_of(kRetryTimerTagBase + 0);
    fake.timers.erase(retry);
    manager.on_timer(kRetryTimerTagBase + 0);
    w1 = fake.follow_of("http://127.0.0.1:4001/api/events");
    tell(manager, w1, 0, SY_FOLLOW_OPEN);
    fake.follows.erase(w1);
    tell(manager, w1, 0, SY_FOLLOW_CLOSED, {}, {}, "idle for 45000 ms");
    CHECK(fake.of_type("worker_disconnected").size() == 2);
    retry = fake.timer_of(kRetryTimerTagBase + 0);
    REQUIRE(retry != 0);
    CHECK(fake.timers[retry].delay_ms == 100);
}

TEST_CASE("clijaw manager drops a worker that sends garbage and retries it", "[clijaw]") {
    FakeHost fake;
    const ClijawSettings settings = two_workers();
    Manager manager(sdk::Host(fake.table()), settings, {});
    manager.start(0);
    const sy_follow_id w2 = fake.follow_of("http://127.0.0.1:4002/api/events");
    tell(manager, w2, 1, SY_FOLLOW_OPEN);
    for (std::string_view garbage : {"not json", "[1,2]", R"({"topic":"agent"})"}) {
        INFO(garbage);
        const sy_follow_id follow = fake.follow_of("http://127.0.0.1:4002/api/events");
        REQUIRE(follow != 0);
        tell(manager, follow, 1, SY_FOLLOW_OPEN);
        CHECK(tell(manager, follow, 1, SY_FOLLOW_EVENT, garbage, "3") == SY_OK);
        CHECK(fake.follow_of("http://127.0.0.1:4002/api/events") == 0); // closed by the manager
        CHECK(fake.closed_follows.back() == follow);
        const sy_timer_id retry = fake.timer_of(kRetryTimerTagBase + 1);
        REQUIRE(retry != 0);
        fake.timers.erase(retry);
        manager.on_timer(kRetryTimerTagBase + 1);
    }
    CHECK(fake.of_type("worker_disconnected").size() == 3);
    CHECK(fake.of_type("agent_status").empty());
    // Nothing from it reached the bus but the reports; its garbage id is not kept.
    const auto workers = json::parse(manager.workers_json());
    CHECK(workers->find("workers")->as_array()[1].find("lastEventId")->is_null());
}

TEST_CASE("clijaw manager says worker_stalled once per silence", "[clijaw]") {
    FakeHost fake;
    const ClijawSettings settings = two_workers();
    Manager manager(sdk::Host(fake.table()), settings, {});
    manager.start(0);
    const sy_follow_id w1 = fake.follow_of("http://127.0.0.1:4001/api/events");
    tell(manager, w1, 0, SY_FOLLOW_OPEN);
    fake.now += 999;
    manager.on_timer(kStallTimerTag);
    CHECK(fake.of_type("worker_stalled").empty());
    fake.now += 1;
    manager.on_timer(kStallTimerTag);
    manager.on_timer(kStallTimerTag);
    REQUIRE(fake.of_type("worker_stalled").size() == 1); // the other worker never connected
    CHECK(fake.of_type("worker_stalled")[0].data ==
          R"({"worker":"http://127.0.0.1:4001","idleMs":1000})");
    tell(manager, w1, 0, SY_FOLLOW_EVENT, R"({"topic":"agent","event":"a"})", "1");
    fake.now += 1000;
    manager.on_timer(kStallTimerTag);
    CHECK(fake.of_type("worker_stalled").size() == 2);
}

TEST_CASE("clijaw manager on a kernel that cannot follow: logs once, retries", "[clijaw]") {
    FakeHost fake(/*can_follow=*/false);
    const ClijawSettings settings = two_workers();
    Manager manager(sdk::Host(fake.table()), settings, {});
    manager.start(0);
    CHECK(fake.of_type("worker_disconnected").size() == 2);
    CHECK(fake.timer_of(kRetryTimerTagBase + 0) != 0);
    CHECK(fake.timer_of(kRetryTimerTagBase + 1) != 0);
    fake.timers.erase(fake.timer_of(kRetryTimerTagBase + 0));
    manager.on_timer(kRetryTimerTagBase + 0);
    size_t said = 0;
    for (const std::string& line : fake.logs)
        said += line.find("does not follow") != std::string::npos;
    CHECK(said == 1);
    CHECK(fake.of_type("worker_disconnected").size() == 2);
}

TEST_CASE("clijaw snapshot hands the state on across a reload", "[clijaw]") {
    FakeHost fake;
    ClijawSettings settings = two_workers();
    Manager manager(sdk::Host(fake.table()), settings, {});
    manager.start(0);
    const sy_follow_id w1 = fake.follow_of("http://127.0.0.1:4001/api/events");
    tell(manager, w1, 0, SY_FOLLOW_OPEN);
    tell(manager, w1, 0, SY_FOLLOW_EVENT, R"({"topic":"agent","event":"a","x":"é"})", "9");

    Snapshot snapshot;
    snapshot.last_handled_seq = 1234;
    snapshot.latest_status[1] = R"({"type":"queue_update","pending":1,"ts":5})";
    snapshot.heartbeat_timer = 77;
    snapshot.stall_timer = manager.stall_timer();
    snapshot.workers = manager.workers();
    const std::optional<Snapshot> back = decode_snapshot(encode_snapshot(snapshot));
    REQUIRE(back);
    CHECK(back->last_handled_seq == 1234);
    CHECK(back->latest_status[0].empty());
    CHECK(back->latest_status[1] == snapshot.latest_status[1]);
    CHECK(back->heartbeat_timer == 77);
    REQUIRE(back->workers.size() == 2);
    CHECK(back->workers[0].follow == w1);
    CHECK(back->workers[0].connected);
    CHECK(back->workers[0].last_event_id == "9");
    CHECK(back->workers[0].latest == R"({"topic":"agent","event":"a","x":"é"})");
    CHECK(back->workers[0].last_seen_ms == fake.now);
    CHECK_FALSE(back->workers[1].last_seen_ms);
    CHECK(back->workers[1].follow != 0);
    CHECK_FALSE(decode_snapshot("{}"));
    CHECK_FALSE(decode_snapshot("not json"));

    // The next generation keeps the open follow (the kernel keeps it), cancels the old
    // stall timer, and closes the follow of a worker the config no longer names.
    settings.workers = {"http://127.0.0.1:4001", "http://127.0.0.1:4003"};
    const sy_follow_id w2 = back->workers[1].follow;
    const size_t follows_before = fake.follows.size();
    Manager next(sdk::Host(fake.table()), settings, back->workers);
    next.start(back->stall_timer);
    CHECK(fake.timers.count(back->stall_timer) == 0);
    CHECK(fake.follows.count(w1) == 1);
    CHECK(fake.follows.count(w2) == 0);
    CHECK(fake.follow_of("http://127.0.0.1:4003/api/events") != 0);
    CHECK(fake.follows.size() == follows_before);
    const auto workers = json::parse(next.workers_json());
    CHECK(workers->find("workers")->as_array()[0].find("lastEventId")->as_string() == "9");
}

TEST_CASE("clijaw manager republishes a worker's data as it was sent", "[clijaw]") {
    FakeHost fake;
    const ClijawSettings settings = two_workers();
    Manager manager(sdk::Host(fake.table()), settings, {});
    manager.start(0);
    const sy_follow_id w1 = fake.follow_of("http://127.0.0.1:4001/api/events");
    tell(manager, w1, 0, SY_FOLLOW_OPEN);
    tell(
        manager, w1, 0, SY_FOLLOW_EVENT,
        R"({"u64":18446744073709551615,"frac":0.10,"topic":"agent","event":"agent_output","worker":"spoofed","k":1,"k":2})",
        "1");
    REQUIRE(fake.published.size() == 1);
    CHECK(fake.published[0].data ==
          R"({"u64":18446744073709551615,"frac":0.10,"k":2,"worker":"http://127.0.0.1:4001"})");
}

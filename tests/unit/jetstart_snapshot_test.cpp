// What one jetstart generation hands the next (plugins/jetstart/jetstart_snapshot.hpp).
#include "jetstart_snapshot.hpp"

#include <catch2/catch.hpp>

using namespace switchyard::jetstart;

TEST_CASE("jetstart snapshot: session, token, devices, timer and logs round-trip", "[jetstart]") {
    Snapshot state;
    state.session_id = "s\"1";
    state.token = "t";
    state.sweep_timer = 17;
    state.devices = {Device{3, "android", 1000, true}, Device{9, "", 2000, false}};
    state.connect_timers = {{11, 40}, {12, 41}};
    state.logs = {
        R"({"id":"1","timestamp":5,"level":"info","tag":"T","message":"m","source":"cli"})"};
    const std::optional<Snapshot> back = decode_snapshot(encode_snapshot(state));
    REQUIRE(back);
    CHECK(back->session_id == "s\"1");
    CHECK(back->token == "t");
    CHECK(back->sweep_timer == 17);
    REQUIRE(back->devices.size() == 2);
    CHECK(back->devices[0].conn == 3);
    CHECK(back->devices[0].platform == "android");
    CHECK(back->devices[0].last_seen_ms == 1000);
    CHECK(back->devices[0].heartbeats);
    CHECK_FALSE(back->devices[1].heartbeats);
    CHECK(back->connect_timers == state.connect_timers);
    CHECK(back->logs == state.logs);

    CHECK_FALSE(decode_snapshot("nonsense"));
    CHECK_FALSE(decode_snapshot(R"({"sessionId":"s"})"));
    CHECK_FALSE(decode_snapshot(
        R"({"sessionId":"s","token":"t","sweepTimer":1,"devices":[{"conn":-1}],"logs":[]})"));
    CHECK_FALSE(decode_snapshot(
        R"({"sessionId":"s","token":"t","sweepTimer":1,"devices":[],"connectTimers":[[1]],"logs":[]})"));
}

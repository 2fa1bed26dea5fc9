// What a jarvis generation hands to the next on a reload (plugins/jarvis/jarvis_snapshot.hpp):
// the start time and the open voice sessions, and what an unreadable snapshot comes to.
#include "jarvis_snapshot.hpp"

#include <catch2/catch.hpp>

using namespace switchyard::jarvis;

TEST_CASE("jarvis snapshot: the start time and voice sessions survive a round trip", "[jarvis]") {
    Snapshot snapshot;
    snapshot.started_ms = 1710000000123;
    snapshot.voice_sessions = {{7, "mic-7"}, {18446744073709551615ull, "a.b:c-d_e"}};
    const std::optional<Snapshot> read = decode_snapshot(encode_snapshot(snapshot));
    REQUIRE(read.has_value());
    CHECK(read->started_ms == snapshot.started_ms);
    CHECK(read->voice_sessions == snapshot.voice_sessions);

    const std::optional<Snapshot> empty = decode_snapshot(encode_snapshot(Snapshot{}));
    REQUIRE(empty.has_value());
    CHECK(empty->voice_sessions.empty());
}

TEST_CASE("jarvis snapshot: a bare start time is read and anything else refused", "[jarvis]") {
    // What generations before the voice sessions moved into the snapshot wrote.
    const std::optional<Snapshot> legacy = decode_snapshot("1710000000123");
    REQUIRE(legacy.has_value());
    CHECK(legacy->started_ms == 1710000000123);
    CHECK(legacy->voice_sessions.empty());
    for (const char* bad :
         {"", "x", "1.5", "{}", R"({"started":1})", R"({"voice":{}})",
          R"({"started":"1","voice":{}})", R"({"started":1,"voice":[]})",
          R"({"started":1,"voice":{"0":"r"}})", R"({"started":1,"voice":{"x":"r"}})",
          R"({"started":1,"voice":{"7":7}})"}) {
        INFO("snapshot " << bad);
        CHECK_FALSE(decode_snapshot(bad).has_value());
    }
}

// The runtime's tables a plugin's host calls change (connections, groups, frames), and
// what a failed create() leaves of their changes: nothing.
#include "net/wire_frame.hpp"
#include "plugin/connection_registry.hpp"
#include "plugin/create_journal.hpp"
#include "plugin/frame_ledger.hpp"
#include "plugin/group_table.hpp"

#include <catch2/catch.hpp>

using namespace switchyard;

namespace {

ConnRecord websocket() {
    return ConnRecord{};
}
ConnRecord event_stream() {
    ConnRecord record;
    record.sse = true;
    return record;
}

} // namespace

TEST_CASE("groups count their members by transport, and a closed connection leaves them all",
          "[plugin]") {
    CreateJournal journal;
    ConnectionRegistry conns(journal);
    GroupTable groups(conns, journal);
    conns.add(1, websocket());
    conns.add(2, event_stream());
    const sy_group_id room = groups.id_of("room");
    CHECK(groups.id_of("room") == room);
    CHECK(groups.id_of("other") != room);
    GroupMembers& members = *groups.find(room);
    groups.join(members, room, 1, *conns.find(1));
    groups.join(members, room, 2, *conns.find(2));
    CHECK(members.websocket == 1);
    CHECK(members.sse == 1);
    CHECK(GroupTable::has_member(*conns.find(1), room));

    groups.leave(members, room, 1, *conns.find(1));
    CHECK_FALSE(GroupTable::has_member(*conns.find(1), room));
    CHECK(groups.size(room) == 1);

    const auto closed = conns.remove(2);
    REQUIRE(closed);
    groups.forget(2, *closed);
    CHECK(groups.size(room) == 0);
    CHECK_FALSE(conns.contains(2));
    CHECK_FALSE(conns.remove(2));
    CHECK(groups.find(12345) == nullptr);
}

TEST_CASE(
    "a failed create() leaves no group, membership or state it made, and a good one keeps "
    "them",
    "[plugin]") {
    const bool succeeds = GENERATE(false, true);
    CreateJournal journal;
    ConnectionRegistry conns(journal);
    GroupTable groups(conns, journal);
    conns.add(1, websocket());
    const sy_group_id old_room = groups.id_of("old");
    groups.join(*groups.find(old_room), old_room, 1, *conns.find(1));
    conns.set_state(1, *conns.find(1), "before");

    journal.open(1);
    const sy_group_id new_room = groups.id_of("new");
    groups.join(*groups.find(new_room), new_room, 1, *conns.find(1));
    groups.leave(*groups.find(old_room), old_room, 1, *conns.find(1));
    conns.set_state(1, *conns.find(1), "after");
    if (succeeds) {
        journal.commit();
    } else {
        journal.roll_back();
    }

    const ConnRecord& record = *conns.find(1);
    CHECK(record.state == (succeeds ? "after" : "before"));
    CHECK(GroupTable::has_member(record, old_room) == !succeeds);
    CHECK(groups.size(old_room) == (succeeds ? 0u : 1u));
    CHECK((groups.find(new_room) != nullptr) == succeeds);
    CHECK(GroupTable::has_member(record, new_room) == succeeds);
}

TEST_CASE("the frame ledger knows which frames the plugin holds, and releases what it never did",
          "[plugin]") {
    FrameLedger ledger;
    sy_frame* kept = ledger.create(SY_FRAME_TEXT, "kept");
    sy_frame* released = ledger.create(SY_FRAME_TEXT, "released");
    retain(kept); // the test's own reference, to look at it after the ledger lets go
    CHECK(ledger.owns(kept));
    CHECK(ledger.release(released));
    CHECK_FALSE(ledger.owns(released));
    CHECK_FALSE(ledger.release(released)); // twice: refused, nothing released
    CHECK_FALSE(ledger.owns(nullptr));

    CHECK(ledger.release_all() == 1);
    CHECK_FALSE(ledger.owns(kept));
    CHECK(kept->refs.load() == 1); // only the test's reference is left
    release(kept);
}

// The runtime's tables a plugin's host calls change (connections, groups, frames), and
// what a failed create() leaves of their changes: nothing.
#include "net/wire_frame.hpp"
#include "plugin/connection_registry.hpp"
#include "plugin/create_journal.hpp"
#include "plugin/frame_ledger.hpp"
#include "plugin/group_table.hpp"

#include <catch2/catch.hpp>

#include <vector>

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

TEST_CASE(
    "a transient group is forgotten at the sweep after its last member left, and counts "
    "its members per worker",
    "[plugin]") {
    CreateJournal journal;
    ConnectionRegistry conns(journal);
    GroupTable groups(conns, journal);
    // Connection ids carry their worker's index in the low byte.
    const sy_conn_id on_0 = 0x100, on_1 = 0x101;
    conns.add(on_0, websocket());
    conns.add(on_1, websocket());
    const sy_group_id room = groups.transient_id_of("room");
    CHECK(groups.transient_id_of("room") == room);
    groups.join(*groups.find(room), room, on_1, *conns.find(on_1));
    CHECK(groups.find(room)->on_worker == std::vector<uint32_t>{0, 1});
    groups.sweep();
    CHECK(groups.count() == 1);
    groups.join(*groups.find(room), room, on_0, *conns.find(on_0));
    groups.leave(*groups.find(room), room, on_1, *conns.find(on_1));
    CHECK(groups.find(room)->on_worker == std::vector<uint32_t>{1, 0});
    const auto closed = conns.remove(on_0);
    groups.forget(on_0, *closed);
    CHECK(groups.find(room) != nullptr); // until the hook has returned
    groups.sweep();
    CHECK(groups.find(room) == nullptr);
    CHECK(groups.count() == 0);
    CHECK(GroupTable::was_issued(room));
    CHECK(groups.transient_id_of("room") > room);

    // Named without a member: gone at the sweep; group() pins one for good.
    const sy_group_id pinned = groups.transient_id_of("pinned");
    CHECK(groups.id_of("pinned") == pinned);
    groups.sweep();
    CHECK(groups.find(pinned) != nullptr);
    CHECK(groups.count() == 1);
}

TEST_CASE(
    "a failed create() gets back the transient groups its sweeps forgot, and loses the "
    "ones it made",
    "[plugin]") {
    const bool succeeds = GENERATE(false, true);
    CreateJournal journal;
    ConnectionRegistry conns(journal);
    GroupTable groups(conns, journal);
    conns.add(1, websocket());
    const sy_group_id old_room = groups.transient_id_of("old");
    groups.join(*groups.find(old_room), old_room, 1, *conns.find(1));
    const sy_group_id kept = groups.transient_id_of("kept");
    groups.join(*groups.find(kept), kept, 1, *conns.find(1));
    groups.sweep();

    journal.open(1);
    groups.leave(*groups.find(old_room), old_room, 1, *conns.find(1));
    const sy_group_id new_room = groups.transient_id_of("new");
    groups.join(*groups.find(new_room), new_room, 1, *conns.find(1));
    groups.transient_id_of("lonely");
    CHECK(groups.id_of("kept") == kept); // pinned
    groups.sweep();                      // the create's hook returned
    CHECK(groups.find(old_room) == nullptr);
    if (succeeds) {
        journal.commit();
    } else {
        journal.roll_back();
    }

    CHECK((groups.find(old_room) != nullptr) == !succeeds);
    CHECK(groups.size(old_room) == (succeeds ? 0u : 1u));
    CHECK((groups.find(new_room) != nullptr) == succeeds);
    CHECK(groups.count() == 2);
    if (!succeeds) {
        CHECK(groups.transient_id_of("old") == old_room);
        // No longer pinned: its last member leaving forgets it.
        groups.leave(*groups.find(kept), kept, 1, *conns.find(1));
        groups.sweep();
        CHECK(groups.find(kept) == nullptr);
    }
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

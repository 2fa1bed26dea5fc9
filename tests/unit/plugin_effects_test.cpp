// What a plugin's broadcast costs the workers (kernel/plugin/plugin_effects.*): one task
// for each worker that holds members of the group, none for the others.
#include "plugin/plugin_effects.hpp"

#include "net/wire_frame.hpp"
#include "net/worker_pool.hpp"
#include "plugin/create_journal.hpp"
#include "plugin/group_table.hpp"

#include <catch2/catch.hpp>

using namespace switchyard;

TEST_CASE("a broadcast is posted only to the workers that hold members of the group", "[plugin]") {
    WorkerPool pool(3); // not started: the test runs each worker's queue itself
    CreateJournal journal;
    PluginEffects effects(pool, journal);
    GroupMembers members;
    members.websocket = 2;
    members.on_worker = {0, 2}; // both on worker 1; worker 2 never had one
    const FrameRef frame = FrameRef::adopt(make_wire_frame(SY_FRAME_TEXT, "hello"));
    REQUIRE(effects.broadcast(7, members, frame.get(), 0));
    CHECK(pool.at(0).io().poll() == 0);
    CHECK(pool.at(1).io().poll() == 1);
    CHECK(pool.at(2).io().poll() == 0);

    // A poll that ran out of work stops its io_context until restarted.
    for (size_t i = 0; i < pool.size(); ++i) pool.at(i).io().restart();
    members.on_worker = {1, 0, 1};
    REQUIRE(effects.broadcast(7, members, frame.get(), 0));
    CHECK(pool.at(0).io().poll() == 1);
    CHECK(pool.at(1).io().poll() == 0);
    CHECK(pool.at(2).io().poll() == 1);
}

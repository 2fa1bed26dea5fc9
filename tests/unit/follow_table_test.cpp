// The follows a plugin holds (plugin/follow_table): at most 256 at once, ids never
// reused, refusals for what cannot be followed, and what a failed create() leaves of its
// follow_open and follow_close calls: nothing. The workers do not run here: the follows
// never connect, which is all these rules need.
#include "plugin/follow_table.hpp"

#include "net/worker_pool.hpp"
#include "plugin/create_journal.hpp"
#include "plugin/plugin_dispatcher.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace switchyard;

namespace {

struct Tables {
    WorkerPool pool{1};
    PluginDispatcher dispatcher{pool.at(0).io(), 1024};
    CreateJournal journal;
    FollowTable follows{pool, dispatcher, journal, "test",
                        [](sy_follow_id, const sy_follow_event_v1&) { return SY_OK; }};

    sy_follow_id open(std::string_view url, std::string_view last_event_id = {}) {
        sy_follow_v1 follow{};
        follow.struct_size = sizeof follow;
        follow.url = sy_str{url.data(), url.size()};
        follow.last_event_id = sy_str{last_event_id.data(), last_event_id.size()};
        return follows.open(follow);
    }
};

constexpr std::string_view kUrl = "http://127.0.0.1:1/events";

} // namespace

TEST_CASE("follow table: 256 follows at once, ids never reused", "[plugin][follow]") {
    Tables t;
    std::set<sy_follow_id> ids;
    for (size_t i = 0; i < FollowTable::kMaxFollows; ++i) {
        const sy_follow_id id = t.open(kUrl);
        REQUIRE(id != 0);
        ids.insert(id);
    }
    CHECK(ids.size() == FollowTable::kMaxFollows);
    CHECK(t.open(kUrl) == 0);
    CHECK(t.follows.size() == FollowTable::kMaxFollows);
    const sy_follow_id first = *ids.begin();
    CHECK(t.follows.close(first));
    CHECK_FALSE(t.follows.close(first));
    const sy_follow_id next = t.open(kUrl);
    CHECK(next > *ids.rbegin());
    CHECK(t.open(kUrl) == 0);
}

TEST_CASE("follow table: a malformed url or last event id is refused", "[plugin][follow]") {
    Tables t;
    CHECK(t.open("https://127.0.0.1/") == 0);
    CHECK(t.open(kUrl, "1\r\nX-Injected: 1") == 0);
    CHECK(t.follows.size() == 0);
    CHECK(t.open(kUrl, "42") != 0);
}

TEST_CASE("follow table: a failed create() closes what it opened and keeps what it closed",
          "[plugin][follow]") {
    Tables t;
    const sy_follow_id old = t.open(kUrl);
    t.journal.open(1);
    t.follows.mark_create_start();
    const sy_follow_id made = t.open(kUrl);
    CHECK(t.follows.close(old)); // held until the create succeeds
    CHECK(t.follows.size() == 2);
    t.journal.roll_back();
    CHECK(t.follows.size() == 1);
    CHECK_FALSE(t.follows.close(made));
    CHECK(t.follows.close(old));

    // A create that succeeds: what it closed goes, what it opened stays.
    const sy_follow_id kept = t.open(kUrl);
    t.journal.open(1);
    t.follows.mark_create_start();
    const sy_follow_id opened = t.open(kUrl);
    CHECK(t.follows.close(kept));
    CHECK(t.follows.size() == 2);
    t.journal.commit();
    CHECK(t.follows.size() == 1);
    CHECK(t.follows.close(opened));
}

// How the redis engine stores an event as a stream entry (kernel/bus/redis_codec.*): the
// keys, the XADD it sends, reading an entry back, and what an entry no node wrote gives.
#include "bus/redis_codec.hpp"

#include "bus/resp.hpp"

#include <catch2/catch.hpp>
#include <hiredis/hiredis.h>

#include <string>
#include <vector>

using namespace switchyard;
using namespace switchyard::redis_codec;

namespace {

// Encodes `args` as a RESP array (what Redis would answer for an entry) and parses it.
resp::Reply reply_of(const std::vector<std::string_view>& entry_fields, std::string_view id) {
    std::string bytes = "*2\r\n$" + std::to_string(id.size()) + "\r\n" + std::string(id) + "\r\n";
    resp::append_command(bytes, entry_fields);
    resp::ReplyReader reader(1 << 20);
    REQUIRE(reader.feed(bytes));
    auto reply = reader.next();
    REQUIRE(reply);
    return reply;
}

// The field list an XADD command carries: what follows "0-*".
std::vector<std::string_view> fields_of(const XaddCommand& command) {
    const auto& args = command.args();
    return {args.begin() + 6, args.end()};
}

} // namespace

TEST_CASE("redis codec: keys carry the deployment's prefix", "[redis_codec]") {
    CHECK(stream_key("switchyard", "groove") == "switchyard:s:groove");
    CHECK(streams_set_key("p") == "p:streams");
    CHECK(streams_log_key("p") == "p:streams:log");
}

TEST_CASE("redis codec: only 0-<n> IDs with n > 0 are seqs", "[redis_codec]") {
    CHECK(seq_of_id("0-1") == 1u);
    CHECK(seq_of_id("0-18446744073709551615") == 18446744073709551615ull);
    CHECK_FALSE(seq_of_id("0-0"));
    CHECK_FALSE(seq_of_id("1700000000000-0"));
    CHECK_FALSE(seq_of_id("0-"));
    CHECK_FALSE(seq_of_id("0-12x"));
    CHECK_FALSE(seq_of_id("0-18446744073709551616"));
    CHECK_FALSE(seq_of_id(""));
}

TEST_CASE(
    "redis codec: trimming keeps the event count loosely, or exactly what the byte "
    "budget holds",
    "[redis_codec]") {
    const ReplayLimits limits{1000, 256u << 20};
    const Trim small = trim_for(limits, 200);
    CHECK(small.max_entries == 1000);
    CHECK_FALSE(small.exact);
    const Trim large = trim_for(limits, 4u << 20); // a 4 MiB dex: 64 fit
    CHECK(large.max_entries == 64);
    CHECK(large.exact);
    const Trim huge = trim_for(limits, 512u << 20); // larger than the budget: the newest only
    CHECK(huge.max_entries == 1);
    CHECK(huge.exact);
    CHECK(trim_for(ReplayLimits{0, 1 << 20}, 10).max_entries == 1);
}

TEST_CASE("redis codec: an event goes out as XADD with its fields and comes back whole",
          "[redis_codec]") {
    Event event;
    event.stream = "clijaw";
    event.topic = "clijaw/agent";
    event.type = "agent_status";
    event.data = std::string("{\"t\":\"a\0b\"}", 12);
    event.id = "c-1";
    event.priority = "high";
    event.scope = R"({"conn":"7"})";
    event.visibility = Visibility::Internal;
    event.ts = 1733356800123;
    const XaddCommand command("sy", event, Trim{1000, false});
    const auto& args = command.args();
    REQUIRE(args.size() >= 6);
    CHECK(std::vector<std::string_view>(args.begin(), args.begin() + 6) ==
          std::vector<std::string_view>{"XADD", "sy:s:clijaw", "MAXLEN", "~", "1000", "0-*"});
    CHECK(XaddCommand("sy", event, Trim{3, true}).args()[3] == "=");

    const auto decoded = event_from_entry("clijaw", *reply_of(fields_of(command), "0-42"));
    REQUIRE(std::holds_alternative<Event>(decoded));
    const Event& back = std::get<Event>(decoded);
    CHECK(back.seq == 42);
    CHECK(back.stream == "clijaw");
    CHECK(back.topic == event.topic);
    CHECK(back.type == event.type);
    CHECK(back.data == event.data);
    CHECK(back.id == event.id);
    CHECK(back.priority == event.priority);
    CHECK(back.scope == event.scope);
    CHECK(back.visibility == Visibility::Internal);
    CHECK(back.ts == event.ts);
}

TEST_CASE("redis codec: optional fields are left out, and read back as absent", "[redis_codec]") {
    Event event;
    event.stream = "groove";
    event.topic = "groove";
    event.type = "state";
    const XaddCommand command("sy", event, Trim{10, false});
    CHECK(fields_of(command).size() == 8); // t, y, d, ts
    const auto decoded = event_from_entry("groove", *reply_of(fields_of(command), "0-1"));
    REQUIRE(std::holds_alternative<Event>(decoded));
    const Event& back = std::get<Event>(decoded);
    CHECK(back.data == "{}");
    CHECK(back.id.empty());
    CHECK(back.scope.empty());
    CHECK(back.visibility == Visibility::Public);
}

TEST_CASE("redis codec: entries no node wrote are refused with why", "[redis_codec]") {
    auto why = [](std::vector<std::string_view> fields, std::string_view id,
                  std::string_view stream = "s") {
        const auto decoded = event_from_entry(stream, *reply_of(fields, id));
        REQUIRE(std::holds_alternative<std::string>(decoded));
        return std::get<std::string>(decoded);
    };
    CHECK_THAT(why({"t", "s", "y", "x"}, "1700000000000-0"), Catch::Contains("not written"));
    CHECK_THAT(why({"x", "1"}, "0-3"), Catch::Contains("lacks a topic"));
    CHECK_THAT(why({"t", "s"}, "0-3"), Catch::Contains("or a type"));
    CHECK_THAT(why({"t", "other/x", "y", "x"}, "0-3"), Catch::Contains("stream 's'"));
    CHECK_THAT(why({"t"}, "0-3"), Catch::Contains("field list"));
}

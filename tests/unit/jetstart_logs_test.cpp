// The logs service's store, filter and stats (plugins/jetstart/jetstart_logs.hpp).
#include "jetstart_logs.hpp"

#include <switchyard/json.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace switchyard;
using namespace switchyard::jetstart;

namespace {

LogEntry entry(int id, std::string_view level, std::string_view source = "client",
               std::string_view tag = "T", std::string_view message = "m", double ts = 0,
               std::string_view metadata = "") {
    std::string text = R"({"id":")" + std::to_string(id) + R"(","timestamp":)" +
                       std::to_string(ts == 0 ? id : ts) + R"(,"level":")" + std::string(level) +
                       R"(","tag":")" + std::string(tag) + R"(","message":")" +
                       std::string(message) + R"(","source":")" + std::string(source) + "\"";
    if (!metadata.empty()) text += ",\"metadata\":" + std::string(metadata);
    text += "}";
    std::optional<json::Value> value = json::parse(text);
    REQUIRE(value);
    std::string problem;
    std::optional<LogEntry> made = make_log_entry(*value, &problem);
    INFO(problem);
    REQUIRE(made);
    return *made;
}

LogFilter filter(const std::string& text) {
    std::optional<json::Value> value = json::parse(text);
    REQUIRE(value);
    std::string problem;
    std::optional<LogFilter> made = read_log_filter(&*value, &problem);
    INFO(problem);
    REQUIRE(made);
    return *made;
}

std::vector<std::string> ids(const LogStore& store, const std::vector<size_t>& picked) {
    std::vector<std::string> out;
    for (size_t i : picked) {
        std::optional<json::Value> value = json::parse(store.entries()[i].json);
        out.push_back(value->find("id")->as_string());
    }
    return out;
}

} // namespace

TEST_CASE("jetstart log store: a bounded ring, oldest out first", "[jetstart]") {
    LogStore store(3, 1 << 20);
    CHECK(store.add(entry(1, "info")) == 0);
    CHECK(store.add(entry(2, "info")) == 0);
    CHECK(store.add(entry(3, "info")) == 0);
    CHECK(store.add(entry(4, "info")) == 1);
    CHECK(store.entries().size() == 3);
    CHECK(ids(store, store.select(LogFilter{}, std::nullopt)) ==
          std::vector<std::string>{"2", "3", "4"});
    CHECK(store.stats().total == 3);

    // The byte bound evicts too, but never the newest entry.
    LogStore small(100, 200);
    for (int i = 1; i <= 10; ++i) small.add(entry(i, "info"));
    CHECK(small.bytes() <= 200);
    CHECK(small.entries().size() < 10);
    CHECK(ids(small, small.select(LogFilter{}, 1)) == std::vector<std::string>{"10"});

    store.clear();
    CHECK(store.entries().empty());
    CHECK(store.stats().total == 0);
}

TEST_CASE("jetstart log store: 10,000 entries at most by default", "[jetstart]") {
    LogStore store(10'000, 32 << 20);
    for (int i = 1; i <= 10'500; ++i) store.add(entry(i, "debug"));
    CHECK(store.entries().size() == 10'000);
    CHECK(ids(store, store.select(LogFilter{}, 1)) == std::vector<std::string>{"10500"});
    CHECK(store.stats().by_level[1] == 10'000);
}

TEST_CASE("jetstart log filter: levels, sources, tags, search, time; maxLines", "[jetstart]") {
    LogStore store(100, 1 << 20);
    store.add(entry(1, "info", "client", "Net", "Connected to server"));
    store.add(entry(2, "error", "build", "Gradle", "Build FAILED", 0, R"({"file":"Main.kt"})"));
    store.add(entry(3, "warn", "client", "UI", "slow frame"));
    store.add(entry(4, "error", "core", "Net", "timeout"));
    store.add(entry(5, "fatal", "system", "VM", "crash"));

    const auto pick = [&](const std::string& text, std::optional<uint64_t> max = std::nullopt) {
        return ids(store, store.select(filter(text), max));
    };
    using V = std::vector<std::string>;
    CHECK(pick("{}") == V{"1", "2", "3", "4", "5"});
    CHECK(pick("null") == V{"1", "2", "3", "4", "5"});
    CHECK(pick(R"({"levels":["error","fatal"]})") == V{"2", "4", "5"});
    CHECK(pick(R"({"levels":[]})") == V{"1", "2", "3", "4", "5"});
    CHECK(pick(R"({"levels":["nonsense"]})") == V{});
    CHECK(pick(R"({"sources":["client"]})") == V{"1", "3"});
    CHECK(pick(R"({"tags":["Net"]})") == V{"1", "4"});
    CHECK(pick(R"({"searchQuery":"FAIL"})") == V{"2"});
    CHECK(pick(R"({"searchQuery":"main.kt"})") == V{"2"});  // in metadata
    CHECK(pick(R"({"searchQuery":"net"})") == V{"1", "4"}); // in the tag
    CHECK(pick(R"({"startTime":2,"endTime":4})") == V{"2", "3", "4"});
    CHECK(pick(R"({"levels":["error"],"tags":["Net"]})") == V{"4"});
    CHECK(pick("{}", 2) == V{"4", "5"});
    CHECK(pick(R"({"levels":["error","warn"]})", 2) == V{"3", "4"});
    CHECK(pick("{}", 0) == V{});

    std::string problem;
    const json::Value bad = *json::parse(R"({"levels":"error"})");
    CHECK_FALSE(read_log_filter(&bad, &problem));
    CHECK(problem == "filter.levels must be an array of strings");
    const json::Value bad_time = *json::parse(R"({"startTime":"yesterday"})");
    CHECK_FALSE(read_log_filter(&bad_time, &problem));
    CHECK(problem == "filter.startTime must be a number");
}

TEST_CASE("jetstart log stats: counts by level and source, errors, warnings, last time",
          "[jetstart]") {
    LogStore store(100, 1 << 20);
    CHECK(
        store.stats_message() ==
        R"({"type":"stats","stats":{"totalLogs":0,"errorCount":0,"warningCount":0,"lastLogTime":0,"logsByLevel":{"verbose":0,"debug":0,"info":0,"warn":0,"error":0,"fatal":0},"logsBySource":{"cli":0,"core":0,"client":0,"build":0,"network":0,"system":0}}})");
    store.add(entry(1, "error", "build"));
    store.add(entry(2, "fatal", "system"));
    store.add(entry(3, "warn", "client", "T", "m", 1733300000123));
    CHECK(
        store.stats_message() ==
        R"({"type":"stats","stats":{"totalLogs":3,"errorCount":2,"warningCount":1,"lastLogTime":1733300000123,"logsByLevel":{"verbose":0,"debug":0,"info":0,"warn":1,"error":1,"fatal":1},"logsBySource":{"cli":0,"core":0,"client":1,"build":1,"network":0,"system":1}}})");
    // Evicted entries leave the counts.
    LogStore ring(1, 1 << 20);
    ring.add(entry(1, "error"));
    ring.add(entry(2, "info"));
    CHECK(ring.stats().by_level[4] == 0);
    CHECK(ring.stats().by_level[2] == 1);
}

TEST_CASE("jetstart log entries are validated and kept as compact JSON", "[jetstart]") {
    std::string problem;
    const json::Value missing = *json::parse(R"({"id":"1","level":"info"})");
    CHECK_FALSE(make_log_entry(missing, &problem));
    CHECK(problem == "log.timestamp is required");
    const json::Value spaced = *json::parse(
        R"({ "id" : "1", "timestamp" : 5, "level" : "info", "tag" : "T", "message" : "m", "source" : "cli", "sessionId": "s" })");
    const std::optional<LogEntry> kept = make_log_entry(spaced, &problem);
    REQUIRE(kept);
    CHECK(
        kept->json ==
        R"({"id":"1","timestamp":5,"level":"info","tag":"T","message":"m","source":"cli","sessionId":"s"})");
}

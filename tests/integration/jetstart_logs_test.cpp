// The jetstart plugin's logs WebSocket in a real kernel (seed 003, PROTOCOLS.md
// "jetstart"): {type:"subscribe", filter?, maxLines?} replays the stored entries that
// match (the last maxLines), then streams new ones; {type:"log", log} ingests one;
// {type:"clear"}; {type:"stats"} answers {type:"stats", stats:{...}}; entries go out as
// bare LogEntry JSON; at most max_log_entries are stored; bad input leaves the socket
// and the store untouched.
#include "jetstart_fixture.hpp"
#include "test_json.hpp"
#include "ws_client.hpp"

#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

using namespace switchyard::test;
namespace json = boost::json;

namespace {

// A LogEntry's JSON.
std::string entry(std::string_view id, int64_t timestamp, std::string_view level,
                  std::string_view tag, std::string_view message, std::string_view source) {
    return json::serialize(json::object{{"id", id},
                                        {"timestamp", timestamp},
                                        {"level", level},
                                        {"tag", tag},
                                        {"message", message},
                                        {"source", source}});
}

void ingest(WsClient& logs, const std::string& entry_json) {
    REQUIRE(logs.send_text(R"({"type":"log","log":)" + entry_json + "}"));
}

// Sends stats and reads until its answer; the bare entries (no "type") that came before
// it are appended to `entries` (when given). Returns the stats object.
json::object stats_after(WsClient& logs, std::vector<json::object>* entries = nullptr) {
    REQUIRE(logs.send_text(R"({"type":"stats"})"));
    for (int i = 0; i < 20000; ++i) {
        json::object message = next_object(logs);
        if (string_field(message, "type") == "stats") {
            INFO(json::serialize(message));
            REQUIRE(message.contains("stats"));
            REQUIRE(message.at("stats").is_object());
            return message.at("stats").as_object();
        }
        // Other answers (an error for bad input) are not entries.
        if (entries && !message.contains("type")) entries->push_back(std::move(message));
    }
    FAIL("no stats answer");
    return {};
}

std::vector<std::string> ids_of(const std::vector<json::object>& entries) {
    std::vector<std::string> ids;
    for (const auto& e : entries) ids.push_back(string_field(e, "id"));
    return ids;
}

// A subscriber with `request`; returns the replayed ids (read up to a stats answer).
std::vector<std::string> replay(const KernelProcess& kernel, const std::string& request) {
    auto logs = WsClient::connect(logs_port(kernel), "/");
    REQUIRE(logs.send_text(request));
    std::vector<json::object> entries;
    stats_after(logs, &entries);
    return ids_of(entries);
}

int64_t number(const json::object& object, std::string_view key) {
    INFO(json::serialize(object) << " key " << key);
    REQUIRE(object.contains(key));
    REQUIRE(object.at(key).is_number());
    return object.at(key).to_number<int64_t>();
}

// Six entries: ids e1..e6 at timestamps 1000..6000.
void store_six(WsClient& logs) {
    ingest(logs, entry("e1", 1000, "info", "Net", "GET /users done", "network"));
    ingest(logs, entry("e2", 2000, "error", "Build", "compile failed", "build"));
    ingest(logs, entry("e3", 3000, "warn", "Main", "slow frame", "client"));
    ingest(logs, entry("e4", 4000, "fatal", "Main", "crash in onCreate", "client"));
    ingest(logs, entry("e5", 5000, "debug", "Core", "watcher started", "core"));
    ingest(logs, entry("e6", 6000, "info", "Cli", "needle in a haystack", "cli"));
}

} // namespace

TEST_CASE(
    "jetstart logs: log ingests, subscribe replays every stored entry as bare LogEntry "
    "JSON, and new entries stream",
    "[integration][jetstart][logs]") {
    auto kernel = start_jetstart();
    auto writer = WsClient::connect(logs_port(kernel), "/");
    store_six(writer);
    CHECK(number(stats_after(writer), "totalLogs") == 6);

    auto reader = WsClient::connect(logs_port(kernel), "/");
    REQUIRE(reader.send_text(R"({"type":"subscribe"})"));
    std::vector<json::object> entries;
    stats_after(reader, &entries);
    CHECK(ids_of(entries) == std::vector<std::string>{"e1", "e2", "e3", "e4", "e5", "e6"});
    REQUIRE(entries.size() == 6);
    const json::object& first = entries.front();
    INFO(json::serialize(first));
    CHECK(string_field(first, "level") == "info");
    CHECK(string_field(first, "tag") == "Net");
    CHECK(string_field(first, "message") == "GET /users done");
    CHECK(string_field(first, "source") == "network");
    CHECK(number(first, "timestamp") == 1000);

    // Live: a new entry (with metadata and a sessionId) reaches the subscriber.
    REQUIRE(writer.send_text(
        R"({"type":"log","log":{"id":"e7","timestamp":7000,"level":"info","tag":"T","message":"live","source":"system","sessionId":"s","metadata":{"k":[1,2]}}})"));
    const json::object live = next_object(reader);
    INFO(json::serialize(live));
    CHECK(string_field(live, "id") == "e7");
    CHECK(string_field(live, "sessionId") == "s");
    REQUIRE(live.contains("metadata"));
    CHECK(json::serialize(live.at("metadata")) == R"({"k":[1,2]})");
}

TEST_CASE("jetstart logs: maxLines replays the last entries that match",
          "[integration][jetstart][logs]") {
    auto kernel = start_jetstart();
    auto writer = WsClient::connect(logs_port(kernel), "/");
    store_six(writer);
    stats_after(writer);
    CHECK(replay(kernel, R"({"type":"subscribe","maxLines":2})") ==
          std::vector<std::string>{"e5", "e6"});
    CHECK(replay(kernel, R"({"type":"subscribe","maxLines":100})").size() == 6);
    CHECK(replay(kernel, R"({"type":"subscribe","maxLines":1,"filter":{"sources":["client"]}})") ==
          std::vector<std::string>{"e4"});
}

TEST_CASE("jetstart logs: the filter's levels, sources, tags, searchQuery, startTime and endTime",
          "[integration][jetstart][logs]") {
    auto kernel = start_jetstart();
    auto writer = WsClient::connect(logs_port(kernel), "/");
    store_six(writer);
    stats_after(writer);
    using Ids = std::vector<std::string>;
    CHECK(replay(kernel, R"({"type":"subscribe","filter":{"levels":["error","fatal"]}})") ==
          Ids{"e2", "e4"});
    CHECK(replay(kernel, R"({"type":"subscribe","filter":{"sources":["build","cli"]}})") ==
          Ids{"e2", "e6"});
    CHECK(replay(kernel, R"({"type":"subscribe","filter":{"tags":["Main"]}})") == Ids{"e3", "e4"});
    CHECK(replay(kernel, R"({"type":"subscribe","filter":{"searchQuery":"needle"}})") == Ids{"e6"});
    CHECK(replay(kernel, R"({"type":"subscribe","filter":{"startTime":3000}})") ==
          Ids{"e3", "e4", "e5", "e6"});
    CHECK(replay(kernel, R"({"type":"subscribe","filter":{"endTime":2000}})") == Ids{"e1", "e2"});
    CHECK(
        replay(
            kernel,
            R"({"type":"subscribe","filter":{"startTime":2000,"endTime":4000,"levels":["warn","fatal"]}})") ==
        Ids{"e3", "e4"});
    // Live entries go to every logs socket whatever its filter, as the shipping logs
    // server broadcasts them (dev-phantom/jetstart packages/logs/src/server/index.ts).
    auto reader = WsClient::connect(logs_port(kernel), "/");
    REQUIRE(reader.send_text(R"({"type":"subscribe","filter":{"levels":["error"]}})"));
    stats_after(reader);
    ingest(writer, entry("x1", 8000, "info", "T", "live", "core"));
    const json::object got = next_object(reader);
    INFO(json::serialize(got));
    CHECK(string_field(got, "id") == "x1");
}

TEST_CASE(
    "jetstart logs: stats counts totals, errors with fatal, warnings, the newest "
    "timestamp, and per level and source",
    "[integration][jetstart][logs]") {
    auto kernel = start_jetstart();
    auto logs = WsClient::connect(logs_port(kernel), "/");
    const json::object empty = stats_after(logs);
    CHECK(number(empty, "totalLogs") == 0);
    store_six(logs);
    const json::object stats = stats_after(logs);
    INFO(json::serialize(stats));
    CHECK(number(stats, "totalLogs") == 6);
    CHECK(number(stats, "errorCount") == 2);
    CHECK(number(stats, "warningCount") == 1);
    CHECK(number(stats, "lastLogTime") == 6000);
    REQUIRE(stats.contains("logsByLevel"));
    const json::object& by_level = stats.at("logsByLevel").as_object();
    CHECK(number(by_level, "info") == 2);
    CHECK(number(by_level, "error") == 1);
    CHECK(number(by_level, "fatal") == 1);
    CHECK(number(by_level, "warn") == 1);
    CHECK(number(by_level, "debug") == 1);
    REQUIRE(stats.contains("logsBySource"));
    const json::object& by_source = stats.at("logsBySource").as_object();
    CHECK(number(by_source, "client") == 2);
    CHECK(number(by_source, "network") == 1);
    CHECK(number(by_source, "build") == 1);
    CHECK(number(by_source, "core") == 1);
    CHECK(number(by_source, "cli") == 1);
}

TEST_CASE("jetstart logs: clear empties the store", "[integration][jetstart][logs]") {
    auto kernel = start_jetstart();
    auto logs = WsClient::connect(logs_port(kernel), "/");
    store_six(logs);
    CHECK(number(stats_after(logs), "totalLogs") == 6);
    REQUIRE(logs.send_text(R"({"type":"clear"})"));
    CHECK(number(stats_after(logs), "totalLogs") == 0);
    CHECK(replay(kernel, R"({"type":"subscribe"})").empty());
}

TEST_CASE("jetstart logs: at most max_log_entries are stored, the oldest go first",
          "[integration][jetstart][logs]") {
    auto kernel = start_jetstart("max_log_entries = 5\n");
    auto logs = WsClient::connect(logs_port(kernel), "/");
    for (int i = 1; i <= 12; ++i)
        ingest(logs, entry("n" + std::to_string(i), 1000 * i, "info", "T", "m", "core"));
    const json::object stats = stats_after(logs);
    INFO(json::serialize(stats));
    CHECK(number(stats, "totalLogs") == 5);
    CHECK(number(stats, "lastLogTime") == 12000);
    CHECK(replay(kernel, R"({"type":"subscribe"})") ==
          std::vector<std::string>{"n8", "n9", "n10", "n11", "n12"});
}

TEST_CASE("jetstart logs: bad input stores nothing and leaves the socket open",
          "[integration][jetstart][logs]") {
    auto kernel = start_jetstart();
    auto logs = WsClient::connect(logs_port(kernel), "/");
    const std::vector<std::string> bad = {
        "not json",
        "[1,2]",
        R"({"type":42})",
        R"({"type":"teleport"})",
        R"({"type":"log"})",
        R"({"type":"log","log":"text"})",
        R"({"type":"log","log":{"id":"b1","timestamp":1,"level":"loud","tag":"T","message":"m","source":"core"}})",
        R"({"type":"log","log":{"id":"b2","timestamp":1,"level":"info","tag":"T","message":"m","source":"mars"}})",
        R"({"type":"log","log":{"id":"b3","timestamp":"1","level":"info","tag":"T","message":"m","source":"core"}})",
        R"({"type":"log","log":{"timestamp":1,"level":"info","tag":"T","message":"m","source":"core"}})",
        R"({"type":"subscribe","maxLines":"all"})",
        R"({"type":"subscribe","filter":"errors"})",
        R"({"type":"subscribe","filter":{"levels":"error"}})",
    };
    for (const auto& message : bad) {
        INFO("sent " << message);
        REQUIRE(logs.send_text(message));
        // Whatever answer the plugin gives, it is not an entry, and stats still answers.
        std::vector<json::object> entries;
        const json::object stats = stats_after(logs, &entries);
        CHECK(entries.empty());
        CHECK(number(stats, "totalLogs") == 0);
        CHECK_FALSE(logs.closed());
    }
}

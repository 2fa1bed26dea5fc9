// JetStart's core wire formats (plugins/jetstart/jetstart_protocol.hpp): each client
// message's validation, the answers, and the server message spliced from a bus event.
#include "jetstart_protocol.hpp"

#include <switchyard/json.hpp>
#include <switchyard/scope.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace switchyard;
using namespace switchyard::jetstart;

namespace {

// The problem read_client_message finds in `text` ("" when valid).
std::string problem(const std::string& text) {
    return read_client_message(text).problem;
}

json::Value parsed(const std::string& text) {
    std::optional<json::Value> value = json::parse(text);
    REQUIRE(value);
    return *value;
}

constexpr const char* kEntry =
    R"({"id":"1","timestamp":5,"level":"warn","tag":"T","message":"m","source":"client"})";

} // namespace

TEST_CASE("jetstart client:connect: the seed's, the runtime's and the companion's", "[jetstart]") {
    const ClientMessage seed = read_client_message(
        R"({"type":"client:connect","timestamp":1,"sessionId":"s","token":"t","deviceInfo":{"id":"d","model":"Pixel","platform":"android","architecture":"arm64","androidVersion":"14","apiLevel":34}})");
    CHECK(seed.problem.empty());
    CHECK(seed.type == ClientType::Connect);
    CHECK(seed.session_id == "s");
    CHECK(seed.token == "t");
    CHECK(seed.platform == "android");

    // The hot-reload runtime: no token, no timestamp, no deviceInfo.
    const ClientMessage runtime =
        read_client_message(R"({"type":"client:connect","sessionId":"s","clientType":"test-app"})");
    CHECK(runtime.problem.empty());
    CHECK_FALSE(runtime.token.has_value());
    CHECK(runtime.platform.empty());

    // The companion app: no timestamp.
    CHECK(
        problem(
            R"({"type":"client:connect","sessionId":"s","token":"t","deviceInfo":{"platform":"web"}})")
            .empty());
}

TEST_CASE("jetstart client:connect: every field present is validated", "[jetstart]") {
    CHECK(problem(R"({"type":"client:connect"})") == "sessionId is required");
    CHECK(problem(R"({"type":"client:connect","sessionId":1})") == "sessionId must be a string");
    CHECK(problem(R"({"type":"client:connect","sessionId":"s","token":5})") ==
          "token must be a string");
    CHECK(problem(R"({"type":"client:connect","sessionId":"s","timestamp":"now"})") ==
          "timestamp must be a number");
    CHECK(problem(R"({"type":"client:connect","sessionId":"s","deviceInfo":[]})") ==
          "deviceInfo must be an object");
    CHECK(problem(R"({"type":"client:connect","sessionId":"s","deviceInfo":{"platform":"ios"}})") ==
          "deviceInfo.platform must be one of android, web");
    CHECK(
        problem(
            R"({"type":"client:connect","sessionId":"s","deviceInfo":{"architecture":"mips"}})") ==
        "deviceInfo.architecture must be one of arm64, x86_64, x86");
    CHECK(problem(R"({"type":"client:connect","sessionId":"s","deviceInfo":{"apiLevel":"34"}})") ==
          "deviceInfo.apiLevel must be a number");
    CHECK(problem(R"({"type":"client:connect","sessionId":"s","deviceInfo":{"model":3}})") ==
          "deviceInfo.model must be a string");
    CHECK(problem(R"({"type":"client:connect","sessionId":"s","clientType":false})") ==
          "clientType must be a string");
}

TEST_CASE("jetstart client messages: each type's fields, each with its own error", "[jetstart]") {
    SECTION("client:status") {
        CHECK(problem(R"({"type":"client:status","timestamp":1,"status":"idle"})").empty());
        CHECK(problem(R"({"type":"client:status","status":"idle","message":"ok"})").empty());
        CHECK(problem(R"({"type":"client:status"})") == "status is required");
        CHECK(problem(R"({"type":"client:status","status":"sleepy"})") ==
              "status must be one of connecting, connected, idle, disconnected, error");
        CHECK(problem(R"({"type":"client:status","status":"idle","message":1})") ==
              "message must be a string");
    }
    SECTION("client:log") {
        const ClientMessage ok = read_client_message(
            std::string(R"({"type":"client:log","sessionId":"s","log":)") + kEntry + "}");
        CHECK(ok.problem.empty());
        CHECK(ok.log_json == kEntry);
        CHECK(ok.session_id == "s");
        CHECK(problem(R"({"type":"client:log"})") == "log is required");
        CHECK(problem(R"({"type":"client:log","log":[]})") == "log must be an object");
        CHECK(
            problem(
                R"({"type":"client:log","log":{"timestamp":5,"level":"warn","tag":"T","message":"m","source":"client"}})") ==
            "log.id is required");
        CHECK(
            problem(
                R"({"type":"client:log","log":{"id":"1","timestamp":5,"level":"loud","tag":"T","message":"m","source":"client"}})") ==
            "log.level must be one of verbose, debug, info, warn, error, fatal");
        CHECK(
            problem(
                R"({"type":"client:log","log":{"id":"1","timestamp":5,"level":"info","tag":"T","message":"m","source":"moon"}})") ==
            "log.source must be one of cli, core, client, build, network, system");
        CHECK(
            problem(
                R"({"type":"client:log","log":{"id":"1","timestamp":"5","level":"info","tag":"T","message":"m","source":"cli"}})") ==
            "log.timestamp must be a number");
        CHECK(
            problem(
                R"({"type":"client:log","log":{"id":"1","timestamp":5,"level":"info","tag":"T","message":"m","source":"cli","metadata":7}})") ==
            "log.metadata must be an object");
        CHECK(problem(std::string(R"({"type":"client:log","sessionId":2,"log":)") + kEntry + "}") ==
              "sessionId must be a string");
    }
    SECTION("client:heartbeat") {
        CHECK(problem(R"({"type":"client:heartbeat","timestamp":1})").empty());
        CHECK(problem(R"({"type":"client:heartbeat"})").empty());
        CHECK(problem(R"({"type":"client:heartbeat","timestamp":null})") ==
              "timestamp must be a number");
    }
    SECTION("client:disconnect") {
        CHECK(problem(R"({"type":"client:disconnect","reason":"bye"})").empty());
        CHECK(problem(R"({"type":"client:disconnect","reason":{}})") == "reason must be a string");
    }
    SECTION("client:click") {
        CHECK(
            problem(
                R"({"type":"client:click","sessionId":"s","action":"onClick","elementType":"Button","elementText":"Go"})")
                .empty());
        CHECK(problem(R"({"type":"client:click","elementType":"Button"})") == "action is required");
        CHECK(problem(R"({"type":"client:click","action":"onClick"})") ==
              "elementType is required");
        CHECK(
            problem(
                R"({"type":"client:click","action":"onClick","elementType":"Button","elementText":1})") ==
            "elementText must be a string");
    }
    SECTION("pong, unknown types and garbage") {
        const ClientMessage pong = read_client_message(R"({"type":"pong"})");
        CHECK(pong.type == ClientType::Pong);
        CHECK(pong.problem.empty());
        const ClientMessage unknown = read_client_message(R"({"type":"client:dance"})");
        CHECK(unknown.parsed);
        CHECK(unknown.type == ClientType::Unknown);
        CHECK(unknown.problem == "Unknown message type: client:dance");
        CHECK_FALSE(read_client_message("{nope").parsed);
        CHECK(read_client_message("{nope").problem.starts_with("invalid JSON"));
        CHECK(problem("[1]") == "a message must be a JSON object");
        CHECK(problem(R"({"type":3})") == "type must be a string");
        // A DOM bomb stops at the value cap, not after building it.
        std::string bomb = R"({"type":"client:status","x":[)";
        for (int i = 0; i < 30000; ++i) bomb += "0,";
        bomb += "0]}";
        CHECK(problem(bomb).starts_with("message too complex"));
    }
}

TEST_CASE("jetstart answers: connected, error, log, disconnect", "[jetstart]") {
    CHECK(connected_message(7, "s", "P \"q\"") ==
          R"({"type":"core:connected","timestamp":7,"sessionId":"s","projectName":"P \"q\""})");
    CHECK(
        error_message(7, "s", "bad", "client:log") ==
        R"({"type":"core:error","timestamp":7,"sessionId":"s","error":"bad","details":{"type":"client:log"}})");
    // Not authenticated: no session in the answer.
    CHECK(error_message(7, "", "bad", "") ==
          R"({"type":"core:error","timestamp":7,"error":"bad","details":{"type":null}})");
    CHECK(log_message(7, "s", kEntry) ==
          std::string(R"({"type":"core:log","timestamp":7,"sessionId":"s","log":)") + kEntry + "}");
    CHECK(disconnect_message(7, "Server stopped") ==
          R"({"type":"core:disconnect","timestamp":7,"reason":"Server stopped"})");
}

TEST_CASE("jetstart server messages: spliced, the server's keys win", "[jetstart]") {
    const auto encode = [](std::string_view data) {
        std::string out;
        if (!append_server_message(out, "core:reload", 9, "sess", data)) return std::string("!");
        return out;
    };
    CHECK(encode(R"({"reloadType":"hot"})") ==
          R"({"type":"core:reload","timestamp":9,"sessionId":"sess","reloadType":"hot"})");
    CHECK(encode("{}") == R"({"type":"core:reload","timestamp":9,"sessionId":"sess"})");
    CHECK(encode(" { } ") == R"({"type":"core:reload","timestamp":9,"sessionId":"sess"})");
    // The backend's type, timestamp and sessionId never override the server's, escaped or not.
    CHECK(encode(
              R"({"sessionId":"evil","timestamp":1,"type":"x","a":[1,{"b":"}"}],"t\u0079pe":2})") ==
          R"({"type":"core:reload","timestamp":9,"sessionId":"sess","a":[1,{"b":"}"}]})");
    // Whitespace between tokens and strings with escaped quotes and brackets.
    CHECK(
        encode("{ \"s\" : \"a\\\"}\\\\\" , \"n\" : -1.5e3 ,\"z\":null}") ==
        R"({"type":"core:reload","timestamp":9,"sessionId":"sess","s":"a\"}\\","n":-1.5e3,"z":null})");
    // Not an object: the member "data".
    CHECK(encode("[1,2]") ==
          R"({"type":"core:reload","timestamp":9,"sessionId":"sess","data":[1,2]})");
    CHECK(encode(R"("x")") ==
          R"({"type":"core:reload","timestamp":9,"sessionId":"sess","data":"x"})");
    // Not JSON: refused, nothing appended.
    CHECK(encode(R"({"a":)") == "!");
    CHECK(encode(R"({"a":"open)") == "!");
    CHECK(encode(R"({"a":1} x)") == "!");
    CHECK(encode("") == "!");

    // Every output parses back with the data's members intact.
    const std::string big(1 << 20, 'A');
    const std::string out =
        encode(R"({"dexBase64":")" + big + R"(","classNames":["a.B","a.B$Override"]})");
    const json::Value value = parsed(out);
    CHECK(value.find("dexBase64")->as_string() == big);
    CHECK(value.find("classNames")->as_array().size() == 2);
    CHECK(value.find("sessionId")->as_string() == "sess");
}

TEST_CASE("jetstart inbound scope names the connection as a string", "[jetstart]") {
    CHECK(sdk::conn_scope(42) == R"({"conn":"42"})");
}

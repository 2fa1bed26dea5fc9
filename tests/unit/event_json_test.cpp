#include "control/event_json.hpp"

#include "json/compact_json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <variant>

using namespace switchyard;

namespace {

// The body's events; fails the test when the body was refused.
PublishBody accepted(std::string_view body) {
    auto result = parse_publish_body(body);
    if (const auto* error = std::get_if<PublishError>(&result)) {
        FAIL("refused with " << error->code << ": " << error->message);
    }
    return std::get<PublishBody>(std::move(result));
}

// The refusal; fails the test when the body was accepted.
PublishError refused(std::string_view body) {
    auto result = parse_publish_body(body);
    if (std::holds_alternative<PublishBody>(result)) FAIL("accepted: " << body);
    return std::get<PublishError>(std::move(result));
}

Event accepted_one(std::string_view body) {
    PublishBody parsed = accepted(body);
    REQUIRE(parsed.events.size() == 1);
    CHECK_FALSE(parsed.is_array);
    return parsed.events.front();
}

std::string compact(std::string_view json_text) {
    return compact_json(boost::json::parse(json_text));
}

} // namespace

TEST_CASE("one event object is parsed with its fields", "[control]") {
    const Event event =
        accepted_one(R"({"topic":"clijaw/agent","type":"status","data":{"state":"busy"},"id":"c1",)"
                     R"("priority":"high","visibility":"internal","scope":{"conn":"42"}})");
    CHECK(event.topic == "clijaw/agent");
    CHECK(event.type == "status");
    CHECK(event.data == R"({"state":"busy"})");
    CHECK(event.id == "c1");
    CHECK(event.priority == "high");
    CHECK(event.visibility == Visibility::Internal);
    CHECK(event.scope == R"({"conn":"42"})");
}

TEST_CASE("optional fields default to absent, data to {}", "[control]") {
    const Event event = accepted_one(R"({"topic":"groove","type":"ping"})");
    CHECK(event.data == "{}");
    CHECK(event.id.empty());
    CHECK(event.priority.empty());
    CHECK(event.scope.empty());
    CHECK(event.visibility == Visibility::Public);
}

TEST_CASE("null optional fields count as absent", "[control]") {
    const Event event =
        accepted_one(R"({"topic":"groove","type":"t","id":null,"priority":null,"visibility":null,)"
                     R"("scope":null})");
    CHECK(event.id.empty());
    CHECK(event.priority.empty());
    CHECK(event.scope.empty());
    CHECK(event.visibility == Visibility::Public);
}

TEST_CASE("data may be any JSON value and is kept compact", "[control]") {
    CHECK(accepted_one(R"({"topic":"a","type":"t","data":[1, 2 ,3]})").data == "[1,2,3]");
    CHECK(accepted_one(R"({"topic":"a","type":"t","data":"text"})").data == R"("text")");
    CHECK(accepted_one(R"({"topic":"a","type":"t","data":null})").data == "null");
    CHECK(accepted_one(R"({"topic":"a","type":"t","data":7})").data == "7");
    CHECK(accepted_one("{\"topic\":\"a\",\"type\":\"t\",\"data\":{ \"k\" :\n { \"n\" : [ ] } }}")
              .data == R"({"k":{"n":[]}})");
}

TEST_CASE("numbers in data stay as the publisher wrote them", "[control]") {
    CHECK(accepted_one(R"({"topic":"a","type":"t","data":{"x":0.45}})").data == R"({"x":0.45})");
    CHECK(accepted_one(R"({"topic":"a","type":"t","data":{"p":0.1,"q":-2.5,"r":100.25}})").data ==
          R"({"p":0.1,"q":-2.5,"r":100.25})");
}

TEST_CASE("data is kept as the publisher wrote it, less the whitespace", "[control]") {
    // Escapes and number forms are the publisher's: the data is copied, not re-encoded.
    CHECK(accepted_one(R"({"topic":"a","type":"t","data":{"s":"caf\u00e9 \/ \" x","n":4.5E-1}})")
              .data == R"({"s":"caf\u00e9 \/ \" x","n":4.5E-1})");
    CHECK(accepted_one("{\"data\" : [ \"a b\" , { } ] ,\"topic\":\"a\",\"type\":\"t\"}").data ==
          R"(["a b",{}])");
    // Strings ending in escaped backslashes end where they end.
    CHECK(accepted_one(R"({"topic":"a","type":"t","data":{"k":"\\","j":"\\\""}})").data ==
          R"({"k":"\\","j":"\\\""})");
}

TEST_CASE("a repeated field counts once, the last one as a parsed object would", "[control]") {
    const Event event =
        accepted_one(R"({"topic":"a","type":"one","type":"two","data":1,"data":2})");
    CHECK(event.type == "two");
    CHECK(event.data == "2");
}

TEST_CASE("field names are read with their escapes", "[control]") {
    const Event event = accepted_one(R"({"\u0074opic":"a","type":"t"})");
    CHECK(event.topic == "a");
    CHECK(refused(R"({"topic":"a","type":"t","dat\u0061x":1})").message == "unknown field 'datax'");
}

TEST_CASE("an array publishes its events in order", "[control]") {
    const PublishBody body =
        accepted(R"([{"topic":"a","type":"one"},{"topic":"b/c","type":"two","data":{"n":2}}])");
    CHECK(body.is_array);
    REQUIRE(body.events.size() == 2);
    CHECK(body.events[0].topic == "a");
    CHECK(body.events[0].type == "one");
    CHECK(body.events[1].topic == "b/c");
    CHECK(body.events[1].data == R"({"n":2})");
}

TEST_CASE("an array of one event is still an array", "[control]") {
    const PublishBody body = accepted(R"([{"topic":"a","type":"one"}])");
    CHECK(body.is_array);
    CHECK(body.events.size() == 1);
}

TEST_CASE("an empty array is refused", "[control]") {
    CHECK(refused("[]").code == "BAD_EVENT");
}

TEST_CASE("a body that is not JSON is BAD_JSON", "[control]") {
    const char* body = GENERATE("", "{", R"({"topic":)", "{} x", "{'topic':'a'}", "nope");
    CAPTURE(body);
    CHECK(refused(body).code == "BAD_JSON");
}

TEST_CASE("a body that is neither an object nor an array is BAD_EVENT", "[control]") {
    const char* body = GENERATE("42", R"("text")", "null", "true");
    CAPTURE(body);
    CHECK(refused(body).code == "BAD_EVENT");
}

TEST_CASE("topic is a required string", "[control]") {
    CHECK(refused(R"({"type":"t"})").code == "BAD_EVENT");
    CHECK(refused(R"({"topic":5,"type":"t"})").code == "BAD_EVENT");
    CHECK(refused(R"({"topic":null,"type":"t"})").code == "BAD_EVENT");
    CHECK(refused(R"({"topic":["a"],"type":"t"})").code == "BAD_EVENT");
}

TEST_CASE("an invalid topic is refused", "[control]") {
    const std::string topic =
        GENERATE(std::string("a//b"), std::string(""), std::string("/x"), std::string("x/"),
                 std::string("a b"), std::string("a\"b"), std::string(256, 't'));
    CAPTURE(topic);
    const std::string body =
        R"({"topic":")" + (topic == "a\"b" ? "a\\\"b" : topic) + R"(","type":"t"})";
    const PublishError error = refused(body);
    CHECK(error.code == "BAD_EVENT");
    CHECK_THAT(error.message, Catch::Contains("topic"));
}

TEST_CASE("type is a required non-empty string", "[control]") {
    CHECK(refused(R"({"topic":"a"})").code == "BAD_EVENT");
    CHECK(refused(R"({"topic":"a","type":1})").code == "BAD_EVENT");
    CHECK(refused(R"({"topic":"a","type":""})").code == "BAD_EVENT");
    CHECK(refused(R"({"topic":"a","type":{}})").code == "BAD_EVENT");
}

TEST_CASE("an unknown field is refused and named", "[control]") {
    const PublishError error = refused(R"({"topic":"a","type":"t","payload":{}})");
    CHECK(error.code == "BAD_EVENT");
    CHECK_THAT(error.message, Catch::Contains("payload"));
}

TEST_CASE("id and priority must be strings", "[control]") {
    CHECK(refused(R"({"topic":"a","type":"t","id":5})").code == "BAD_EVENT");
    CHECK(refused(R"({"topic":"a","type":"t","id":{}})").code == "BAD_EVENT");
    CHECK(refused(R"({"topic":"a","type":"t","priority":1})").code == "BAD_EVENT");
    CHECK(refused(R"({"topic":"a","type":"t","priority":true})").code == "BAD_EVENT");
}

TEST_CASE("visibility is public or internal", "[control]") {
    CHECK(accepted_one(R"({"topic":"a","type":"t","visibility":"public"})").visibility ==
          Visibility::Public);
    CHECK(accepted_one(R"({"topic":"a","type":"t","visibility":"internal"})").visibility ==
          Visibility::Internal);
    const char* bad = GENERATE(R"("secret")", R"("Internal")", R"("")", "1", "true", "{}");
    CAPTURE(bad);
    const PublishError error =
        refused(std::string(R"({"topic":"a","type":"t","visibility":)") + bad + "}");
    CHECK(error.code == "BAD_EVENT");
}

TEST_CASE("scope must be an object", "[control]") {
    const char* bad = GENERATE(R"("conn")", "[1]", "5", "true");
    CAPTURE(bad);
    CHECK(refused(std::string(R"({"topic":"a","type":"t","scope":)") + bad + "}").code ==
          "BAD_EVENT");
}

TEST_CASE("one bad event refuses the whole array and says which", "[control]") {
    const PublishError error =
        refused(R"([{"topic":"a","type":"t"},{"topic":"a"},{"topic":"b","type":"t"}])");
    CHECK(error.code == "BAD_EVENT");
    CHECK_THAT(error.message, Catch::StartsWith("event 1:"));
    CHECK(refused(R"([{"topic":"a","type":"t"},42])").code == "BAD_EVENT");
}

TEST_CASE("an array of more than 10000 events is refused", "[control]") {
    auto body_of = [](size_t count) {
        std::string body = "[";
        for (size_t i = 0; i < count; ++i) {
            if (i != 0) body += ',';
            body += R"({"topic":"a","type":"t"})";
        }
        return body + "]";
    };
    CHECK(accepted(body_of(10000)).events.size() == 10000);
    CHECK(refused(body_of(10001)).code == "BAD_EVENT");
}

TEST_CASE("event_to_json writes the required fields in a fixed order", "[control]") {
    Event event;
    event.stream = "clijaw";
    event.topic = "clijaw/agent";
    event.type = "status";
    event.data = R"({"x":0.45})";
    event.seq = 17;
    event.ts = 1700000000123;
    CHECK(event_to_json(event) ==
          R"({"seq":17,"topic":"clijaw/agent","type":"status","data":{"x":0.45},)"
          R"("ts":1700000000123})");
}

TEST_CASE("event_to_json adds the optional fields that are present", "[control]") {
    Event event;
    event.stream = "jarvis";
    event.topic = "jarvis";
    event.type = "notify";
    event.data = "[1,2]";
    event.id = "req-1";
    event.priority = "high";
    event.scope = R"({"conn":"513"})";
    event.visibility = Visibility::Internal;
    event.seq = 1;
    event.ts = 5;
    CHECK(event_to_json(event) ==
          R"({"seq":1,"topic":"jarvis","type":"notify","data":[1,2],"id":"req-1",)"
          R"("priority":"high","scope":{"conn":"513"},"visibility":"internal","ts":5})");
}

TEST_CASE("event_to_json escapes strings", "[control]") {
    Event event;
    event.topic = "a";
    event.type = "say \"hi\"\n";
    event.id = "back\\slash";
    CHECK(event_to_json(event) ==
          R"({"seq":0,"topic":"a","type":"say \"hi\"\n","data":{},"id":"back\\slash","ts":0})");
}

TEST_CASE("what event_to_json writes is JSON that round-trips the event", "[control]") {
    const Event original = accepted_one(
        R"({"topic":"claudecontrol/ws_1","type":"t","data":{"a":[true,null,"\u00e9"]},)"
        R"("scope":{"workspaceId":"ws_1"},"id":"x"})");
    const boost::json::value parsed = boost::json::parse(event_to_json(original));
    CHECK(parsed.at("topic").as_string() == "claudecontrol/ws_1");
    CHECK(parsed.at("data") == boost::json::parse(original.data));
    CHECK(compact_json(parsed.at("scope")) == original.scope);
    CHECK(parsed.at("id").as_string() == "x");
    CHECK_FALSE(parsed.as_object().contains("visibility"));
    CHECK_FALSE(parsed.as_object().contains("priority"));
}

TEST_CASE("compact_json removes whitespace and keeps key order", "[control]") {
    CHECK(compact("{ \"b\" : 1 ,\n \"a\" : [ true , false , null ] }") ==
          R"({"b":1,"a":[true,false,null]})");
    CHECK(compact("[]") == "[]");
    CHECK(compact("{}") == "{}");
    CHECK(compact(R"({"":""})") == R"({"":""})");
}

TEST_CASE("compact_json keeps integers exact", "[control]") {
    CHECK(compact("0") == "0");
    CHECK(compact("-1") == "-1");
    CHECK(compact("9223372036854775807") == "9223372036854775807");
    CHECK(compact("-9223372036854775808") == "-9223372036854775808");
    CHECK(compact("18446744073709551615") == "18446744073709551615");
}

TEST_CASE("compact_json writes doubles in their shortest round-trip form", "[control]") {
    CHECK(compact("0.45") == "0.45");
    CHECK(compact("0.1") == "0.1");
    CHECK(compact("-2.5") == "-2.5");
    CHECK(compact("3.141592653589793") == "3.141592653589793");
    CHECK(compact("[0.3,1.5]") == "[0.3,1.5]");
    // Not kept verbatim: an exponent form is rewritten, but it stays the same number.
    CHECK(std::stod(compact("4.5E-1")) == 0.45);
}

TEST_CASE("compact_json escapes strings and keys", "[control]") {
    CHECK(compact(R"({"q\"k":"line\nbreak\t\u0001"})") == R"({"q\"k":"line\nbreak\t\u0001"})");
    CHECK(compact(R"("caf\u00e9")") == "\"caf\xC3\xA9\"");
}

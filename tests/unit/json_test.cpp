// The SDK's JSON library (sdk/include/switchyard/json.hpp): strict parsing, errors that
// say what and where, serialization.
#include <switchyard/json.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <string>

namespace json = switchyard::json;

namespace {

// The error parse() reports for `text`; fails the test if it parses.
std::string parse_error(std::string_view text) {
    std::string error;
    std::optional<json::Value> value = json::parse(text, &error);
    CHECK_FALSE(value.has_value());
    return error;
}

// `text` parsed and serialized again.
std::string round_trip(std::string_view text) {
    std::string error;
    std::optional<json::Value> value = json::parse(text, &error);
    INFO(error);
    REQUIRE(value.has_value());
    return json::serialize(*value);
}

} // namespace

TEST_CASE("json parses every kind of value", "[json]") {
    std::optional<json::Value> v = json::parse(
        R"( {"s":"text","i":-42,"f":0.5,"t":true,"n":null,"a":[1,[2],{}],"o":{"k":"v"}} )");
    REQUIRE(v.has_value());
    REQUIRE(v->is_object());
    CHECK(v->find("s")->as_string() == "text");
    CHECK(v->find("i")->as_int64() == -42);
    CHECK(v->find("f")->as_double() == 0.5);
    CHECK_FALSE(v->find("f")->as_int64().has_value());
    CHECK(v->find("t")->as_bool());
    CHECK(v->find("n")->is_null());
    CHECK(v->find("a")->as_array().size() == 3);
    CHECK(v->find("o")->find("k")->as_string() == "v");
    CHECK(v->find("missing") == nullptr);
    CHECK(v->find("s")->find("s") == nullptr); // not an object
}

TEST_CASE("json objects keep insertion order and a repeated key finds the last", "[json]") {
    CHECK(round_trip(R"({"z":1,"a":2,"m":3})") == R"({"z":1,"a":2,"m":3})");
    std::optional<json::Value> v = json::parse(R"({"k":1,"k":2})");
    REQUIRE(v.has_value());
    CHECK(v->find("k")->as_int64() == 2);
}

TEST_CASE("json numbers keep integers exact and reject what RFC 8259 does not allow", "[json]") {
    CHECK(json::parse("9007199254740993")->as_int64() == 9007199254740993);
    CHECK(json::parse("-9223372036854775808")->as_int64() == INT64_MIN);
    CHECK_FALSE(json::parse("9223372036854775808")->as_int64().has_value());
    CHECK(json::parse("9223372036854775808")->as_double() == 9223372036854775808.0);
    CHECK(json::parse("1e2")->as_double() == 100.0);
    CHECK(json::parse("-0.25E-1")->as_double() == -0.025);
    CHECK(json::parse("1e-400")->as_double() == 0.0); // underflow is zero, not an error
    CHECK(parse_error("1e400") == "number out of range at offset 0");
    CHECK(parse_error("01") == "unexpected trailing characters at offset 1");
    CHECK(parse_error("-") == "invalid number at offset 1");
    CHECK(parse_error("1.") == "invalid number: digit expected after '.' at offset 2");
    CHECK(parse_error("1e+") == "invalid number: digit expected in exponent at offset 3");
    CHECK(parse_error("+1") == "unexpected character '+' at offset 0");
    CHECK(parse_error(".5") == "unexpected character '.' at offset 0");
    CHECK(parse_error("NaN") == "unexpected character 'N' at offset 0");
}

TEST_CASE("json strings decode escapes, unicode escapes and surrogate pairs", "[json]") {
    CHECK(json::parse(R"("a\"b\\c\/d\b\f\n\r\t")")->as_string() == "a\"b\\c/d\b\f\n\r\t");
    CHECK(json::parse(R"("\u0041\u00e9\u20AC")")->as_string() == "A\xC3\xA9\xE2\x82\xAC");
    CHECK(json::parse(R"("\ud83d\ude00")")->as_string() == "\xF0\x9F\x98\x80"); // U+1F600
    CHECK(json::parse("\"h\xC3\xA9llo \xF0\x9F\x98\x80\"")->as_string() ==
          "h\xC3\xA9llo \xF0\x9F\x98\x80");
    CHECK(json::parse(R"("\u0000")")->as_string() == std::string(1, '\0'));
}

TEST_CASE("json strings refuse bad escapes, control characters, lone surrogates and bad UTF-8",
          "[json]") {
    CHECK(parse_error(R"("a\q")") == "invalid escape '\\q' at offset 2");
    CHECK(parse_error("\"a\nb\"") == "control character in string at offset 2");
    CHECK(parse_error("\"tab\there\"") == "control character in string at offset 4");
    CHECK(parse_error(R"("\ud83d")") == "lone high surrogate in \\u escape at offset 7");
    CHECK(parse_error(R"("\ud83dx")") == "lone high surrogate in \\u escape at offset 7");
    CHECK(parse_error(R"("\ud83d\u0041")") == "lone high surrogate in \\u escape at offset 13");
    CHECK(parse_error(R"("\ude00")") == "lone low surrogate in \\u escape at offset 7");
    CHECK(parse_error(R"("\u12G4")") == "invalid hex digit in \\u escape at offset 3");
    CHECK(parse_error(R"("\u12")") == "truncated \\u escape at offset 3");
    CHECK(parse_error("\"\xFF\"") == "invalid UTF-8 at offset 1");
    CHECK(parse_error("\"\xC0\xAF\"") == "invalid UTF-8 at offset 1");         // overlong '/'
    CHECK(parse_error("\"\xED\xA0\x80\"") == "invalid UTF-8 at offset 1");     // surrogate
    CHECK(parse_error("\"\xF4\x90\x80\x80\"") == "invalid UTF-8 at offset 1"); // > U+10FFFF
    CHECK(parse_error("\"\xE2\x82\"") == "invalid UTF-8 at offset 1");         // truncated
    CHECK(parse_error(R"("abc)") == "unterminated string at offset 4");
}

TEST_CASE("json errors say what was expected and where", "[json]") {
    CHECK(parse_error(R"({"key" 1})") == "expected ':' at offset 7");
    CHECK(parse_error(R"({"a":1 "b":2})") == "expected ',' or '}' at offset 7");
    CHECK(parse_error("[1 2]") == "expected ',' or ']' at offset 3");
    CHECK(parse_error("[1,]") == "unexpected character ']' at offset 3");
    CHECK(parse_error(R"({"a":1,})") == "expected a string key at offset 7");
    CHECK(parse_error("{a:1}") == "expected a string key at offset 1");
    CHECK(parse_error("[1,2") == "unexpected end of input, expected ',' or ']' at offset 4");
    CHECK(parse_error("") == "unexpected end of input at offset 0");
    CHECK(parse_error("   ") == "unexpected end of input at offset 3");
    CHECK(parse_error("tru") == "invalid literal at offset 0");
    CHECK(parse_error("{} {}") == "unexpected trailing characters at offset 3");
    CHECK(parse_error("nullx") == "unexpected trailing characters at offset 4");
}

TEST_CASE("json nesting is limited to 64 levels", "[json]") {
    auto nested = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
    CHECK(json::parse(nested(64)).has_value());
    CHECK(parse_error(nested(65)) == "nesting deeper than 64 at offset 64");
    CHECK(parse_error(std::string(100000, '[')) == "nesting deeper than 64 at offset 64");
    std::string objects;
    for (int i = 0; i < 65; ++i) objects += R"({"k":)";
    CHECK(parse_error(objects + "1" + std::string(65, '}')) ==
          "nesting deeper than 64 at offset 320");
}

TEST_CASE("json ParseLimits caps the values and the depth and says which was hit", "[json]") {
    auto zeros = [](size_t n) {
        std::string out = "[";
        for (size_t i = 0; i < n; ++i) out += i == 0 ? "0" : ",0";
        return out + "]";
    };
    json::ParseLimits limits;
    limits.max_values = 10;
    std::string error;
    bool over = true;
    // The array itself and its nine elements: ten values, at the cap.
    CHECK(json::parse(zeros(9), &error, limits, &over).has_value());
    CHECK_FALSE(over);
    CHECK_FALSE(json::parse(zeros(10), &error, limits, &over).has_value());
    CHECK(over);
    CHECK(error == "more than 10 values at offset 19");
    // Object members count by their values; nested containers count too.
    CHECK(json::parse(R"({"a":1,"b":[2,3],"c":{"d":null}})", &error, limits, &over));
    limits.max_values = 6;
    CHECK_FALSE(json::parse(R"({"a":1,"b":[2,3],"c":{"d":null}})", &error, limits, &over));
    CHECK(over);
    // Bad syntax before the cap is a syntax error, not a limit.
    CHECK_FALSE(json::parse("[0,0,", &error, limits, &over).has_value());
    CHECK_FALSE(over);
    // A large document stops at the cap instead of building every value.
    limits.max_values = 100000;
    CHECK_FALSE(json::parse(zeros(1000000), &error, limits, &over).has_value());
    CHECK(over);
    CHECK_THAT(error, Catch::StartsWith("more than 100000 values at offset "));

    json::ParseLimits shallow;
    shallow.max_depth = 2;
    CHECK(json::parse("[[1]]", &error, shallow, &over).has_value());
    CHECK_FALSE(json::parse("[[[1]]]", &error, shallow, &over).has_value());
    CHECK(over);
    CHECK(error == "nesting deeper than 2 at offset 2");
    // No deeper than kMaxDepth, whatever is asked.
    json::ParseLimits deep;
    deep.max_depth = 1000;
    CHECK_FALSE(json::parse(std::string(65, '[') + std::string(65, ']'), &error, deep, &over));
    CHECK(over);
    CHECK(error == "nesting deeper than 64 at offset 64");
    // The default limits are parse()'s own: no value cap.
    CHECK(json::parse(zeros(200000), &error, json::ParseLimits{}, &over).has_value());
    CHECK_FALSE(over);
}

TEST_CASE("json serializes compactly and escapes what must be escaped", "[json]") {
    CHECK(round_trip(R"( { "a" : [ 1 , 2.5 , -3e-2 , true , null ] , "b" : "x" } )") ==
          R"({"a":[1,2.5,-0.03,true,null],"b":"x"})");
    CHECK(round_trip(R"("quote\" backslash\\ nl\n ctl\u0001 slash/ \u00e9")") ==
          "\"quote\\\" backslash\\\\ nl\\n ctl\\u0001 slash/ \xC3\xA9\"");
    CHECK(round_trip("1e2") == "100");
    CHECK(round_trip("0.1") == "0.1");
    CHECK(round_trip("9007199254740993") == "9007199254740993");
    CHECK(round_trip("-0") == "-0"); // a double: integers have no negative zero
    CHECK(round_trip("-0.0e5") == "-0");
    CHECK(json::serialize(json::Value(std::nan(""))) == "null");

    std::string out;
    json::append_escaped(out, std::string_view("a\x1f\"\x7f", 4));
    CHECK(out == "\"a\\u001f\\\"\x7f\"");
}

TEST_CASE("json values can be built in code", "[json]") {
    json::Value v;
    v.set("name", "groove");
    v.set("port", 31415);
    v.set("tags", json::Array{"a", true});
    v.find("tags")->push_back(nullptr);
    v.set("port", 1); // replaces, keeps the position
    CHECK(json::serialize(v) == R"({"name":"groove","port":1,"tags":["a",true,null]})");
}

#include "json/json_text.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace switchyard;

namespace {

std::vector<std::string> members(std::string_view object) {
    std::vector<std::string> out;
    JsonMembers walk(object);
    for (JsonMember member; walk.next(member);) {
        out.push_back(std::string(member.key) + "=" + std::string(member.value));
    }
    return out;
}

std::vector<std::string> elements(std::string_view array) {
    std::vector<std::string> out;
    JsonElements walk(array);
    for (std::string_view element; walk.next(element);) out.emplace_back(element);
    return out;
}

bool json(std::string_view text) {
    std::string error;
    return is_json(text, error);
}

} // namespace

TEST_CASE("is_json accepts one JSON value and says why it refuses the rest", "[json]") {
    CHECK(json(R"({"a":[1,2.5e3,true,null,"x\u00e9"]})"));
    CHECK(json(" 7 "));
    CHECK(json("\"\xC3\xA9\""));
    std::string error;
    CHECK_FALSE(is_json("{} x", error));
    CHECK_FALSE(error.empty());
    CHECK_FALSE(json(""));
    CHECK_FALSE(json("{'a':1}"));
    CHECK_FALSE(json("\"\xC3\"")); // a UTF-8 sequence cut short
    CHECK_FALSE(json("[1,]"));
    CHECK_FALSE(json("{\"a\":1"));
    CHECK_FALSE(json("[1] [2]"));
    CHECK_FALSE(json("// c\n1")); // no comments
}

TEST_CASE("is_json refuses nesting deeper than its bound", "[json]") {
    CHECK(json(std::string(32, '[') + std::string(32, ']')));
    CHECK_FALSE(json(std::string(33, '[') + std::string(33, ']')));
    std::string error;
    CHECK(is_json(std::string(100, '[') + std::string(100, ']'), error, 100));
    // A hostile depth costs no recursion: a million brackets are refused, not a crash.
    CHECK_FALSE(json(std::string(1'000'000, '[') + std::string(1'000'000, ']')));
}

TEST_CASE("JsonMembers walks an object's members as spans of its text", "[json]") {
    CHECK(members(R"({"a":1,"b":{"c":[1,{"d":"}"}]},"e":"x\"}y","f":null})") ==
          std::vector<std::string>{R"("a"=1)", R"("b"={"c":[1,{"d":"}"}]})", R"("e"="x\"}y")",
                                   R"("f"=null)"});
    CHECK(members(" { \"k\" :\n [ 1 , 2 ] , \"n\" : -1.5e3 } ") ==
          std::vector<std::string>{R"("k"=[ 1 , 2 ])", R"("n"=-1.5e3)"});
    CHECK(members("{}").empty());
    CHECK(members("{ }").empty());
    CHECK(members(R"({"\\":"\\\\","q":true})") ==
          std::vector<std::string>{R"("\\"="\\\\")", R"("q"=true)"});
}

TEST_CASE("JsonElements walks an array's elements", "[json]") {
    CHECK(elements(R"([1, "a,b", [2,[3]], {"x":"]"}, false])") ==
          std::vector<std::string>{"1", R"("a,b")", "[2,[3]]", R"({"x":"]"})", "false"});
    CHECK(elements("[]").empty());
    CHECK(elements(" [ ] ").empty());
}

TEST_CASE("without_whitespace keeps strings and numbers byte for byte", "[json]") {
    CHECK(without_whitespace(" { \"a b\" : [ 1 , 2.50 , \"x \\\" y\" ] } ") ==
          R"({"a b":[1,2.50,"x \" y"]})");
    CHECK(without_whitespace("\"\\u00e9\\/\"") == "\"\\u00e9\\/\"");
    CHECK(without_whitespace("1E400") == "1E400");
    const std::string big = "\"" + std::string(1 << 20, 'A') + "\"";
    CHECK(without_whitespace(big) == big);
}

TEST_CASE("unquote decodes a string token", "[json]") {
    CHECK(unquote(R"("plain")") == "plain");
    CHECK(unquote(R"("")").empty());
    CHECK(unquote(R"("a\nb\"c\\")") == "a\nb\"c\\");
    CHECK(unquote(R"("caf\u00e9 \ud83d\ude00")") == "caf\xC3\xA9 \xF0\x9F\x98\x80");
}

TEST_CASE("without_whitespace_in_place gives what without_whitespace gives, in the buffer",
          "[json]") {
    const std::string text =
        R"(  {"id":"x",  "data" : { "a b" : [ 1 , "\"q\" " ] , "c" : "\\" } })";
    const size_t begin = text.find('{', 3);
    const size_t length = text.size() - 1 - begin;
    const std::string_view value = std::string_view(text).substr(begin, length);
    std::string buffer = text;
    buffer.reserve(1024);
    const char* storage = buffer.data();
    const std::string compacted = without_whitespace_in_place(std::move(buffer), begin, length);
    CHECK(compacted == without_whitespace(value));
    CHECK(compacted == R"({"a b":[1,"\"q\" "],"c":"\\"})");
    CHECK(compacted.data() == storage);                            // no new buffer
    CHECK(without_whitespace_in_place("[1, 2]", 0, 6) == "[1,2]"); // a short string too
}

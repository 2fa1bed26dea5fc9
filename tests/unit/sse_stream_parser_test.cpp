// The event stream parser the kernel follows other servers with (net/sse_stream_parser):
// every rule of the WHATWG event stream interpretation it keeps, each checked with the
// stream fed whole, one byte at a time and in random chunkings (the result must not
// depend on where the network cut it).
#include "net/sse_stream_parser.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <string_view>
#include <vector>

using namespace switchyard;

namespace {

struct Parsed {
    std::string id;
    std::string event;
    std::string data;
    bool operator==(const Parsed&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Parsed& p) {
    return out << "{id=" << p.id << " event=" << p.event << " data=" << p.data << "}";
}

struct Outcome {
    std::vector<Parsed> events;
    std::string error;
};

constexpr size_t kMax = 64;

// Feeds `stream` cut at the sizes `next_cut` gives.
template <class Cut>
Outcome parse_cut(std::string_view stream, size_t max, Cut next_cut) {
    Outcome out;
    SseStreamParser parser(max, [&](const SseEventView& e) {
        out.events.push_back({std::string(e.id), std::string(e.event), std::string(e.data)});
    });
    size_t at = 0;
    while (at < stream.size()) {
        const size_t n = std::min(next_cut(), stream.size() - at);
        if (!parser.feed(stream.substr(at, n))) break;
        at += n;
    }
    out.error = parser.error();
    return out;
}

// The stream parsed whole, byte by byte and in 20 random chunkings: all must agree.
Outcome parse(std::string_view stream, size_t max = kMax) {
    const Outcome whole = parse_cut(stream, max, [&] { return stream.size() + 1; });
    const Outcome bytes = parse_cut(stream, max, [] { return size_t{1}; });
    REQUIRE(bytes.events == whole.events);
    REQUIRE(bytes.error == whole.error);
    std::mt19937 random(Catch::rngSeed());
    for (int round = 0; round < 20; ++round) {
        std::uniform_int_distribution<size_t> size(1, 7);
        const Outcome chunked = parse_cut(stream, max, [&] { return size(random); });
        REQUIRE(chunked.events == whole.events);
        REQUIRE(chunked.error == whole.error);
    }
    return whole;
}

} // namespace

TEST_CASE("sse parser: an event's fields, dispatched at the blank line", "[sse_parser]") {
    const Outcome out = parse("id: 7\nevent: tick\ndata: {\"n\":1}\n\n");
    REQUIRE(out.events.size() == 1);
    CHECK(out.events[0] == Parsed{"7", "tick", "{\"n\":1}"});
    CHECK(out.error.empty());
}

TEST_CASE("sse parser: nothing is dispatched before the blank line", "[sse_parser]") {
    CHECK(parse("data: a\n").events.empty());
    CHECK(parse("data: a\n\ndata: b\n").events.size() == 1);
}

TEST_CASE("sse parser: LF, CRLF and CR all end lines, a CRLF cut in two counts once",
          "[sse_parser]") {
    const std::vector<Parsed> expected{{"", "", "a"}, {"", "", "b"}, {"", "", "c"}};
    CHECK(parse("data: a\r\n\r\ndata: b\r\rdata: c\n\n").events == expected);
    // A CR then LF is one line end, wherever the chunk boundary falls (parse() cuts
    // between them): were the LF a second line end, "x" would be dispatched alone.
    const Outcome out = parse("data: x\r\ndata: y\r\n\r\n");
    REQUIRE(out.events.size() == 1);
    CHECK(out.events[0].data == "x\ny");
    // CR CR is two line ends: a blank line.
    CHECK(parse("data: x\r\rdata: y\r\r").events.size() == 2);
}

TEST_CASE("sse parser: one space after the colon is stripped, no more", "[sse_parser]") {
    const std::vector<Parsed> expected{{"", "", "a"}, {"", "", " b"}, {"", "", "c "}};
    CHECK(parse("data:a\n\ndata:  b\n\ndata: c \n\n").events == expected);
}

TEST_CASE("sse parser: a field alone has an empty value", "[sse_parser]") {
    // "data" alone is an empty data line: the event is dispatched with empty data.
    const Outcome out = parse("data\n\ndata\ndata\n\nevent\ndata: z\n\n");
    REQUIRE(out.events.size() == 3);
    CHECK(out.events[0].data.empty());
    CHECK(out.events[1].data == "\n");
    CHECK(out.events[2] == Parsed{"", "", "z"});
}

TEST_CASE("sse parser: data lines are joined with LF", "[sse_parser]") {
    const Outcome out = parse("data: one\ndata: two\ndata:\ndata: four\n\n");
    REQUIRE(out.events.size() == 1);
    CHECK(out.events[0].data == "one\ntwo\n\nfour");
}

TEST_CASE("sse parser: comments are ignored", "[sse_parser]") {
    const Outcome out = parse(": hello\ndata: a\n:\n: more\n\n:keepalive\n\n");
    REQUIRE(out.events.size() == 1);
    CHECK(out.events[0] == Parsed{"", "", "a"});
}

TEST_CASE("sse parser: the id persists until changed, one with NUL is ignored", "[sse_parser]") {
    using namespace std::string_literals;
    const std::string stream =
        "id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\n"
        "id: 3\0x\ndata: d\n\nid\ndata: e\n\n"s;
    const std::vector<Parsed> expected{
        {"1", "", "a"}, {"1", "", "b"}, {"2", "", "c"}, {"2", "", "d"}, {"", "", "e"}};
    CHECK(parse(stream).events == expected);
}

TEST_CASE("sse parser: an event without data is not dispatched, but its id counts",
          "[sse_parser]") {
    const Outcome out = parse("id: 5\nevent: ping\n\ndata: after\n\n");
    REQUIRE(out.events.size() == 1);
    // The event name does not carry over, the id does.
    CHECK(out.events[0] == Parsed{"5", "", "after"});
}

TEST_CASE("sse parser: the event field is per event", "[sse_parser]") {
    const std::vector<Parsed> expected{{"", "a", "1"}, {"", "", "2"}, {"", "b", "3"}};
    CHECK(parse("event: a\ndata: 1\n\ndata: 2\n\nevent: x\nevent: b\ndata: 3\n\n").events ==
          expected);
}

TEST_CASE("sse parser: retry and unknown fields are ignored", "[sse_parser]") {
    const Outcome out = parse("retry: 10\nfoo: bar\nDATA: no\ndata: yes\n\n");
    REQUIRE(out.events.size() == 1);
    CHECK(out.events[0] == Parsed{"", "", "yes"});
}

TEST_CASE("sse parser: a leading BOM is skipped, a partial one is data", "[sse_parser]") {
    CHECK(parse("\xEF\xBB\xBF"
                "data: a\n\n")
              .events == std::vector<Parsed>{{"", "", "a"}});
    // A field named "\xEF\xBB" + "data" is not "data".
    CHECK(parse("\xEF\xBB"
                "data: a\n\ndata: b\n\n")
              .events == std::vector<Parsed>{{"", "", "b"}});
}

TEST_CASE("sse parser: bytes pass through as they are, invalid UTF-8 included", "[sse_parser]") {
    const Outcome out = parse("data: \xFF\xC3(\n\n");
    REQUIRE(out.events.size() == 1);
    CHECK(out.events[0].data == "\xFF\xC3(");
}

TEST_CASE("sse parser: an event up to the bound passes, one past it stops the stream",
          "[sse_parser]") {
    const std::string at_bound(kMax, 'x');
    CHECK(parse("data: " + at_bound + "\n\n").events.size() == 1);
    // Two lines that together pass the bound.
    const std::string half(kMax / 2, 'y');
    const Outcome joined = parse("data: a\n\ndata: " + half + "\ndata: " + half + "\n\n");
    CHECK(joined.events.size() == 1);
    CHECK(joined.error == "event too large");
    // One line that never ends.
    const Outcome endless = parse("data: a\n\n: " + std::string(kMax * 4, 'z'));
    CHECK(endless.events.size() == 1);
    CHECK(endless.error == "event too large");
    // A long comment is a long line too.
    CHECK(parse(":" + std::string(kMax + SseStreamParser::kFieldSlack + 1, 'c') + "\n").error ==
          "event too large");
}

TEST_CASE("sse parser: nothing is parsed after an error", "[sse_parser]") {
    std::vector<std::string> seen;
    SseStreamParser parser(8, [&](const SseEventView& e) { seen.emplace_back(e.data); });
    CHECK_FALSE(parser.feed("data: " + std::string(40, 'x') + "\n"));
    CHECK_FALSE(parser.feed("data: a\n\n"));
    CHECK(seen.empty());
    CHECK(parser.error() == "event too large");
}

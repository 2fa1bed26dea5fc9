#include "net/wire_frame.hpp"

#include "net/utf8.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using namespace switchyard;

namespace {

// The bytes of a frame as unsigned numbers, for readable comparisons.
std::vector<unsigned> header_of(const WireFrame& frame) {
    std::vector<unsigned> out;
    for (char c : ws_bytes(frame).substr(0, frame.payload_offset)) {
        out.push_back(static_cast<uint8_t>(c));
    }
    return out;
}

uint16_t close_code_of(const WireFrame& frame) {
    const std::string_view payload = sse_bytes(frame);
    REQUIRE(payload.size() >= 2);
    return static_cast<uint16_t>((static_cast<uint8_t>(payload[0]) << 8) |
                                 static_cast<uint8_t>(payload[1]));
}

} // namespace

TEST_CASE("a text frame is final, unmasked, opcode 1, payload after the header", "[net]") {
    FrameRef frame = FrameRef::adopt(make_wire_frame(SY_FRAME_TEXT, "hello"));
    REQUIRE(frame);
    CHECK(frame->kind == SY_FRAME_TEXT);
    CHECK(ws_bytes(*frame) == std::string_view("\x81\x05hello"));
    CHECK(frame->payload_offset == 2);
    CHECK(sse_bytes(*frame) == "hello");
}

TEST_CASE("a binary frame has opcode 2", "[net]") {
    FrameRef frame = FrameRef::adopt(make_wire_frame(SY_FRAME_BINARY, std::string_view("\0\1", 2)));
    CHECK(frame->kind == SY_FRAME_BINARY);
    CHECK(ws_bytes(*frame) == std::string_view("\x82\x02\x00\x01", 4));
}

TEST_CASE("header bytes for every length encoding", "[net]") {
    struct Case {
        size_t length;
        std::vector<unsigned> header;
    };
    const std::vector<Case> cases{
        {0, {0x81, 0}},
        {125, {0x81, 125}},
        {126, {0x81, 126, 0x00, 0x7E}},
        {65535, {0x81, 126, 0xFF, 0xFF}},
        {65536, {0x81, 127, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00}},
        {70000, {0x81, 127, 0, 0, 0, 0, 0, 0x01, 0x11, 0x70}},
    };
    for (const Case& c : cases) {
        CAPTURE(c.length);
        std::string payload(c.length, 'x');
        if (!payload.empty()) payload.back() = 'y';
        FrameRef frame = FrameRef::adopt(make_wire_frame(SY_FRAME_TEXT, payload));
        CHECK(header_of(*frame) == c.header);
        CHECK(frame->payload_offset == c.header.size());
        CHECK(ws_bytes(*frame).size() == c.header.size() + c.length);
        CHECK(sse_bytes(*frame) == payload);
    }
}

TEST_CASE("server frames never set the mask bit or reserved bits", "[net]") {
    const size_t length = GENERATE(0, 5, 125, 126, 65535, 65536);
    CAPTURE(length);
    FrameRef frame = FrameRef::adopt(make_wire_frame(SY_FRAME_BINARY, std::string(length, 'a')));
    const std::string_view bytes = ws_bytes(*frame);
    CHECK((static_cast<uint8_t>(bytes[0]) & 0x70) == 0);
    CHECK((static_cast<uint8_t>(bytes[0]) & 0x80) == 0x80); // FIN
    CHECK((static_cast<uint8_t>(bytes[1]) & 0x80) == 0);
}

TEST_CASE("a RAW frame is the payload alone", "[net]") {
    FrameRef frame = FrameRef::adopt(make_wire_frame(SY_FRAME_RAW, "data: x\n\n"));
    CHECK(frame->kind == SY_FRAME_RAW);
    CHECK(frame->payload_offset == 0);
    CHECK(ws_bytes(*frame) == "data: x\n\n");
    CHECK(sse_bytes(*frame) == "data: x\n\n");
}

TEST_CASE("control frames have their opcode and at most 125 payload bytes", "[net]") {
    FrameRef ping = FrameRef::adopt(make_control_frame(WsOpcode::Ping, "abc"));
    CHECK(ws_bytes(*ping) == std::string_view("\x89\x03"
                                              "abc"));
    FrameRef pong = FrameRef::adopt(make_control_frame(WsOpcode::Pong, ""));
    CHECK(ws_bytes(*pong) == std::string_view("\x8A\x00", 2));
    FrameRef long_ping = FrameRef::adopt(make_control_frame(WsOpcode::Ping, std::string(300, 'p')));
    CHECK(header_of(*long_ping) == std::vector<unsigned>{0x89, 125});
    CHECK(sse_bytes(*long_ping) == std::string(125, 'p'));
}

TEST_CASE("a close frame carries the code big-endian, then the reason", "[net]") {
    FrameRef frame = FrameRef::adopt(make_close_frame(1001, "bye"));
    CHECK(ws_bytes(*frame) == std::string_view("\x88\x05\x03\xE9"
                                               "bye"));
    CHECK(close_code_of(*frame) == 1001);

    FrameRef no_reason = FrameRef::adopt(make_close_frame(4000, ""));
    CHECK(ws_bytes(*no_reason) == std::string_view("\x88\x02\x0F\xA0"));
}

TEST_CASE("a long close reason is cut so the frame stays a control frame", "[net]") {
    FrameRef frame = FrameRef::adopt(make_close_frame(1000, std::string(200, 'r')));
    CHECK(header_of(*frame) == std::vector<unsigned>{0x88, 125});
    CHECK(close_code_of(*frame) == 1000);
    CHECK(sse_bytes(*frame).substr(2) == std::string(123, 'r'));
}

TEST_CASE("a long close reason is never cut inside a UTF-8 character", "[net]") {
    // 62 two-byte characters are 124 bytes: the 123-byte cut falls inside the last one.
    std::string reason;
    for (int i = 0; i < 62; ++i) reason += "\xC3\xA9";
    FrameRef frame = FrameRef::adopt(make_close_frame(1000, reason));
    const std::string_view sent = sse_bytes(*frame).substr(2);
    CHECK(sent.size() <= 123);
    CHECK(is_valid_utf8(sent)); // a client fails the connection on a non-UTF-8 reason
    CHECK(sent == std::string_view(reason).substr(0, 122));
}

TEST_CASE("a close reason is cut at the last whole character that fits", "[net]") {
    struct Case {
        std::string character;
        int repeat;
        size_t kept; // bytes of the reason that go out
    };
    const Case c = GENERATE(Case{"\xE2\x82\xAC", 41, 123},      // three-byte: fits exactly
                            Case{"\xE2\x82\xAC", 42, 123},      // cut on a boundary
                            Case{"\xF0\x9F\x98\x80", 31, 120},  // four-byte: cut inside one
                            Case{"\xF0\x9F\x98\x80", 30, 120}); // fits
    std::string reason;
    for (int i = 0; i < c.repeat; ++i) reason += c.character;
    CAPTURE(c.character.size(), c.repeat);
    FrameRef frame = FrameRef::adopt(make_close_frame(1000, reason));
    const std::string_view sent = sse_bytes(*frame).substr(2);
    CHECK(sent == std::string_view(reason).substr(0, c.kept));
    CHECK(is_valid_utf8(sent));
}

TEST_CASE("adopt takes over the creator's reference", "[net]") {
    WireFrame* raw = make_wire_frame(SY_FRAME_TEXT, "x");
    CHECK(raw->refs.load() == 1);
    FrameRef ref = FrameRef::adopt(raw);
    CHECK(ref.get() == raw);
    CHECK(raw->refs.load() == 1);
}

TEST_CASE("share, copies and moves count references exactly", "[net]") {
    WireFrame* raw = make_wire_frame(SY_FRAME_TEXT, "x");
    FrameRef owner = FrameRef::adopt(raw);
    {
        FrameRef shared = FrameRef::share(raw);
        CHECK(raw->refs.load() == 2);
        FrameRef copy = shared;
        CHECK(raw->refs.load() == 3);
        FrameRef moved = std::move(copy);
        CHECK(raw->refs.load() == 3);
        CHECK_FALSE(copy); // NOLINT(bugprone-use-after-move): moved-from is empty by contract
        CHECK(moved.get() == raw);
        FrameRef assigned;
        assigned = moved;
        CHECK(raw->refs.load() == 4);
        assigned = std::move(moved);
        CHECK(raw->refs.load() == 3);
        assigned = FrameRef();
        CHECK(raw->refs.load() == 2);
    }
    CHECK(raw->refs.load() == 1);
}

TEST_CASE("assigning one frame over another releases the old one", "[net]") {
    WireFrame* first = make_wire_frame(SY_FRAME_TEXT, "1");
    WireFrame* second = make_wire_frame(SY_FRAME_TEXT, "2");
    FrameRef keep_first = FrameRef::adopt(first);
    FrameRef keep_second = FrameRef::adopt(second);
    FrameRef ref = keep_first;
    CHECK(first->refs.load() == 2);
    ref = keep_second;
    CHECK(first->refs.load() == 1);
    CHECK(second->refs.load() == 2);
    ref = ref; // self-assignment keeps the count
    CHECK(second->refs.load() == 2);
}

TEST_CASE("share of a null frame is an empty reference", "[net]") {
    FrameRef ref = FrameRef::share(nullptr);
    CHECK_FALSE(ref);
    CHECK(ref.get() == nullptr);
    FrameRef empty;
    CHECK_FALSE(empty);
}

TEST_CASE("retain and release pair up and the last release frees the frame", "[net]") {
    WireFrame* raw = make_wire_frame(SY_FRAME_RAW, "x");
    retain(raw);
    retain(raw);
    CHECK(raw->refs.load() == 3);
    release(raw);
    release(raw);
    CHECK(raw->refs.load() == 1);
    release(raw); // frees; a leak or double free here shows under ASan/valgrind
}

#include "net/websocket_reader.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

using namespace switchyard;

namespace {

constexpr int kContinuation = 0x0;
constexpr int kText = 0x1;
constexpr int kBinary = 0x2;
constexpr int kClose = 0x8;
constexpr int kPing = 0x9;
constexpr int kPong = 0xA;

constexpr uint64_t kDefaultMax = 1 << 20;

// How a test client frame is built; the defaults make a well-formed final frame.
struct FrameOptions {
    bool fin = true;
    bool masked = true;
    uint8_t rsv = 0; // the reserved bits, already in place (0x40, 0x20, 0x10)
    std::array<uint8_t, 4> mask{0x37, 0xFA, 0x21, 0x3D};
};

// The header of a client frame up to (not including) the masking key.
std::string frame_header(int opcode, uint64_t length, const FrameOptions& options = {}) {
    std::string out;
    out.push_back(static_cast<char>((options.fin ? 0x80 : 0) | options.rsv | opcode));
    const char mask_bit = options.masked ? static_cast<char>(0x80) : 0;
    if (length < 126) {
        out.push_back(static_cast<char>(mask_bit | static_cast<char>(length)));
    } else if (length <= 0xFFFF) {
        out.push_back(static_cast<char>(mask_bit | 126));
        out.push_back(static_cast<char>(length >> 8));
        out.push_back(static_cast<char>(length & 0xFF));
    } else {
        out.push_back(static_cast<char>(mask_bit | 127));
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.push_back(static_cast<char>((length >> shift) & 0xFF));
        }
    }
    return out;
}

// A client-to-server frame as RFC 6455 section 5.2 lays it out (masked unless told).
std::string client_frame(int opcode, std::string_view payload, const FrameOptions& options = {}) {
    std::string out = frame_header(opcode, payload.size(), options);
    if (!options.masked) return out.append(payload);
    for (uint8_t byte : options.mask) out.push_back(static_cast<char>(byte));
    for (size_t i = 0; i < payload.size(); ++i) {
        out.push_back(static_cast<char>(payload[i] ^ options.mask[i % 4]));
    }
    return out;
}

std::string close_payload(uint16_t code, std::string_view reason = {}) {
    std::string out;
    out.push_back(static_cast<char>(code >> 8));
    out.push_back(static_cast<char>(code & 0xFF));
    return out.append(reason);
}

// Records every event as one readable line, in order.
class Recorder : public WebSocketEvents {
  public:
    std::vector<std::string> events;

    void on_ws_message(bool binary, std::string_view payload) override {
        events.push_back((binary ? "binary:" : "text:") + std::string(payload));
    }
    void on_ws_ping(std::string_view payload) override {
        events.push_back("ping:" + std::string(payload));
    }
    void on_ws_pong() override { events.push_back("pong"); }
    void on_ws_close(uint16_t code, std::string_view reason) override {
        events.push_back("close:" + std::to_string(code) + ":" + std::string(reason));
    }
    void on_ws_error(uint16_t code, std::string_view) override {
        events.push_back("error:" + std::to_string(code));
    }
};

// Feeds `bytes` as consecutive pieces cut at `cuts` (ascending offsets).
std::vector<std::string> feed_pieces(std::string bytes, const std::vector<size_t>& cuts,
                                     uint64_t max = kDefaultMax) {
    WebSocketReader reader(max);
    Recorder recorder;
    size_t start = 0;
    auto feed_piece = [&](size_t end) {
        std::string piece = bytes.substr(start, end - start);
        reader.feed(piece.data(), piece.size(), recorder);
        start = end;
    };
    for (size_t cut : cuts) feed_piece(cut);
    feed_piece(bytes.size());
    return recorder.events;
}

std::vector<std::string> feed_whole(std::string bytes, uint64_t max = kDefaultMax) {
    return feed_pieces(std::move(bytes), {}, max);
}

std::vector<std::string> feed_bytewise(const std::string& bytes, uint64_t max = kDefaultMax) {
    std::vector<size_t> cuts;
    for (size_t i = 1; i < bytes.size(); ++i) cuts.push_back(i);
    return feed_pieces(bytes, cuts, max);
}

using Events = std::vector<std::string>;

} // namespace

TEST_CASE("a masked text frame becomes one text message", "[net][websocket]") {
    CHECK(feed_whole(client_frame(kText, "hello")) == Events{"text:hello"});
}

TEST_CASE("a masked binary frame becomes one binary message, any bytes allowed",
          "[net][websocket]") {
    const std::string payload("\x00\xFF\xC0\x80", 4);
    CHECK(feed_whole(client_frame(kBinary, payload)) == Events{"binary:" + payload});
}

TEST_CASE("an empty text frame is an empty message", "[net][websocket]") {
    CHECK(feed_whole(client_frame(kText, "")) == Events{"text:"});
}

TEST_CASE("an all-zero mask leaves the payload as it is", "[net][websocket]") {
    CHECK(feed_whole(client_frame(kText, "plain", {.mask = {0, 0, 0, 0}})) == Events{"text:plain"});
}

TEST_CASE("several frames in one feed are reported in order", "[net][websocket]") {
    const std::string bytes = client_frame(kText, "one") + client_frame(kPing, "p") +
                              client_frame(kBinary, "two") + client_frame(kPong, "") +
                              client_frame(kText, "three");
    CHECK(feed_whole(bytes) == Events{"text:one", "ping:p", "binary:two", "pong", "text:three"});
}

TEST_CASE("an unmasked client frame is a protocol error", "[net][websocket]") {
    CHECK(feed_whole(client_frame(kText, "hi", {.masked = false})) == Events{"error:1002"});
}

TEST_CASE("a reserved bit set is a protocol error", "[net][websocket]") {
    const uint8_t rsv = GENERATE(0x40, 0x20, 0x10);
    CAPTURE(rsv);
    CHECK(feed_whole(client_frame(kText, "hi", {.rsv = rsv})) == Events{"error:1002"});
}

TEST_CASE("an unknown opcode is a protocol error", "[net][websocket]") {
    const int opcode = GENERATE(0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF);
    CAPTURE(opcode);
    CHECK(feed_whole(client_frame(opcode, "x")) == Events{"error:1002"});
}

TEST_CASE("control frames carry at most 125 bytes", "[net][websocket]") {
    CHECK(feed_whole(client_frame(kPing, std::string(125, 'p'))) ==
          Events{"ping:" + std::string(125, 'p')});
    CHECK(feed_whole(client_frame(kPing, std::string(126, 'p'))) == Events{"error:1002"});
    CHECK(feed_whole(client_frame(kPong, std::string(126, 'p'))) == Events{"error:1002"});
    CHECK(feed_whole(client_frame(kClose, close_payload(1000, std::string(124, 'r')))) ==
          Events{"error:1002"});
}

TEST_CASE("a fragmented control frame is a protocol error", "[net][websocket]") {
    const int opcode = GENERATE(kPing, kPong, kClose);
    CAPTURE(opcode);
    CHECK(feed_whole(client_frame(opcode, "", {.fin = false})) == Events{"error:1002"});
}

TEST_CASE("control frames are not bound by the message size limit", "[net][websocket]") {
    CHECK(feed_whole(client_frame(kPing, "0123456789"), 4) == Events{"ping:0123456789"});
}

TEST_CASE("a fragmented message is joined from its continuation frames", "[net][websocket]") {
    const std::string bytes = client_frame(kText, "Hel", {.fin = false}) +
                              client_frame(kContinuation, "l", {.fin = false}) +
                              client_frame(kContinuation, "o");
    CHECK(feed_whole(bytes) == Events{"text:Hello"});
}

TEST_CASE("a fragmented binary message keeps its kind", "[net][websocket]") {
    const std::string bytes =
        client_frame(kBinary, "\xFF", {.fin = false}) + client_frame(kContinuation, "\xFE");
    CHECK(feed_whole(bytes) == Events{"binary:\xFF\xFE"});
}

TEST_CASE("empty fragments are allowed", "[net][websocket]") {
    const std::string bytes = client_frame(kText, "", {.fin = false}) +
                              client_frame(kContinuation, "", {.fin = false}) +
                              client_frame(kContinuation, "x");
    CHECK(feed_whole(bytes) == Events{"text:x"});
}

TEST_CASE("control frames may arrive in the middle of a fragmented message", "[net][websocket]") {
    const std::string bytes = client_frame(kText, "Hel", {.fin = false}) +
                              client_frame(kPing, "x") + client_frame(kPong, "y") +
                              client_frame(kContinuation, "lo") + client_frame(kText, "next");
    CHECK(feed_whole(bytes) == Events{"ping:x", "pong", "text:Hello", "text:next"});
}

TEST_CASE("a close frame in the middle of a fragmented message ends the stream",
          "[net][websocket]") {
    const std::string bytes = client_frame(kText, "Hel", {.fin = false}) +
                              client_frame(kClose, close_payload(1000)) +
                              client_frame(kContinuation, "lo");
    CHECK(feed_whole(bytes) == Events{"close:1000:"});
}

TEST_CASE("a continuation without a message to continue is a protocol error", "[net][websocket]") {
    CHECK(feed_whole(client_frame(kContinuation, "x")) == Events{"error:1002"});
    const std::string after_complete = client_frame(kText, "a") + client_frame(kContinuation, "b");
    CHECK(feed_whole(after_complete) == Events{"text:a", "error:1002"});
}

TEST_CASE("a new data frame while a message is fragmented is a protocol error",
          "[net][websocket]") {
    const int opcode = GENERATE(kText, kBinary);
    CAPTURE(opcode);
    const std::string bytes = client_frame(kText, "a", {.fin = false}) + client_frame(opcode, "b");
    CHECK(feed_whole(bytes) == Events{"error:1002"});
}

TEST_CASE("text that is not UTF-8 is refused with 1007", "[net][websocket]") {
    CHECK(feed_whole(client_frame(kText, "ok\xFF")) == Events{"error:1007"});
    CHECK(feed_whole(client_frame(kText, "\xED\xA0\x80")) == Events{"error:1007"}); // surrogate
}

TEST_CASE("a character split across fragments is valid UTF-8", "[net][websocket]") {
    // U+20AC (the euro sign) is E2 82 AC; the fragment boundary cuts it.
    const std::string bytes =
        client_frame(kText, "\xE2\x82", {.fin = false}) + client_frame(kContinuation, "\xAC");
    CHECK(feed_whole(bytes) == Events{"text:\xE2\x82\xAC"});
}

TEST_CASE("a fragmented text message that is not UTF-8 is refused with 1007", "[net][websocket]") {
    SECTION("a bad byte in a later fragment") {
        const std::string bytes =
            client_frame(kText, "ab", {.fin = false}) + client_frame(kContinuation, "c\xFF");
        CHECK(feed_whole(bytes) == Events{"error:1007"});
    }
    SECTION("a character left truncated by the final fragment") {
        const std::string bytes =
            client_frame(kText, "ab", {.fin = false}) + client_frame(kContinuation, "\xE2\x82");
        CHECK(feed_whole(bytes) == Events{"error:1007"});
    }
}

TEST_CASE("16-bit payload lengths", "[net][websocket]") {
    const size_t size = GENERATE(126, 300, 65535);
    CAPTURE(size);
    const std::string payload(size, 'a');
    const std::string frame = client_frame(kBinary, payload);
    REQUIRE(static_cast<uint8_t>(frame[1]) == (0x80 | 126));
    CHECK(feed_whole(frame) == Events{"binary:" + payload});
}

TEST_CASE("64-bit payload lengths", "[net][websocket]") {
    const size_t size = GENERATE(65536, 70000);
    CAPTURE(size);
    std::string payload(size, 'b');
    payload.back() = 'z';
    const std::string frame = client_frame(kText, payload);
    REQUIRE(static_cast<uint8_t>(frame[1]) == (0x80 | 127));
    CHECK(feed_whole(frame) == Events{"text:" + payload});
    CHECK(feed_bytewise(frame) == Events{"text:" + payload});
}

TEST_CASE("a 64-bit length with its top bit set is a protocol error", "[net][websocket]") {
    std::string bytes = frame_header(kBinary, 0x8000000000000000ULL);
    CHECK(feed_whole(bytes) == Events{"error:1002"});
}

TEST_CASE("a message at the size limit is accepted, one byte more is refused with 1009",
          "[net][websocket]") {
    CHECK(feed_whole(client_frame(kText, std::string(100, 'x')), 100) ==
          Events{"text:" + std::string(100, 'x')});
    CHECK(feed_whole(client_frame(kText, std::string(101, 'x')), 100) == Events{"error:1009"});
}

TEST_CASE("an oversized message is refused as soon as the header says so", "[net][websocket]") {
    // Only the length header arrives: no masking key, no payload.
    SECTION("7-bit length") {
        CHECK(feed_whole(frame_header(kText, 101), 100) == Events{"error:1009"});
    }
    SECTION("16-bit length") {
        CHECK(feed_whole(frame_header(kBinary, 200), 100) == Events{"error:1009"});
    }
    SECTION("64-bit length") {
        CHECK(feed_whole(frame_header(kBinary, 1ULL << 40), kDefaultMax) == Events{"error:1009"});
    }
    SECTION("the largest 64-bit length") {
        CHECK(feed_whole(frame_header(kBinary, 0x7FFFFFFFFFFFFFFFULL), kDefaultMax) ==
              Events{"error:1009"});
    }
}

TEST_CASE("the size limit counts every fragment of a message", "[net][websocket]") {
    const std::string first = client_frame(kText, "123456", {.fin = false});
    SECTION("exactly the limit") {
        CHECK(feed_whole(first + client_frame(kContinuation, "7890"), 10) ==
              Events{"text:1234567890"});
    }
    SECTION("over the limit, refused at the continuation's header") {
        CHECK(feed_whole(first + frame_header(kContinuation, 5), 10) == Events{"error:1009"});
    }
    SECTION("a later message starts counting from zero again") {
        const std::string bytes =
            first + client_frame(kContinuation, "7890") + client_frame(kText, "abcdefghij");
        CHECK(feed_whole(bytes, 10) == Events{"text:1234567890", "text:abcdefghij"});
    }
}

TEST_CASE("a close frame without a payload reports 1005", "[net][websocket]") {
    CHECK(feed_whole(client_frame(kClose, "")) == Events{"close:1005:"});
}

TEST_CASE("a close frame reports its code and reason", "[net][websocket]") {
    CHECK(feed_whole(client_frame(kClose, close_payload(1000, "bye"))) == Events{"close:1000:bye"});
    CHECK(feed_whole(client_frame(kClose, close_payload(4000, "caf\xC3\xA9"))) ==
          Events{"close:4000:caf\xC3\xA9"});
}

TEST_CASE("close codes a peer may send are accepted", "[net][websocket]") {
    const uint16_t code =
        GENERATE(1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999);
    CAPTURE(code);
    CHECK(feed_whole(client_frame(kClose, close_payload(code))) ==
          Events{"close:" + std::to_string(code) + ":"});
}

TEST_CASE("registered close codes a peer may echo are accepted", "[net][websocket]") {
    // 1012 (service restart) and 1013 (try again later) are IANA-registered codes a
    // server sends; the kernel itself closes an overloaded connection with 1013, and a
    // client typically echoes the code it received (RFC 6455 section 5.5.1).
    const uint16_t code = GENERATE(1012, 1013);
    CAPTURE(code);
    CHECK(feed_whole(client_frame(kClose, close_payload(code))) ==
          Events{"close:" + std::to_string(code) + ":"});
}

TEST_CASE("a close frame with a one-byte payload is a protocol error", "[net][websocket]") {
    CHECK(feed_whole(client_frame(kClose, "\x03")) == Events{"error:1002"});
}

TEST_CASE("close codes a peer must not send are a protocol error", "[net][websocket]") {
    const uint16_t code = GENERATE(0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535);
    CAPTURE(code);
    CHECK(feed_whole(client_frame(kClose, close_payload(code))) == Events{"error:1002"});
}

TEST_CASE("a close reason that is not UTF-8 is refused with 1007", "[net][websocket]") {
    CHECK(feed_whole(client_frame(kClose, close_payload(1000, "bad\xFF"))) == Events{"error:1007"});
}

TEST_CASE("nothing is reported after a close frame", "[net][websocket]") {
    WebSocketReader reader(kDefaultMax);
    Recorder recorder;
    std::string bytes = client_frame(kClose, close_payload(1001)) + client_frame(kText, "late");
    CHECK_FALSE(reader.feed(bytes.data(), bytes.size(), recorder));
    std::string more = client_frame(kText, "later");
    CHECK_FALSE(reader.feed(more.data(), more.size(), recorder));
    CHECK(recorder.events == Events{"close:1001:"});
}

TEST_CASE("nothing is reported after an error", "[net][websocket]") {
    WebSocketReader reader(kDefaultMax);
    Recorder recorder;
    std::string bad = client_frame(kText, "x", {.masked = false});
    CHECK_FALSE(reader.feed(bad.data(), bad.size(), recorder));
    std::string good = client_frame(kText, "fine");
    CHECK_FALSE(reader.feed(good.data(), good.size(), recorder));
    CHECK(recorder.events == Events{"error:1002"});
}

TEST_CASE("feed returns true while the stream goes on", "[net][websocket]") {
    WebSocketReader reader(kDefaultMax);
    Recorder recorder;
    std::string bytes = client_frame(kText, "a") + client_frame(kPing, "");
    CHECK(reader.feed(bytes.data(), bytes.size(), recorder));
    CHECK(recorder.events == Events{"text:a", "ping:"});
}

TEST_CASE("holds_data tells whether a partial frame or message is held", "[net][websocket]") {
    WebSocketReader reader(kDefaultMax);
    Recorder recorder;
    CHECK_FALSE(reader.holds_data());

    std::string frame = client_frame(kText, "hello");
    reader.feed(frame.data(), 3, recorder);
    CHECK(reader.holds_data());
    reader.feed(frame.data() + 3, frame.size() - 3, recorder);
    CHECK_FALSE(reader.holds_data());

    std::string first = client_frame(kText, "a", {.fin = false});
    reader.feed(first.data(), first.size(), recorder);
    CHECK(reader.holds_data());
    std::string last = client_frame(kContinuation, "b");
    reader.feed(last.data(), last.size(), recorder);
    CHECK_FALSE(reader.holds_data());
    CHECK(recorder.events == Events{"text:hello", "text:ab"});
}

TEST_CASE("buffered bytes go back to what an idle reader holds", "[net][websocket]") {
    WebSocketReader reader(kDefaultMax);
    Recorder recorder;
    const size_t idle = reader.buffered_bytes();
    CHECK(idle == 0); // an idle connection's reader holds no buffer at all
    std::string bytes = client_frame(kText, std::string(5000, 'a'), {.fin = false}) +
                        client_frame(kContinuation, std::string(5000, 'b'));
    for (size_t i = 0; i < bytes.size(); i += 1000) {
        reader.feed(bytes.data() + i, std::min<size_t>(1000, bytes.size() - i), recorder);
    }
    REQUIRE(recorder.events.size() == 1);
    CHECK(reader.buffered_bytes() == idle);
}

namespace {

// A stream with what splitting could break: 7- and 16-bit lengths, fragments with
// control frames between them, a character cut by a fragment boundary, a close.
std::string mixed_stream() {
    return client_frame(kText, "Hel", {.fin = false}) + client_frame(kPing, "mid") +
           client_frame(kContinuation, "lo", {.fin = false}) +
           client_frame(kContinuation, " w\xC3\xB6rld") +
           client_frame(kBinary, std::string(300, 'q')) + client_frame(kPong, "") +
           client_frame(kText, "\xE2\x82", {.fin = false}) + client_frame(kContinuation, "\xAC") +
           client_frame(kClose, close_payload(1000, "done"));
}

Events mixed_stream_events() {
    return {"ping:mid", "text:Hello w\xC3\xB6rld", "binary:" + std::string(300, 'q'),
            "pong",     "text:\xE2\x82\xAC",       "close:1000:done"};
}

} // namespace

TEST_CASE("one big feed and one byte at a time yield the same events", "[net][websocket]") {
    const std::string bytes = mixed_stream();
    CHECK(feed_whole(bytes) == mixed_stream_events());
    CHECK(feed_bytewise(bytes) == mixed_stream_events());
}

TEST_CASE("a stream cut at any single byte boundary yields the same events", "[net][websocket]") {
    const std::string bytes = mixed_stream();
    const Events expected = mixed_stream_events();
    for (size_t cut = 1; cut < bytes.size(); ++cut) {
        CAPTURE(cut);
        REQUIRE(feed_pieces(bytes, {cut}) == expected);
    }
}

TEST_CASE("a stream cut at any two byte boundaries yields the same events", "[net][websocket]") {
    // Smaller stream: the number of cut pairs grows with the square of its length.
    const std::string bytes = client_frame(kText, "ab", {.fin = false}) + client_frame(kPing, "p") +
                              client_frame(kContinuation, "c") +
                              client_frame(kBinary, std::string(130, 'z'));
    const Events expected{"ping:p", "text:abc", "binary:" + std::string(130, 'z')};
    for (size_t first = 1; first < bytes.size(); ++first) {
        for (size_t second = first + 1; second < bytes.size(); ++second) {
            CAPTURE(first, second);
            REQUIRE(feed_pieces(bytes, {first, second}) == expected);
        }
    }
}

TEST_CASE("errors are found the same way whatever the feed boundaries", "[net][websocket]") {
    SECTION("an unmasked frame after a good one") {
        const std::string bytes =
            client_frame(kText, "ok") + client_frame(kText, "no", {.masked = false});
        CHECK(feed_whole(bytes) == Events{"text:ok", "error:1002"});
        CHECK(feed_bytewise(bytes) == Events{"text:ok", "error:1002"});
    }
    SECTION("bad UTF-8 across fragments") {
        const std::string bytes = client_frame(kPing, "") +
                                  client_frame(kText, "\xE2", {.fin = false}) +
                                  client_frame(kContinuation, "\x28\xA1");
        CHECK(feed_whole(bytes) == Events{"ping:", "error:1007"});
        CHECK(feed_bytewise(bytes) == Events{"ping:", "error:1007"});
    }
    SECTION("an oversized message after a small one") {
        const std::string bytes = client_frame(kText, "ok") + frame_header(kBinary, 1000);
        CHECK(feed_whole(bytes, 100) == Events{"text:ok", "error:1009"});
        CHECK(feed_bytewise(bytes, 100) == Events{"text:ok", "error:1009"});
    }
}

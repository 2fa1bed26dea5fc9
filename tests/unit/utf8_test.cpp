#include "net/utf8.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

using namespace switchyard;

namespace {

// `bad` placed at every offset of an ASCII run, so it lands before, inside and after
// the eight-byte fast path.
void check_everywhere(std::string_view sequence, bool valid) {
    for (size_t before = 0; before <= 17; ++before) {
        for (size_t after : {0, 1, 7, 8, 9}) {
            const std::string text =
                std::string(before, 'a') + std::string(sequence) + std::string(after, 'b');
            CAPTURE(before, after);
            REQUIRE(is_valid_utf8(text) == valid);
        }
    }
}

} // namespace

TEST_CASE("the empty string and ASCII are valid UTF-8", "[net]") {
    CHECK(is_valid_utf8(""));
    CHECK(is_valid_utf8("a"));
    CHECK(is_valid_utf8(std::string_view("\0", 1)));
    CHECK(is_valid_utf8("\x7F"));
    for (size_t length = 0; length <= 33; ++length) {
        CAPTURE(length);
        CHECK(is_valid_utf8(std::string(length, 'x')));
    }
}

TEST_CASE("well-formed multi-byte sequences are valid", "[net]") {
    const char* sequence = GENERATE("\xC2\x80",         // U+0080, smallest two-byte
                                    "\xC3\xA9",         // é
                                    "\xDF\xBF",         // U+07FF
                                    "\xE0\xA0\x80",     // U+0800, smallest three-byte
                                    "\xE2\x82\xAC",     // €
                                    "\xED\x9F\xBF",     // U+D7FF, just below the surrogates
                                    "\xEE\x80\x80",     // U+E000, just above them
                                    "\xEF\xBF\xBF",     // U+FFFF
                                    "\xF0\x90\x80\x80", // U+10000, smallest four-byte
                                    "\xF0\x9F\x98\x80", // an emoji
                                    "\xF4\x8F\xBF\xBF"  // U+10FFFF, the largest
    );
    CAPTURE(sequence);
    check_everywhere(sequence, true);
}

TEST_CASE("overlong encodings are invalid", "[net]") {
    const char* sequence = GENERATE("\xC0\x80",         // NUL in two bytes
                                    "\xC1\xBF",         // U+007F in two bytes
                                    "\xE0\x80\x80",     // NUL in three bytes
                                    "\xE0\x9F\xBF",     // U+07FF in three bytes
                                    "\xF0\x80\x80\x80", // NUL in four bytes
                                    "\xF0\x8F\xBF\xBF"  // U+FFFF in four bytes
    );
    CAPTURE(sequence);
    check_everywhere(sequence, false);
}

TEST_CASE("UTF-16 surrogates are invalid", "[net]") {
    const char* sequence = GENERATE("\xED\xA0\x80",  // U+D800
                                    "\xED\xAF\xBF",  // U+DBFF
                                    "\xED\xB0\x80",  // U+DC00
                                    "\xED\xBF\xBF"); // U+DFFF
    CAPTURE(sequence);
    check_everywhere(sequence, false);
}

TEST_CASE("code points past U+10FFFF are invalid", "[net]") {
    const char* sequence = GENERATE("\xF4\x90\x80\x80", // U+110000
                                    "\xF5\x80\x80\x80", "\xF7\xBF\xBF\xBF", "\xF8\x88\x80\x80\x80",
                                    "\xFC\x84\x80\x80\x80\x80");
    CAPTURE(sequence);
    check_everywhere(sequence, false);
}

TEST_CASE("bytes that never start a character are invalid", "[net]") {
    const char* sequence = GENERATE("\x80", "\xBF", "\xFE", "\xFF");
    CAPTURE(sequence);
    check_everywhere(sequence, false);
}

TEST_CASE("a truncated sequence is invalid, at the end or before other bytes", "[net]") {
    const char* sequence = GENERATE("\xC3", "\xE2\x82", "\xE2", "\xF0\x9F\x98", "\xF0\x9F", "\xF0");
    CAPTURE(sequence);
    for (size_t before = 0; before <= 17; ++before) {
        CAPTURE(before);
        const std::string prefix(before, 'a');
        CHECK_FALSE(is_valid_utf8(prefix + sequence));              // ends the text
        CHECK_FALSE(is_valid_utf8(prefix + sequence + "z"));        // followed by ASCII
        CHECK_FALSE(is_valid_utf8(prefix + sequence + "\xC3\xA9")); // followed by a lead byte
    }
}

TEST_CASE("a continuation byte that is not one is invalid", "[net]") {
    check_everywhere("\xE2\x28\xA1", false);     // second byte is ASCII
    check_everywhere("\xE2\x82\x28", false);     // third byte is ASCII
    check_everywhere("\xF0\x9F\x98\xC3", false); // fourth byte is a lead byte
}

TEST_CASE("the ASCII fast path does not hide a high byte at any position of a word", "[net]") {
    for (size_t length = 8; length <= 24; ++length) {
        for (size_t at = 0; at < length; ++at) {
            std::string text(length, 'k');
            text[at] = '\x80';
            CAPTURE(length, at);
            REQUIRE_FALSE(is_valid_utf8(text));
        }
    }
}

TEST_CASE("valid text mixing ASCII runs and multi-byte characters", "[net]") {
    CHECK(
        is_valid_utf8("Gr\xC3\xBC\xC3\x9F"
                      "e aus K\xC3\xB6ln, 20 \xE2\x82\xAC pro St\xC3\xBC"
                      "ck \xF0\x9F\x98\x80 ok"));
}

// Reading JSON text without building a document: checking that a text is JSON, finding
// the members of an object or the elements of an array as spans of the text, and
// copying a value without its whitespace.
//
// What for: a published event's data can be a 32 MiB JetStart dex. Parsed into a
// Boost.JSON document and written back out, it would be copied twice more and held three
// times at once; kept as the publisher's own text, it is copied once, into the event.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace switchyard {

// True when `text` is one JSON value (RFC 8259: UTF-8, nesting at most `max_depth`
// deep) with nothing but whitespace around it; otherwise false and `error` says why.
bool is_json(std::string_view text, std::string& error, size_t max_depth = 32);

// One member of an object, as spans of the checked text: the key with its quotes (and
// any escapes, as written) and the value without surrounding whitespace.
struct JsonMember {
    std::string_view key;
    std::string_view value;
};

// The text of a value with the whitespace around it removed.
std::string_view trim_json(std::string_view text) noexcept;

// Walks the members of an object, in order, one next() at a time (a hostile object of
// millions of members costs no list). `object` is a JSON object's text checked with
// is_json: the spans are found without checking again.
class JsonMembers {
  public:
    explicit JsonMembers(std::string_view object) noexcept;
    // The next member; false after the last.
    bool next(JsonMember& member) noexcept;

  private:
    std::string_view text_;
    size_t at_;
};

// Walks the elements of a checked JSON array's text, in order.
class JsonElements {
  public:
    explicit JsonElements(std::string_view array) noexcept;
    // The next element's text; false after the last.
    bool next(std::string_view& element) noexcept;

  private:
    std::string_view text_;
    size_t at_;
};

// `value` (a checked JSON value) without the whitespace between its tokens. Strings and
// numbers are kept byte for byte as written.
std::string without_whitespace(std::string_view value);

// The same as without_whitespace(buffer.substr(begin, length)), made inside `buffer`:
// the value is moved to its front and the rest cut off, so a multi-megabyte value costs
// no second buffer.
std::string without_whitespace_in_place(std::string buffer, size_t begin, size_t length);

// The content of a checked JSON string token, unescaped (\n, \", \u00e9, surrogate
// pairs); without escapes this is the text between the quotes.
std::string unquote(std::string_view string_token);

} // namespace switchyard

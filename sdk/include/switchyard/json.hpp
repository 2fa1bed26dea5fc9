// switchyard/json.hpp — a small, strict, header-only JSON library for plugins.
//
// Plugins include only the SDK (no Boost), yet every protocol speaks JSON, so the SDK
// carries its own: a DOM `Value`, a strict RFC 8259 parser that says what is wrong and
// where, and a serializer. Client input is hostile: the parser rejects trailing bytes,
// raw control characters in strings, bad escapes, lone surrogates and invalid UTF-8, and
// stops at a nesting depth of 64 so a crafted message cannot exhaust the stack. ParseLimits
// bounds a document further: a cap on the number of values keeps a large message of tiny
// elements ("[0,0,0,...]": 16 MiB of text, 8 million values) from becoming a DOM many
// times its size.
//
// Objects keep their members in insertion order. A parsed object keeps duplicate keys
// as sent; find() returns the last one, as JavaScript's JSON.parse does.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace switchyard::json {

class Value;
// A JSON array.
using Array = std::vector<Value>;
// A JSON object: members in insertion order.
using Object = std::vector<std::pair<std::string, Value>>;

// The greatest nesting of arrays and objects parse() accepts.
inline constexpr int kMaxDepth = 64;

// Bounds on what parse() builds from one text. Exceeding one fails the parse like a syntax
// error, with its own message, and sets parse()'s `over_limit`.
struct ParseLimits {
    // The greatest nesting of arrays and objects; at most kMaxDepth (the parser recurses
    // once per level, so the stack bounds it, not the caller).
    int max_depth = kMaxDepth;
    // The most values in the document: the document itself, every array element and
    // every object member's value, containers included (keys are not counted). The parse
    // stops at the first one over the cap, before building it. 0: no cap.
    size_t max_values = 0;
};

// A JSON number: always a double; also an exact int64 when the text was an integer that
// fits (so ids and sequence numbers above 2^53 survive).
struct Number {
    double value = 0;
    int64_t integer = 0;
    bool is_integer = false;
};

// Which of the six JSON types a Value holds. (Kind::Array names the same thing as the
// type json::Array; GCC's -Wshadow would say so in every plugin that includes this.)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#endif
enum class Kind { Null, Bool, Number, String, Array, Object };
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

// One JSON value of any type. Default-constructed, it is null.
class Value {
  public:
    Value() = default;
    // null.
    Value(std::nullptr_t) {}
    // true or false.
    Value(bool b) : data_(b) {}
    // An integral number, exact (any integer type but bool and char).
    template <class I, std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool> &&
                                            !std::is_same_v<I, char>,
                                        int> = 0>
    Value(I i) : data_(Number{static_cast<double>(i), static_cast<int64_t>(i), true}) {}
    // A number with a fraction (integral doubles serialize without one).
    Value(double d) : data_(Number{d, 0, false}) {}
    // A number as parsed.
    Value(Number n) : data_(n) {}
    // A string (UTF-8).
    Value(std::string s) : data_(std::move(s)) {}
    Value(std::string_view s) : data_(std::string(s)) {}
    Value(const char* s) : data_(std::string(s)) {}
    // An array.
    Value(Array a) : data_(std::move(a)) {}
    // An object.
    Value(Object o) : data_(std::move(o)) {}

    // Which type this value holds.
    Kind kind() const { return static_cast<Kind>(data_.index()); }
    bool is_null() const { return kind() == Kind::Null; }
    bool is_bool() const { return kind() == Kind::Bool; }
    bool is_number() const { return kind() == Kind::Number; }
    bool is_string() const { return kind() == Kind::String; }
    bool is_array() const { return kind() == Kind::Array; }
    bool is_object() const { return kind() == Kind::Object; }

    // The value as that type. Precondition: is_<type>() (else std::bad_variant_access).
    bool as_bool() const { return std::get<bool>(data_); }
    const Number& as_number() const { return std::get<Number>(data_); }
    double as_double() const { return as_number().value; }
    const std::string& as_string() const { return std::get<std::string>(data_); }
    const Array& as_array() const { return std::get<Array>(data_); }
    Array& as_array() { return std::get<Array>(data_); }
    const Object& as_object() const { return std::get<Object>(data_); }
    Object& as_object() { return std::get<Object>(data_); }

    // The number as an exact int64, when it is an integer that fits; else nullopt.
    std::optional<int64_t> as_int64() const {
        if (!is_number() || !as_number().is_integer) return std::nullopt;
        return as_number().integer;
    }

    // The member `key` of an object (the last one if repeated); nullptr when this is
    // not an object or has no such member.
    const Value* find(std::string_view key) const {
        if (!is_object()) return nullptr;
        const Object& members = as_object();
        for (auto it = members.rbegin(); it != members.rend(); ++it) {
            if (it->first == key) return &it->second;
        }
        return nullptr;
    }
    Value* find(std::string_view key) { return const_cast<Value*>(std::as_const(*this).find(key)); }

    // Sets member `key` of an object (replacing it, or appending it). Precondition:
    // is_object() or is_null() (a null becomes an empty object first).
    Value& set(std::string key, Value value) {
        if (is_null()) data_ = Object{};
        if (Value* existing = find(key)) return *existing = std::move(value);
        return as_object().emplace_back(std::move(key), std::move(value)).second;
    }

    // Appends to an array. Precondition: is_array() or is_null() (a null becomes []).
    Value& push_back(Value value) {
        if (is_null()) data_ = Array{};
        return as_array().emplace_back(std::move(value));
    }

  private:
    std::variant<std::nullptr_t, bool, Number, std::string, Array, Object> data_;
};

// Appends `s` to `out` as a JSON string literal, quotes included. Escapes '"', '\\' and
// control characters; other bytes (UTF-8) pass as they are.
inline void append_escaped(std::string& out, std::string_view s) {
    const char* const hex_digits = "0123456789abcdef";
    out.push_back('"');
    // Bytes that need no escape are appended a run at a time, not one push_back each:
    // most of a message is such a run (bench/micro json_serialize/ours_text: 1.4-2.4x
    // faster on the protocols' replies, 3.4x on a 1 MiB string).
    size_t run = 0;
    for (size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s.data() + run, i - run);
        run = i + 1;
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                out += "\\u00";
                out.push_back(hex_digits[(u >> 4) & 0xF]);
                out.push_back(hex_digits[u & 0xF]);
        }
    }
    out.append(s.data() + run, s.size() - run);
    out.push_back('"');
}

// Appends the shortest text that reads back as the same number. JSON has no NaN or
// infinity: they become null.
inline void append_number(std::string& out, const Number& n) {
    char buf[32];
    std::to_chars_result r{};
    if (n.is_integer) {
        r = std::to_chars(buf, buf + sizeof buf, n.integer);
    } else if (std::isfinite(n.value)) {
        r = std::to_chars(buf, buf + sizeof buf, n.value);
    } else {
        out += "null";
        return;
    }
    out.append(buf, r.ptr);
}

// Appends the compact JSON text of `value` to `out`.
inline void append_serialized(std::string& out, const Value& value) {
    switch (value.kind()) {
        case Kind::Null: out += "null"; break;
        case Kind::Bool: out += value.as_bool() ? "true" : "false"; break;
        case Kind::Number: append_number(out, value.as_number()); break;
        case Kind::String: append_escaped(out, value.as_string()); break;
        case Kind::Array: {
            out.push_back('[');
            bool first = true;
            for (const Value& element : value.as_array()) {
                if (!std::exchange(first, false)) out.push_back(',');
                append_serialized(out, element);
            }
            out.push_back(']');
            break;
        }
        case Kind::Object: {
            out.push_back('{');
            bool first = true;
            for (const auto& [key, member] : value.as_object()) {
                if (!std::exchange(first, false)) out.push_back(',');
                append_escaped(out, key);
                out.push_back(':');
                append_serialized(out, member);
            }
            out.push_back('}');
            break;
        }
    }
}

// The compact JSON text of `value` (no whitespace).
inline std::string serialize(const Value& value) {
    std::string out;
    append_serialized(out, value);
    return out;
}

namespace detail {

// A recursive-descent parser over one text. Every method returns false after setting
// error_ (the first error wins).
class Parser {
  public:
    explicit Parser(std::string_view text, const ParseLimits& limits = {})
        : text_(text),
          max_depth_(std::min(limits.max_depth, kMaxDepth)),
          max_values_(limits.max_values) {}

    // Whether the parse failed on a ParseLimits bound rather than on the syntax.
    bool over_limit() const { return over_limit_; }

    std::optional<Value> parse_document(std::string* error) {
        Value value;
        skip_whitespace();
        if (parse_value(value, 0)) {
            skip_whitespace();
            if (pos_ == text_.size()) return value;
            fail("unexpected trailing characters");
        }
        if (error != nullptr) *error = error_ + " at offset " + std::to_string(pos_);
        return std::nullopt;
    }

  private:
    bool fail(std::string message) {
        if (error_.empty()) error_ = std::move(message);
        return false;
    }
    bool fail_limit(std::string message) {
        if (error_.empty()) over_limit_ = true;
        return fail(std::move(message));
    }
    bool at_end() const { return pos_ >= text_.size(); }
    char peek() const { return at_end() ? '\0' : text_[pos_]; }

    void skip_whitespace() {
        while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r'))
            ++pos_;
    }

    // Consumes `c`, or fails saying what was expected instead of what is there.
    bool expect(char c, const char* what) {
        if (peek() == c) {
            ++pos_;
            return true;
        }
        return fail((at_end() ? "unexpected end of input, expected " : "expected ") +
                    std::string(what));
    }

    bool parse_literal(std::string_view word, Value result, Value& out) {
        if (text_.substr(pos_, word.size()) != word) return fail("invalid literal");
        pos_ += word.size();
        out = std::move(result);
        return true;
    }

    bool parse_value(Value& out, int depth) {
        if (at_end()) return fail("unexpected end of input");
        if (max_values_ != 0 && ++values_ > max_values_)
            return fail_limit("more than " + std::to_string(max_values_) + " values");
        switch (peek()) {
            case '{': return parse_object(out, depth + 1);
            case '[': return parse_array(out, depth + 1);
            case '"': {
                std::string s;
                if (!parse_string(s)) return false;
                out = Value(std::move(s));
                return true;
            }
            case 't': return parse_literal("true", Value(true), out);
            case 'f': return parse_literal("false", Value(false), out);
            case 'n': return parse_literal("null", Value(), out);
            default:
                if (peek() == '-' || (peek() >= '0' && peek() <= '9')) return parse_number(out);
                return fail(std::string("unexpected character '") + peek() + "'");
        }
    }

    bool parse_array(Value& out, int depth) {
        if (depth > max_depth_)
            return fail_limit("nesting deeper than " + std::to_string(max_depth_));
        ++pos_; // '['
        Array elements;
        skip_whitespace();
        if (peek() == ']') {
            ++pos_;
            out = Value(std::move(elements));
            return true;
        }
        for (;;) {
            skip_whitespace();
            if (!parse_value(elements.emplace_back(), depth)) return false;
            skip_whitespace();
            if (peek() == ']') break;
            if (!expect(',', "',' or ']'")) return false;
        }
        ++pos_; // ']'
        out = Value(std::move(elements));
        return true;
    }

    bool parse_object(Value& out, int depth) {
        if (depth > max_depth_)
            return fail_limit("nesting deeper than " + std::to_string(max_depth_));
        ++pos_; // '{'
        Object members;
        skip_whitespace();
        if (peek() == '}') {
            ++pos_;
            out = Value(std::move(members));
            return true;
        }
        for (;;) {
            skip_whitespace();
            if (peek() != '"' || at_end()) return fail("expected a string key");
            auto& member = members.emplace_back();
            if (!parse_string(member.first)) return false;
            skip_whitespace();
            if (!expect(':', "':'")) return false;
            skip_whitespace();
            if (!parse_value(member.second, depth)) return false;
            skip_whitespace();
            if (peek() == '}') break;
            if (!expect(',', "',' or '}'")) return false;
        }
        ++pos_; // '}'
        out = Value(std::move(members));
        return true;
    }

    // Reads 4 hex digits after "\u".
    bool parse_hex4(uint32_t& code) {
        if (text_.size() - pos_ < 4) return fail("truncated \\u escape");
        code = 0;
        for (size_t i = 0; i < 4; ++i) {
            char c = text_[pos_ + i];
            int digit = (c >= '0' && c <= '9')   ? c - '0'
                        : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                        : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                                 : -1;
            if (digit < 0) return fail("invalid hex digit in \\u escape");
            code = code * 16 + static_cast<uint32_t>(digit);
        }
        pos_ += 4;
        return true;
    }

    static void append_utf8(std::string& out, uint32_t cp) {
        if (cp < 0x80) {
            out.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
    }

    // After the backslash of "\uXXXX": one code point, joining a surrogate pair.
    bool parse_unicode_escape(std::string& out) {
        uint32_t cp = 0;
        if (!parse_hex4(cp)) return false;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return fail("lone low surrogate in \\u escape");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (text_.substr(pos_, 2) != "\\u") return fail("lone high surrogate in \\u escape");
            pos_ += 2;
            uint32_t low = 0;
            if (!parse_hex4(low)) return false;
            if (low < 0xDC00 || low > 0xDFFF) return fail("lone high surrogate in \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        append_utf8(out, cp);
        return true;
    }

    // One UTF-8 sequence starting at pos_ (RFC 3629: no overlongs, no surrogates).
    bool copy_utf8_sequence(std::string& out) {
        auto byte = [&](size_t i) { return static_cast<unsigned char>(text_[pos_ + i]); };
        unsigned char lead = byte(0);
        size_t length = lead < 0xC2 ? 0 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : lead < 0xF5 ? 4 : 0;
        if (length == 0 || text_.size() - pos_ < length) return fail("invalid UTF-8");
        for (size_t i = 1; i < length; ++i) {
            if ((byte(i) & 0xC0) != 0x80) return fail("invalid UTF-8");
        }
        if ((lead == 0xE0 && byte(1) < 0xA0) || (lead == 0xED && byte(1) > 0x9F) ||
            (lead == 0xF0 && byte(1) < 0x90) || (lead == 0xF4 && byte(1) > 0x8F))
            return fail("invalid UTF-8");
        out.append(text_.substr(pos_, length));
        pos_ += length;
        return true;
    }

    bool parse_string(std::string& out) {
        ++pos_; // opening quote
        for (;;) {
            if (at_end()) return fail("unterminated string");
            unsigned char c = static_cast<unsigned char>(text_[pos_]);
            if (c == '"') {
                ++pos_;
                return true;
            }
            if (c < 0x20) return fail("control character in string");
            if (c >= 0x80) {
                if (!copy_utf8_sequence(out)) return false;
                continue;
            }
            if (c != '\\') {
                // A run of plain ASCII is copied in one append (a 1 MiB base64 payload
                // is one run): bench/micro json_parse/ours 1.6-2x faster on client
                // messages, 3.2x on JetStart's dex.
                const size_t run = pos_;
                while (++pos_ < text_.size()) {
                    const auto d = static_cast<unsigned char>(text_[pos_]);
                    if (d < 0x20 || d >= 0x80 || d == '"' || d == '\\') break;
                }
                out.append(text_.data() + run, pos_ - run);
                continue;
            }
            if (++pos_ >= text_.size()) return fail("unterminated string");
            char escape = text_[pos_++];
            switch (escape) {
                case '"': out.push_back('"'); break;
                case '\\': out.push_back('\\'); break;
                case '/': out.push_back('/'); break;
                case 'b': out.push_back('\b'); break;
                case 'f': out.push_back('\f'); break;
                case 'n': out.push_back('\n'); break;
                case 'r': out.push_back('\r'); break;
                case 't': out.push_back('\t'); break;
                case 'u':
                    if (!parse_unicode_escape(out)) return false;
                    break;
                default:
                    pos_ -= 2; // point at the backslash
                    return fail(std::string("invalid escape '\\") + escape + "'");
            }
        }
    }

    size_t skip_digits() {
        size_t start = pos_;
        while (!at_end() && peek() >= '0' && peek() <= '9') ++pos_;
        return pos_ - start;
    }

    // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    bool parse_number(Value& out) {
        const size_t start = pos_;
        if (peek() == '-') ++pos_;
        if (peek() == '0') {
            ++pos_;
        } else if (skip_digits() == 0) {
            return fail("invalid number");
        }
        bool integral = true;
        if (peek() == '.') {
            ++pos_;
            integral = false;
            if (skip_digits() == 0) return fail("invalid number: digit expected after '.'");
        }
        if ((peek() == 'e' || peek() == 'E')) {
            ++pos_;
            integral = false;
            if ((peek() == '+' || peek() == '-')) ++pos_;
            if (skip_digits() == 0) return fail("invalid number: digit expected in exponent");
        }
        const char* first = text_.data() + start;
        const char* last = text_.data() + pos_;
        Number n;
        auto [end, ec] = std::from_chars(first, last, n.value);
        if (ec == std::errc::result_out_of_range) {
            if (!is_underflow(text_.substr(start, pos_ - start))) {
                pos_ = start;
                return fail("number out of range");
            }
            n.value = *first == '-' ? -0.0 : 0.0;
        } else if (ec != std::errc() || end != last) {
            pos_ = start;
            return fail("invalid number");
        }
        if (integral) {
            auto [iend, iec] = std::from_chars(first, last, n.integer);
            // "-0" stays a double: an integer has no negative zero.
            n.is_integer =
                iec == std::errc() && iend == last && !(n.integer == 0 && std::signbit(n.value));
        }
        out = Value(n);
        return true;
    }

    // Whether an out-of-range number is too small (rather than too large): its first
    // significant digit lies left of the decimal point when the value is too large.
    static bool is_underflow(std::string_view number) {
        if (!number.empty() && number.front() == '-') number.remove_prefix(1);
        size_t exponent_at = number.find_first_of("eE");
        std::string_view mantissa = number.substr(0, exponent_at);
        int64_t exponent = 0;
        if (exponent_at != std::string_view::npos) {
            std::string_view e = number.substr(exponent_at + 1);
            bool negative = !e.empty() && e.front() == '-';
            if (!e.empty() && (e.front() == '-' || e.front() == '+')) e.remove_prefix(1);
            for (char c : e) exponent = std::min<int64_t>(exponent * 10 + (c - '0'), 1 << 30);
            if (negative) exponent = -exponent;
        }
        size_t dot = mantissa.find('.');
        std::string_view integer_part = mantissa.substr(0, dot);
        int64_t magnitude = 0; // decimal position of the first significant digit
        if (integer_part != "0") {
            magnitude = static_cast<int64_t>(integer_part.size()) - 1;
        } else {
            std::string_view fraction =
                dot == std::string_view::npos ? "" : mantissa.substr(dot + 1);
            size_t first_digit = fraction.find_first_not_of('0');
            if (first_digit == std::string_view::npos) return true; // all zeros
            magnitude = -static_cast<int64_t>(first_digit) - 1;
        }
        return magnitude + exponent < 0;
    }

    std::string_view text_;
    int max_depth_;
    size_t max_values_;
    size_t values_ = 0;
    size_t pos_ = 0;
    std::string error_;
    bool over_limit_ = false;
};

} // namespace detail

// Parses one JSON text (RFC 8259, strict). On failure returns nullopt and, when `error`
// is not null, stores what is wrong and where ("expected ':' at offset 12").
inline std::optional<Value> parse(std::string_view text, std::string* error = nullptr) {
    return detail::Parser(text).parse_document(error);
}

// Parses one JSON text within `limits` (see ParseLimits). On failure returns nullopt,
// stores what is wrong and where in `error` (when not null) and sets `*over_limit` (when
// not null) to whether a limit was hit, which lets a caller tell "too complex" from
// "not JSON"; on success `*over_limit` is false.
inline std::optional<Value> parse(std::string_view text, std::string* error,
                                  const ParseLimits& limits, bool* over_limit = nullptr) {
    detail::Parser parser(text, limits);
    std::optional<Value> value = parser.parse_document(error);
    if (over_limit != nullptr) *over_limit = parser.over_limit();
    return value;
}

} // namespace switchyard::json

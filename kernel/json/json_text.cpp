#include "json/json_text.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <cstring>

namespace switchyard {

namespace {

namespace json = boost::json;

// A basic_parser handler that keeps nothing: the parser alone checks the grammar, the
// UTF-8 and the depth, without allocating a document.
struct CheckOnly {
    static constexpr size_t max_array_size = static_cast<size_t>(-1);
    static constexpr size_t max_object_size = static_cast<size_t>(-1);
    static constexpr size_t max_string_size = static_cast<size_t>(-1);
    static constexpr size_t max_key_size = static_cast<size_t>(-1);
    bool on_document_begin(json::error_code&) { return true; }
    bool on_document_end(json::error_code&) { return true; }
    bool on_array_begin(json::error_code&) { return true; }
    bool on_array_end(size_t, json::error_code&) { return true; }
    bool on_object_begin(json::error_code&) { return true; }
    bool on_object_end(size_t, json::error_code&) { return true; }
    bool on_string_part(json::string_view, size_t, json::error_code&) { return true; }
    bool on_string(json::string_view, size_t, json::error_code&) { return true; }
    bool on_key_part(json::string_view, size_t, json::error_code&) { return true; }
    bool on_key(json::string_view, size_t, json::error_code&) { return true; }
    bool on_number_part(json::string_view, json::error_code&) { return true; }
    bool on_int64(int64_t, json::string_view, json::error_code&) { return true; }
    bool on_uint64(uint64_t, json::string_view, json::error_code&) { return true; }
    bool on_double(double, json::string_view, json::error_code&) { return true; }
    bool on_bool(bool, json::error_code&) { return true; }
    bool on_null(json::error_code&) { return true; }
    bool on_comment_part(json::string_view, json::error_code&) { return true; }
    bool on_comment(json::string_view, json::error_code&) { return true; }
};

bool is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

size_t skip_space(std::string_view text, size_t at) noexcept {
    while (at < text.size() && is_space(text[at])) ++at;
    return at;
}

// The index just past the string token that starts at `at` (a '"').
size_t end_of_string(std::string_view text, size_t at) noexcept {
    for (size_t i = at + 1; i < text.size();) {
        const void* hit = std::memchr(text.data() + i, '"', text.size() - i);
        if (hit == nullptr) return text.size();
        const size_t quote = static_cast<size_t>(static_cast<const char*>(hit) - text.data());
        size_t backslashes = 0;
        while (quote - backslashes > at + 1 && text[quote - backslashes - 1] == '\\') {
            ++backslashes;
        }
        if (backslashes % 2 == 0) return quote + 1;
        i = quote + 1; // an escaped quote
    }
    return text.size();
}

// The index just past the value that starts at `at`.
size_t end_of_value(std::string_view text, size_t at) noexcept {
    if (at >= text.size()) return at;
    const char first = text[at];
    if (first == '"') return end_of_string(text, at);
    if (first == '{' || first == '[') {
        size_t depth = 0;
        for (size_t i = at; i < text.size();) {
            const char c = text[i];
            if (c == '"') {
                i = end_of_string(text, i);
                continue;
            }
            if (c == '{' || c == '[') ++depth;
            if ((c == '}' || c == ']') && --depth == 0) return i + 1;
            ++i;
        }
        return text.size();
    }
    size_t i = at; // a number, true, false or null: up to the next delimiter
    while (i < text.size() && !is_space(text[i]) && text[i] != ',' && text[i] != '}' &&
           text[i] != ']') {
        ++i;
    }
    return i;
}

} // namespace

bool is_json(std::string_view text, std::string& error, size_t max_depth) {
    json::parse_options options;
    options.max_depth = max_depth;
    json::basic_parser<CheckOnly> parser(options);
    json::error_code ec;
    const size_t used = parser.write_some(false, text.data(), text.size(), ec);
    if (!ec && used != text.size()) ec = json::error::extra_data;
    if (ec) {
        error = ec.message();
        return false;
    }
    return true;
}

std::string_view trim_json(std::string_view text) noexcept {
    const size_t begin = skip_space(text, 0);
    size_t end = text.size();
    while (end > begin && is_space(text[end - 1])) --end;
    return text.substr(begin, end - begin);
}

JsonMembers::JsonMembers(std::string_view object) noexcept
    : text_(trim_json(object)), at_(skip_space(text_, 1)) {} // past '{'

bool JsonMembers::next(JsonMember& member) noexcept {
    if (at_ >= text_.size() || text_[at_] != '"') return false;
    const size_t key_end = end_of_string(text_, at_);
    const size_t value_begin = skip_space(text_, skip_space(text_, key_end) + 1); // past ':'
    const size_t value_end = end_of_value(text_, value_begin);
    member = {text_.substr(at_, key_end - at_), text_.substr(value_begin, value_end - value_begin)};
    at_ = skip_space(text_, value_end);
    if (at_ < text_.size() && text_[at_] == ',') at_ = skip_space(text_, at_ + 1);
    return true;
}

JsonElements::JsonElements(std::string_view array) noexcept
    : text_(trim_json(array)), at_(skip_space(text_, 1)) {} // past '['

bool JsonElements::next(std::string_view& element) noexcept {
    if (at_ >= text_.size() || text_[at_] == ']') return false;
    const size_t end = end_of_value(text_, at_);
    element = text_.substr(at_, end - at_);
    at_ = skip_space(text_, end);
    if (at_ < text_.size() && text_[at_] == ',') at_ = skip_space(text_, at_ + 1);
    return true;
}

std::string without_whitespace(std::string_view value) {
    value = trim_json(value);
    std::string out;
    out.reserve(value.size());
    for (size_t i = 0; i < value.size();) {
        if (value[i] == '"') {
            const size_t end = end_of_string(value, i);
            out.append(value.data() + i, end - i); // a whole string in one copy
            i = end;
        } else {
            if (!is_space(value[i])) out += value[i];
            ++i;
        }
    }
    return out;
}

std::string without_whitespace_in_place(std::string buffer, size_t begin, size_t length) {
    const std::string_view value = trim_json(std::string_view(buffer).substr(begin, length));
    char* const base = buffer.data();
    size_t out = 0;
    // Writing stays behind reading (out <= where value[i] lies), and what is read next
    // (value[i] onwards) has not been written over yet.
    for (size_t i = 0; i < value.size();) {
        if (value[i] == '"') {
            const size_t end = end_of_string(value, i);
            std::memmove(base + out, value.data() + i, end - i);
            out += end - i;
            i = end;
        } else {
            if (!is_space(value[i])) base[out++] = value[i];
            ++i;
        }
    }
    buffer.resize(out);
    return buffer;
}

std::string unquote(std::string_view string_token) {
    if (string_token.size() >= 2 && string_token.find('\\') == std::string_view::npos) {
        return std::string(string_token.substr(1, string_token.size() - 2));
    }
    const json::value parsed =
        json::parse(json::string_view(string_token.data(), string_token.size()));
    const json::string& text = parsed.get_string();
    return std::string(text.data(), text.size());
}

} // namespace switchyard

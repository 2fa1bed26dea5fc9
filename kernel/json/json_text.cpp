#include "json/json_text.hpp"

#include <switchyard/json_scan.hpp>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cstring>

namespace switchyard {

namespace {

// A basic_parser handler that keeps nothing: the parser alone checks the grammar, the
// UTF-8 and the depth, without allocating a document.
struct CheckOnly {
    static constexpr size_t max_array_size = static_cast<size_t>(-1);
    static constexpr size_t max_object_size = static_cast<size_t>(-1);
    static constexpr size_t max_string_size = static_cast<size_t>(-1);
    static constexpr size_t max_key_size = static_cast<size_t>(-1);
    bool on_document_begin(boost::json::error_code&) { return true; }
    bool on_document_end(boost::json::error_code&) { return true; }
    bool on_array_begin(boost::json::error_code&) { return true; }
    bool on_array_end(size_t, boost::json::error_code&) { return true; }
    bool on_object_begin(boost::json::error_code&) { return true; }
    bool on_object_end(size_t, boost::json::error_code&) { return true; }
    bool on_string_part(boost::json::string_view, size_t, boost::json::error_code&) { return true; }
    bool on_string(boost::json::string_view, size_t, boost::json::error_code&) { return true; }
    bool on_key_part(boost::json::string_view, size_t, boost::json::error_code&) { return true; }
    bool on_key(boost::json::string_view, size_t, boost::json::error_code&) { return true; }
    bool on_number_part(boost::json::string_view, boost::json::error_code&) { return true; }
    bool on_int64(int64_t, boost::json::string_view, boost::json::error_code&) { return true; }
    bool on_uint64(uint64_t, boost::json::string_view, boost::json::error_code&) { return true; }
    bool on_double(double, boost::json::string_view, boost::json::error_code&) { return true; }
    bool on_bool(bool, boost::json::error_code&) { return true; }
    bool on_null(boost::json::error_code&) { return true; }
    bool on_comment_part(boost::json::string_view, boost::json::error_code&) { return true; }
    bool on_comment(boost::json::string_view, boost::json::error_code&) { return true; }
};

bool is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

using json::skip_space;

// The SDK's scanners answer npos for an unterminated string or bracket; the texts here
// were checked whole first, so that end is the text's.
size_t end_of_string(std::string_view text, size_t at) noexcept {
    return std::min(json::skip_string(text, at), text.size());
}
size_t end_of_value(std::string_view text, size_t at) noexcept {
    return std::min(json::skip_value(text, at), text.size());
}

} // namespace

bool is_json(std::string_view text, std::string& error, size_t max_depth) {
    boost::json::parse_options options;
    options.max_depth = max_depth;
    boost::json::basic_parser<CheckOnly> parser(options);
    boost::json::error_code ec;
    const size_t used = parser.write_some(false, text.data(), text.size(), ec);
    if (!ec && used != text.size()) ec = boost::json::error::extra_data;
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
    const boost::json::value parsed =
        boost::json::parse(boost::json::string_view(string_token.data(), string_token.size()));
    const boost::json::string& text = parsed.get_string();
    return std::string(text.data(), text.size());
}

} // namespace switchyard

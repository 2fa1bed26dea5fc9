#include "files/file_answer.hpp"

#include "files/byte_range.hpp"
#include "files/mime_types.hpp"
#include "files/safe_path.hpp"

#include <cstdio>
#include <ctime>
#include <optional>

namespace switchyard {

namespace {

std::string hex(uint64_t n) {
    constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    do {
        out.insert(out.begin(), kHex[n & 0xF]);
        n >>= 4;
    } while (n != 0);
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::string_view without_weak_prefix(std::string_view tag) {
    if (tag.size() >= 2 && tag[0] == 'W' && tag[1] == '/') tag.remove_prefix(2);
    return tag;
}

// An IMF-fixdate (RFC 9110 section 5.6.7), "Sun, 06 Nov 1994 08:49:37 GMT".
std::string http_date(time_t seconds) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm t {};
    gmtime_r(&seconds, &t);
    char out[40];
    std::snprintf(out, sizeof out, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[t.tm_wday % 7],
                  t.tm_mday, kMonths[t.tm_mon % 12], t.tm_year + 1900, t.tm_hour, t.tm_min,
                  t.tm_sec);
    return out;
}

// The file's own name, decoded ("app%2Ejs" is app.js), for its extension.
std::string last_name(std::string_view encoded_path) {
    const std::optional<SafePath> path = parse_safe_path(encoded_path);
    return path && !path->segments.empty() ? path->segments.back() : std::string();
}

} // namespace

std::string file_etag(uint64_t size, uint64_t mtime_ns) {
    return '"' + hex(size) + '-' + hex(mtime_ns) + '"';
}

bool etag_matches(std::string_view header, std::string_view etag) {
    header = trim(header);
    if (header == "*") return true;
    const std::string_view wanted = without_weak_prefix(etag);
    while (!header.empty()) {
        const size_t comma = header.find(',');
        const std::string_view tag = trim(header.substr(0, comma));
        header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
        if (!tag.empty() && without_weak_prefix(tag) == wanted) return true;
    }
    return false;
}

FileAnswer prepare_file_answer(const FileRequest& request) {
    FileAnswer answer; // 404 unless everything below holds
    std::optional<OpenedFile> opened = open_under_root(request.root, request.path);
    if (!opened) return answer;
    const auto size = static_cast<uint64_t>(opened->info.st_size);
    if (request.max_bytes != 0 && size > request.max_bytes) return answer;

    const auto& mtime = opened->info.st_mtim;
    const auto mtime_ns =
        static_cast<uint64_t>(mtime.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(mtime.tv_nsec);
    const std::string etag = file_etag(size, mtime_ns);
    answer.headers.emplace_back("ETag", etag);
    answer.headers.emplace_back("Last-Modified", http_date(mtime.tv_sec));
    answer.headers.emplace_back("Accept-Ranges", "bytes");
    for (const auto& header : request.extra_headers) answer.headers.push_back(header);
    if (!request.if_none_match.empty() && etag_matches(request.if_none_match, etag)) {
        answer.status = 304;
        return answer;
    }

    const ByteRange range = parse_byte_range(request.range, size);
    if (range.kind == ByteRange::Kind::Unsatisfiable) {
        answer.status = 416;
        answer.headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
        return answer;
    }
    answer.headers.emplace_back("Content-Type",
                                request.content_type.empty()
                                    ? std::string(mime_type_for(last_name(request.path)))
                                    : request.content_type);
    answer.status = 200;
    answer.offset = 0;
    answer.length = size;
    if (range.kind == ByteRange::Kind::Part) {
        answer.status = 206;
        answer.offset = range.first;
        answer.length = range.last - range.first + 1;
        answer.headers.emplace_back("Content-Range", "bytes " + std::to_string(range.first) + "-" +
                                                         std::to_string(range.last) + "/" +
                                                         std::to_string(size));
    }
    answer.content_length = answer.length;
    if (!request.head && answer.length > 0) answer.file = std::move(opened->fd);
    return answer;
}

} // namespace switchyard

// The dashboard's files (issue 5: `dashboard_dir` served at /): which file a request
// path names, whether it may be served, and the answer (body, MIME type, ETag, 304).
//
// Every request path is hostile. It is percent-decoded once (so %2e%2e and %2f count as
// what they decode to, and a double-encoded %252e stays the literal text "%2e"), then
// refused when it holds a NUL, a backslash, a bad escape or a segment starting with '.'
// ("..", ".", dotfiles such as .git). What is left is opened one name at a time from a
// descriptor of the dashboard folder (openat with O_NOFOLLOW, never a whole path), so
// what the file system looks like between a check and the open does not matter.
// Symlinks inside the folder are followed while every step stays inside: the plugin
// reads each link and walks its target the same way, ".." never above the folder, an
// absolute target only under the folder's own path. A symlink pointing out is refused,
// and so is one swapped in mid-request. Every refusal looks the same as a missing file:
// 404.
//
// No host, no state: reading files is all it does, so the unit tests use it directly and
// the plugin calls it from on_http (the kernel allows a plugin to read files there).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::jarvis {

// The largest file served: 4 MiB. The file is read whole, synchronously, inside on_http,
// and the kernel serializes the plugin's calls, so while it is read no client message,
// bus event or other request of the plugin is handled; the SDK's response then holds the
// whole body and the kernel copies it (twice the size in memory). A dashboard bundle is
// far below this; a larger file is answered 500 (the operator's mistake, said in the log).
inline constexpr uint64_t kMaxStaticFileBytes = 4 * 1024 * 1024;

// What one request for a dashboard file comes to.
struct StaticAnswer {
    uint16_t status = 404;    // 200, 301 (a folder named without its '/'), 304, 404 or 500
    std::string content_type; // 200: by the file name's extension
    std::string etag;         // 200 and 304: "<size>-<mtime in ns>", hex, quoted
    std::string location;     // 301: the same path with '/' appended
    std::string body;         // 200: the file's bytes
    std::string problem;      // 500: what went wrong, for the log (never sent)
};

// Checks the configured folder when the plugin starts: it must be an existing folder.
// Throws std::invalid_argument naming 'dashboard_dir' otherwise.
void check_dashboard_dir(const std::filesystem::path& dir);

// Serves `encoded_path` (the request's path, before '?', still percent-encoded) from
// `root`. `query` (without '?') is kept on a 301. `if_none_match` is the request's
// If-None-Match header ("" when absent).
StaticAnswer serve_static_file(const std::filesystem::path& root, std::string_view encoded_path,
                               std::string_view query, std::string_view if_none_match);

// The path's segments, percent-decoded, empty ones dropped; nullopt when the path must be
// refused (see the file comment). `trailing_slash` says whether it ended with '/'.
struct RequestPath {
    std::vector<std::string> segments;
    bool trailing_slash = false;
};
std::optional<RequestPath> parse_request_path(std::string_view encoded_path);

// The Content-Type for a file name, by its extension (case-insensitive); text types carry
// charset=utf-8. Unknown extensions are application/octet-stream.
std::string_view mime_type(std::string_view file_name);

// Whether If-None-Match `header` matches `etag` ("*", or one of a comma-separated list,
// compared weakly as RFC 9110 asks for If-None-Match: a W/ prefix is ignored).
bool etag_matches(std::string_view header, std::string_view etag);

} // namespace switchyard::jarvis

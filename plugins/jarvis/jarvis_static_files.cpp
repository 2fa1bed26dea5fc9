#include "jarvis_static_files.hpp"

#include "jarvis_text.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace switchyard::jarvis {
namespace fs = std::filesystem;

namespace {

// A segment percent-encoded again for a Location header: unreserved characters and the
// sub-delimiters a path may hold stay, everything else (backslash, space, '%') is escaped
// so the browser reads the same path back.
void append_encoded_segment(std::string& out, std::string_view segment) {
    constexpr std::string_view kKeep = "-._~!$&'()*+,;=:@";
    constexpr char kHex[] = "0123456789ABCDEF";
    for (char c : segment) {
        const auto u = static_cast<unsigned char>(c);
        const bool alnum =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (alnum || kKeep.find(c) != std::string_view::npos) {
            out.push_back(c);
        } else {
            out.push_back('%');
            out.push_back(kHex[u >> 4]);
            out.push_back(kHex[u & 0xF]);
        }
    }
}

// Whether canonical `path` is `root` or lies below it (both canonical, no trailing '/'
// except for "/" itself).
bool within(const fs::path& root, const fs::path& path) {
    const std::string& r = root.native();
    const std::string& p = path.native();
    if (p == r) return true;
    if (r == "/") return !p.empty() && p.front() == '/';
    return p.size() > r.size() && p.compare(0, r.size(), r) == 0 && p[r.size()] == '/';
}

std::string hex(uint64_t n) {
    constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    do {
        out.insert(out.begin(), kHex[n & 0xF]);
        n >>= 4;
    } while (n != 0);
    return out;
}

// Closes the descriptor it holds.
class FileDescriptor {
  public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }

  private:
    int fd_;
};

StaticAnswer not_found() {
    return StaticAnswer{};
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

} // namespace

void check_dashboard_dir(const fs::path& dir) {
    std::error_code ec;
    const fs::file_status status = fs::status(dir, ec);
    if (ec || !fs::is_directory(status)) {
        throw std::invalid_argument("config key 'dashboard_dir': '" + dir.string() +
                                    "' is not a folder" +
                                    (ec ? " (" + ec.message() + ")" : std::string()));
    }
}

std::optional<RequestPath> parse_request_path(std::string_view encoded_path) {
    // An origin-form target starts with '/'; anything else ("*", "http://...") names no file.
    if (encoded_path.empty() || encoded_path.front() != '/') return std::nullopt;
    // A path is no query: '+' is a plus sign there.
    const std::optional<std::string> decoded = percent_decode(encoded_path, false);
    if (!decoded) return std::nullopt;
    RequestPath path;
    std::string_view rest(*decoded);
    path.trailing_slash = rest.back() == '/';
    while (!rest.empty()) {
        const size_t slash = rest.find('/');
        const std::string_view segment = rest.substr(0, slash);
        rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
        if (segment.empty()) continue; // "//" and the leading '/': no name
        // "." and ".." would walk the tree; other dotfiles (.git, .env) are not the
        // dashboard's to publish. NUL ends a name in every system call; a backslash is a
        // separator to some clients and proxies, so it would not mean one thing.
        if (segment.front() == '.') return std::nullopt;
        if (segment.find('\0') != std::string_view::npos) return std::nullopt;
        if (segment.find('\\') != std::string_view::npos) return std::nullopt;
        path.segments.emplace_back(segment);
    }
    return path;
}

std::string_view mime_type(std::string_view file_name) {
    const size_t dot = file_name.rfind('.');
    if (dot == std::string_view::npos) return "application/octet-stream";
    std::string extension;
    for (char c : file_name.substr(dot + 1)) extension.push_back(ascii_lower(c));
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 30> kTypes{{
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"json", "application/json"},
        {"map", "application/json"},
        {"webmanifest", "application/manifest+json"},
        {"txt", "text/plain; charset=utf-8"},
        {"xml", "application/xml"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},
        {"webp", "image/webp"},
        {"avif", "image/avif"},
        {"ico", "image/vnd.microsoft.icon"},
        {"woff", "font/woff"},
        {"woff2", "font/woff2"},
        {"ttf", "font/ttf"},
        {"otf", "font/otf"},
        {"wasm", "application/wasm"},
        {"mp3", "audio/mpeg"},
        {"wav", "audio/wav"},
        {"ogg", "audio/ogg"},
        {"opus", "audio/ogg"},
        {"mp4", "video/mp4"},
        {"webm", "video/webm"},
        {"pdf", "application/pdf"},
    }};
    for (const auto& [known, type] : kTypes) {
        if (known == extension) return type;
    }
    return "application/octet-stream";
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

StaticAnswer serve_static_file(const fs::path& root, std::string_view encoded_path,
                               std::string_view query, std::string_view if_none_match) {
    const std::optional<RequestPath> request = parse_request_path(encoded_path);
    if (!request) return not_found();

    // The root is resolved on every request, so a deployment that swaps a symlink to a
    // new release folder is served from the new one at once.
    std::error_code ec;
    const fs::path canonical_root = fs::canonical(root, ec);
    if (ec) return not_found();
    fs::path wanted = canonical_root;
    for (const std::string& segment : request->segments) wanted /= segment;
    fs::path real = fs::canonical(wanted, ec);
    if (ec || !within(canonical_root, real)) return not_found();

    std::string name = request->segments.empty() ? std::string() : request->segments.back();
    if (fs::is_directory(real, ec)) {
        if (!request->segments.empty() && !request->trailing_slash) {
            // The page's relative links resolve against the folder only with its '/'.
            // Built from the checked segments, so it is always one local path ("//host"
            // or a backslash cannot make it point at another site).
            StaticAnswer moved;
            moved.status = 301;
            for (const std::string& segment : request->segments) {
                moved.location += '/';
                append_encoded_segment(moved.location, segment);
            }
            moved.location += '/';
            if (!query.empty()) moved.location += "?" + std::string(query);
            return moved;
        }
        real = fs::canonical(real / "index.html", ec);
        if (ec || !within(canonical_root, real)) return not_found();
        name = "index.html";
    } else if (request->trailing_slash) {
        return not_found(); // "file.html/" names a folder that is not there
    }

    // O_NONBLOCK: a FIFO planted in the folder must not hang the plugin in open(); it
    // is refused below as not a regular file. O_NOFOLLOW: the path was just resolved, so
    // a symlink now means it was swapped in between.
    FileDescriptor file(::open(real.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW));
    if (file.get() < 0) return not_found();
    struct stat info {};
    if (::fstat(file.get(), &info) != 0 || !S_ISREG(info.st_mode)) return not_found();
    const auto size = static_cast<uint64_t>(info.st_size);
    if (size > kMaxStaticFileBytes) {
        StaticAnswer too_large;
        too_large.status = 500;
        too_large.problem = "dashboard file '" + real.string() + "' has " + std::to_string(size) +
                            " bytes, more than the " + std::to_string(kMaxStaticFileBytes) +
                            " served";
        return too_large;
    }

    StaticAnswer answer;
    const auto mtime_ns = static_cast<uint64_t>(info.st_mtim.tv_sec) * 1'000'000'000u +
                          static_cast<uint64_t>(info.st_mtim.tv_nsec);
    answer.etag = '"' + hex(size) + '-' + hex(mtime_ns) + '"';
    if (!if_none_match.empty() && etag_matches(if_none_match, answer.etag)) {
        answer.status = 304;
        return answer;
    }
    answer.body.resize(static_cast<size_t>(size));
    size_t read_so_far = 0;
    while (read_so_far < answer.body.size()) {
        const ssize_t n =
            ::read(file.get(), answer.body.data() + read_so_far, answer.body.size() - read_so_far);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            StaticAnswer failed;
            failed.status = 500;
            failed.problem =
                "cannot read dashboard file '" + real.string() + "': " + std::strerror(errno);
            return failed;
        }
        if (n == 0) break; // it shrank meanwhile: serve what is there
        read_so_far += static_cast<size_t>(n);
    }
    answer.body.resize(read_so_far);
    answer.status = 200;
    answer.content_type = std::string(mime_type(name));
    return answer;
}

} // namespace switchyard::jarvis

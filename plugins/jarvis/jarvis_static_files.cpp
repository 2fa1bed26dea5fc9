#include "jarvis_static_files.hpp"

#include "jarvis_text.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <deque>
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

std::string hex(uint64_t n) {
    constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    do {
        out.insert(out.begin(), kHex[n & 0xF]);
        n >>= 4;
    } while (n != 0);
    return out;
}

// Closes the descriptor it holds. Movable, so a stack of them can hold a walk's folders.
class FileDescriptor {
  public:
    explicit FileDescriptor(int fd = -1) : fd_(fd) {}
    FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    FileDescriptor& operator=(FileDescriptor&& other) noexcept {
        if (this != &other) {
            if (fd_ >= 0) ::close(fd_);
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }

  private:
    int fd_;
};

// What a name beneath the root came to.
struct Opened {
    FileDescriptor fd; // a regular file open for reading, or a folder (O_PATH)
    struct stat info {};
};

// Symlinks followed in one walk at most, as the kernel's own limit (ELOOP).
constexpr int kMaxSymlinks = 40;

// Appends the non-empty '/'-separated parts of `path` to `out`, in order, before `at`.
void insert_parts(std::deque<std::string>& out, std::deque<std::string>::iterator at,
                  std::string_view path) {
    std::vector<std::string> parts;
    while (!path.empty()) {
        const size_t slash = path.find('/');
        if (slash != 0) parts.emplace_back(path.substr(0, slash));
        path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    }
    out.insert(at, parts.begin(), parts.end());
}

// The rest of absolute symlink target `target` below one of `roots` (the folder as
// configured, and its real path), or nullopt when it lies under neither.
std::optional<std::string_view> below_root(std::string_view target,
                                           const std::vector<std::string>& roots) {
    for (const std::string& root : roots) {
        std::string_view r(root);
        while (r.size() > 1 && r.back() == '/') r.remove_suffix(1);
        if (r == "/") return target; // everything is below "/"
        if (target.starts_with(r) && (target.size() == r.size() || target[r.size()] == '/'))
            return target.substr(r.size());
    }
    return std::nullopt;
}

// Opens `names` beneath the folder `root_fd` one name at a time, never letting the file
// system walk a path itself: every name is opened with openat(O_PATH | O_NOFOLLOW) from
// the descriptor of the folder before it, so a name that is a symlink opens the link, not
// what it points to. A link's target (readlinkat) is resolved the same way from the
// folder holding the link: ".." pops to the folder the walk came from and never above the
// root, and an absolute target is taken only when it lies under the root (`roots`: its
// path as configured and its real path) and is then walked from the root descriptor.
// Whatever is swapped in meanwhile, each step starts from a descriptor inside the folder,
// so nothing outside it is ever opened; a check of the resolved path followed by open()
// would guard only the last name. nullopt for anything missing, outside, not a regular
// file or folder (FIFO, device, socket: never opened), or over kMaxSymlinks links.
std::optional<Opened> open_beneath(int root_fd, const std::vector<std::string>& roots,
                                   const std::vector<std::string>& names) {
    std::vector<FileDescriptor> folders; // the walk's folders below the root, in order
    auto current = [&] { return folders.empty() ? root_fd : folders.back().get(); };
    std::deque<std::string> pending(names.begin(), names.end());
    int links = 0;
    while (!pending.empty()) {
        const std::string name = std::move(pending.front());
        pending.pop_front();
        // Only a link's target holds these: a request's names were checked already.
        if (name.empty() || name == ".") continue;
        if (name == "..") {
            if (folders.empty()) return std::nullopt; // above the root
            folders.pop_back();
            continue;
        }
        FileDescriptor node(::openat(current(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
        struct stat info {};
        if (node.get() < 0 || ::fstat(node.get(), &info) != 0) return std::nullopt;
        if (S_ISLNK(info.st_mode)) {
            if (++links > kMaxSymlinks) return std::nullopt;
            std::string target(PATH_MAX, '\0');
            // The link this descriptor opened, not whatever has the name by now.
            const ssize_t length = ::readlinkat(node.get(), "", target.data(), target.size());
            if (length <= 0 || static_cast<size_t>(length) >= target.size()) return std::nullopt;
            target.resize(static_cast<size_t>(length));
            std::string_view rest(target);
            if (rest.front() == '/') {
                const std::optional<std::string_view> below = below_root(rest, roots);
                if (!below) return std::nullopt; // an absolute path out of the folder
                folders.clear();
                rest = *below;
            }
            insert_parts(pending, pending.begin(), rest);
            continue;
        }
        if (S_ISDIR(info.st_mode)) {
            if (pending.empty()) return Opened{std::move(node), info};
            folders.push_back(std::move(node));
            continue;
        }
        if (!S_ISREG(info.st_mode) || !pending.empty()) return std::nullopt;
        // O_NONBLOCK and O_NOFOLLOW: should the name have become a FIFO or a link since
        // it was looked at, open() neither hangs nor follows it, and the check below
        // that it is still the same file refuses it.
        FileDescriptor file(
            ::openat(current(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
        struct stat opened {};
        if (file.get() < 0 || ::fstat(file.get(), &opened) != 0 || !S_ISREG(opened.st_mode) ||
            opened.st_dev != info.st_dev || opened.st_ino != info.st_ino)
            return std::nullopt;
        return Opened{std::move(file), opened};
    }
    // No names at all: the root itself.
    FileDescriptor self(::openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
    struct stat info {};
    if (self.get() < 0 || ::fstat(self.get(), &info) != 0) return std::nullopt;
    return Opened{std::move(self), info};
}

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

    // The root is opened on every request, so a deployment that swaps a symlink to a new
    // release folder is served from the new one at once. The root itself may be a
    // symlink; below it, open_beneath walks every name.
    FileDescriptor root_fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (root_fd.get() < 0) return not_found();
    std::vector<std::string> roots{root.lexically_normal().string()};
    std::error_code ec;
    if (const fs::path real_root = fs::canonical(root, ec); !ec)
        roots.push_back(real_root.string());

    std::optional<Opened> opened = open_beneath(root_fd.get(), roots, request->segments);
    if (!opened) return not_found();
    std::string name = request->segments.empty() ? std::string() : request->segments.back();
    if (S_ISDIR(opened->info.st_mode)) {
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
        std::vector<std::string> index = request->segments;
        index.emplace_back("index.html");
        opened = open_beneath(root_fd.get(), roots, index);
        if (!opened || !S_ISREG(opened->info.st_mode)) return not_found();
        name = "index.html";
    } else if (request->trailing_slash) {
        return not_found(); // "file.html/" names a folder that is not there
    }
    const FileDescriptor file = std::move(opened->fd);
    const struct stat& info = opened->info;
    // For the log only: where the file is, as the request named it.
    fs::path shown = root;
    for (const std::string& segment : request->segments) shown /= segment;
    const auto size = static_cast<uint64_t>(info.st_size);
    if (size > kMaxStaticFileBytes) {
        StaticAnswer too_large;
        too_large.status = 500;
        too_large.problem = "dashboard file '" + shown.string() + "' has " + std::to_string(size) +
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
                "cannot read dashboard file '" + shown.string() + "': " + std::strerror(errno);
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

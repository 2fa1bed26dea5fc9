#include "files/safe_path.hpp"

#include "auth/url_decoding.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <climits>
#include <deque>
#include <filesystem>

namespace switchyard {

namespace {

// Symlinks followed in one walk at most, as the kernel's own limit (ELOOP).
constexpr int kMaxSymlinks = 40;

// Inserts the non-empty '/'-separated parts of `path` into `out` before `at`, in order.
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
// given, and its real path), or nullopt when it lies under neither.
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

// Opens `names` beneath the folder `root_fd` one name at a time: every name is opened
// with openat(O_PATH | O_NOFOLLOW) from the descriptor of the folder before it, so a name
// that is a symlink opens the link, not what it points to. A link's target (readlinkat) is
// walked the same way from the folder holding the link: ".." pops to the folder the walk
// came from and never above the root, and an absolute target is taken only when it lies
// under the root (`roots`) and is then walked from the root descriptor. A check of the
// resolved path followed by open() would guard only the last name.
std::optional<OpenedFile> open_beneath(int root_fd, const std::vector<std::string>& roots,
                                       const std::vector<std::string>& names) {
    std::vector<UniqueFd> folders; // the walk's folders below the root, in order
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
        UniqueFd node(::openat(current(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
        struct stat info {};
        if (!node || ::fstat(node.get(), &info) != 0) return std::nullopt;
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
                if (!below) return std::nullopt; // an absolute path out of the root
                folders.clear();
                rest = *below;
            }
            insert_parts(pending, pending.begin(), rest);
            continue;
        }
        if (S_ISDIR(info.st_mode)) {
            if (pending.empty()) return std::nullopt; // a folder is no file
            folders.push_back(std::move(node));
            continue;
        }
        if (!S_ISREG(info.st_mode) || !pending.empty()) return std::nullopt;
        // O_NONBLOCK and O_NOFOLLOW: should the name have become a FIFO or a link since
        // it was looked at, open() neither hangs nor follows it, and the check below
        // that it is still the same file refuses it.
        UniqueFd file(
            ::openat(current(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
        struct stat opened {};
        if (!file || ::fstat(file.get(), &opened) != 0 || !S_ISREG(opened.st_mode) ||
            opened.st_dev != info.st_dev || opened.st_ino != info.st_ino)
            return std::nullopt;
        return OpenedFile{std::move(file), opened};
    }
    return std::nullopt; // no names: the root, a folder
}

} // namespace

std::optional<SafePath> parse_safe_path(std::string_view encoded_path) {
    // An origin-form path starts with '/'; anything else ("*", "http://...") names no file.
    if (encoded_path.empty() || encoded_path.front() != '/') return std::nullopt;
    // A path is no query: '+' is a plus sign there.
    const std::optional<std::string> decoded = auth::percent_decode(encoded_path, false);
    if (!decoded) return std::nullopt;
    SafePath path;
    std::string_view rest(*decoded);
    path.trailing_slash = rest.back() == '/';
    while (!rest.empty()) {
        const size_t slash = rest.find('/');
        const std::string_view segment = rest.substr(0, slash);
        rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
        if (segment.empty()) continue; // "//" and the leading '/': no name
        // "." and ".." would walk the tree; other dotfiles (.git, .env) are not the
        // root's to publish. NUL ends a name in every system call; a backslash is a
        // separator to some clients and proxies, so it would not mean one thing.
        if (segment.front() == '.') return std::nullopt;
        if (segment.find('\0') != std::string_view::npos) return std::nullopt;
        if (segment.find('\\') != std::string_view::npos) return std::nullopt;
        path.segments.emplace_back(segment);
    }
    return path;
}

std::optional<OpenedFile> open_under_root(const std::string& root, std::string_view encoded_path) {
    const std::optional<SafePath> path = parse_safe_path(encoded_path);
    if (!path || path->trailing_slash || path->segments.empty()) return std::nullopt;
    if (root.empty() || root.front() != '/') return std::nullopt; // only absolute roots
    // The root is opened on every request, so a deployment that swaps a symlink to a new
    // release folder is served from the new one at once. The root itself may be a
    // symlink; below it, open_beneath walks every name.
    UniqueFd root_fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root_fd) return std::nullopt;
    std::vector<std::string> roots{std::filesystem::path(root).lexically_normal().string()};
    std::error_code ec;
    if (const auto real_root = std::filesystem::canonical(root, ec); !ec)
        roots.push_back(real_root.string());
    return open_beneath(root_fd.get(), roots, path->segments);
}

} // namespace switchyard

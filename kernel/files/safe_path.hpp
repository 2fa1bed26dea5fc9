// Opening a file a request names under a root folder, when every request path is hostile.
//
// The path is percent-decoded once (so %2e%2e and %2f count as what they decode to, and a
// double-encoded %252e stays the literal text "%2e"), then refused when it holds a NUL, a
// backslash, a bad escape or a segment starting with '.' ("..", ".", dotfiles such as
// .git). What is left is opened one name at a time from a descriptor of the root (openat
// with O_NOFOLLOW, never a whole path), so what the file system looks like between a check
// and the open does not matter. Symlinks inside the root are followed while every step
// stays inside: each link is read and its target walked the same way, ".." never above
// the root, an absolute target only under the root's own path. A symlink pointing out is
// refused, and so is one swapped in mid-request. Only regular files are opened (a FIFO,
// device or socket never is). Blocking file-system calls: never on a network worker.
#pragma once

#include "files/unique_fd.hpp"

#include <sys/stat.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard {

// A request path's segments, percent-decoded, empty ones dropped; nullopt when the path
// must be refused (see the file comment). `trailing_slash`: it ended with '/'.
struct SafePath {
    std::vector<std::string> segments;
    bool trailing_slash = false;
};
std::optional<SafePath> parse_safe_path(std::string_view encoded_path);

// A regular file opened for reading, and what fstat said of it.
struct OpenedFile {
    UniqueFd fd;
    struct stat info {};
};

// Opens the regular file `encoded_path` names under the folder `root`; nullopt when the
// path is refused, missing, outside the root, a folder or not a regular file.
std::optional<OpenedFile> open_under_root(const std::string& root, std::string_view encoded_path);

} // namespace switchyard

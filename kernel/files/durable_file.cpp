#include "files/durable_file.hpp"

#include "files/unique_fd.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace switchyard {

namespace {

std::string failure(std::string_view what, const std::filesystem::path& path) {
    return std::string(what) + " " + path.string() + ": " + std::strerror(errno);
}

// Makes a rename or an unlink in `folder` durable.
std::string sync_folder(const std::filesystem::path& folder) {
    const UniqueFd dir(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir) return failure("open", folder);
    if (::fsync(dir.get()) != 0) return failure("fsync", folder);
    return {};
}

std::string write_all(int fd, std::string_view bytes, const std::filesystem::path& path) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return failure("write", path);
        }
        bytes.remove_prefix(static_cast<size_t>(n));
    }
    return {};
}

} // namespace

std::string make_private_folder(const std::filesystem::path& folder) {
    std::error_code ec;
    if (std::filesystem::is_directory(folder, ec)) return {};
    if (folder.has_parent_path() && folder.parent_path() != folder) {
        if (std::string why = make_private_folder(folder.parent_path()); !why.empty()) return why;
    }
    if (::mkdir(folder.c_str(), 0700) != 0 && errno != EEXIST) return failure("mkdir", folder);
    return {};
}

std::string write_durably(const std::filesystem::path& folder, std::string_view name,
                          std::string_view bytes) {
    const std::filesystem::path target = folder / std::string(name);
    const std::filesystem::path temporary = folder / ("." + std::string(name) + ".tmp");
    {
        const UniqueFd file(
            ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
        if (!file) return failure("open", temporary);
        // A file left by an older umask or hand: only the server's user reads state.
        ::fchmod(file.get(), 0600);
        std::string why = write_all(file.get(), bytes, temporary);
        if (why.empty() && ::fsync(file.get()) != 0) why = failure("fsync", temporary);
        if (!why.empty()) {
            ::unlink(temporary.c_str());
            return why;
        }
    }
    if (::rename(temporary.c_str(), target.c_str()) != 0) {
        std::string why = failure("rename to", target);
        ::unlink(temporary.c_str());
        return why;
    }
    return sync_folder(folder);
}

std::string remove_durably(const std::filesystem::path& folder, std::string_view name) {
    const std::filesystem::path target = folder / std::string(name);
    if (::unlink(target.c_str()) != 0) {
        if (errno == ENOENT) return {};
        return failure("unlink", target);
    }
    return sync_folder(folder);
}

} // namespace switchyard

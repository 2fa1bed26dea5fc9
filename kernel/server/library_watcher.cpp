#include "server/library_watcher.hpp"

#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace switchyard {

namespace fs = std::filesystem;

namespace {
// Written, moved in, or created: every way a build puts a new library in place.
constexpr uint32_t kEvents = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY;

int open_inotify() {
    const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) throw std::runtime_error(std::string("inotify: ") + std::strerror(errno));
    return fd;
}
} // namespace

LibraryWatcher::LibraryWatcher(boost::asio::io_context& io, Changed changed,
                               std::chrono::milliseconds quiet)
    : io_(io), changed_(std::move(changed)), quiet_(quiet), stream_(io, open_inotify()) {
    read_events();
}

LibraryWatcher::~LibraryWatcher() {
    boost::system::error_code ec;
    stream_.close(ec);
}

void LibraryWatcher::watch(const std::string& plugin, const fs::path& library) {
    forget(plugin);
    const fs::path file = fs::absolute(library).lexically_normal();
    const fs::path folder = file.parent_path();
    bool watched = false;
    for (const auto& [wd, path] : folders_) watched = watched || path == folder;
    if (!watched) {
        const int wd = ::inotify_add_watch(stream_.native_handle(), folder.c_str(), kEvents);
        if (wd < 0) {
            spdlog::error("plugin {}: cannot watch {}: {}", plugin, folder.string(),
                          std::strerror(errno));
            return;
        }
        folders_[wd] = folder;
    }
    plugins_[file] = plugin;
    spdlog::info("plugin {}: watching {} for changes (hot_reload)", plugin, file.string());
}

void LibraryWatcher::forget(const std::string& plugin) {
    for (auto it = plugins_.begin(); it != plugins_.end();) {
        it = it->second == plugin ? plugins_.erase(it) : std::next(it);
    }
    debounce_.erase(plugin);
}

void LibraryWatcher::read_events() {
    stream_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                       [this](const boost::system::error_code& ec) {
                           if (ec) return;
                           for (;;) {
                               const ssize_t n =
                                   ::read(stream_.native_handle(), buffer_, sizeof buffer_);
                               if (n <= 0) break;
                               for (ssize_t offset = 0; offset < n;) {
                                   const auto* event =
                                       reinterpret_cast<const inotify_event*>(buffer_ + offset);
                                   auto folder = folders_.find(event->wd);
                                   if (folder != folders_.end() && event->len > 0) {
                                       file_changed(folder->second / event->name);
                                   }
                                   offset += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
                               }
                           }
                           read_events();
                       });
}

void LibraryWatcher::file_changed(const fs::path& file) {
    auto it = plugins_.find(file);
    if (it == plugins_.end()) return;
    const std::string plugin = it->second;
    auto& timer = debounce_[plugin];
    if (!timer) timer = std::make_unique<boost::asio::steady_timer>(io_);
    // Every new event restarts the quiet period: the reload comes once writing stopped.
    timer->expires_after(quiet_);
    timer->async_wait([this, plugin](const boost::system::error_code& ec) {
        if (!ec) changed_(plugin);
    });
}

} // namespace switchyard

// Watches plugin library files (kernel.hot_reload = true) and reports a plugin whose
// file changed once the file has been quiet for a moment, so a linker writing it in
// several steps causes one reload, not many, and a half-written file is not loaded
// while it is still being written.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace switchyard {

class LibraryWatcher {
  public:
    using Changed = std::function<void(const std::string& plugin)>;

    // Watches with inotify on `io`; `changed` runs on io's thread. Throws
    // std::runtime_error when inotify is not available.
    LibraryWatcher(boost::asio::io_context& io, Changed changed,
                   std::chrono::milliseconds quiet = std::chrono::milliseconds(300));
    ~LibraryWatcher();
    LibraryWatcher(const LibraryWatcher&) = delete;
    LibraryWatcher& operator=(const LibraryWatcher&) = delete;

    // Reports `plugin` when `library` changes (its folder is watched, so a file replaced
    // by rename is seen too). Replaces what was watched for `plugin` before.
    void watch(const std::string& plugin, const std::filesystem::path& library);
    // Stops reporting `plugin`.
    void forget(const std::string& plugin);

  private:
    void read_events();
    void file_changed(const std::filesystem::path& file);

    boost::asio::io_context& io_;
    Changed changed_;
    std::chrono::milliseconds quiet_;
    boost::asio::posix::stream_descriptor stream_;
    std::map<int, std::filesystem::path> folders_;              // watch descriptor → folder
    std::map<std::filesystem::path, std::string> plugins_;      // library file → plugin
    std::map<std::string, std::unique_ptr<boost::asio::steady_timer>> debounce_;
    alignas(8) char buffer_[16 * 1024];
};

} // namespace switchyard

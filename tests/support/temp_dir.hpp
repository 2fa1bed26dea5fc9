// A fresh private directory under the system temp dir, removed with its contents.
#pragma once

#include <filesystem>
#include <string_view>

namespace switchyard::test {

class TempDir {
  public:
    // Creates /tmp/switchyard-<tag>-XXXXXX (mkdtemp). Throws std::system_error on failure.
    explicit TempDir(std::string_view tag = "test");
    TempDir(TempDir&& other) noexcept;
    TempDir& operator=(TempDir&& other) noexcept;
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    // Removes the directory and everything in it.
    ~TempDir();

    // The directory's absolute path.
    const std::filesystem::path& path() const { return path_; }
    // Writes `text` to <dir>/<name> (replacing it) and returns the file's path.
    std::filesystem::path write(std::string_view name, std::string_view text) const;

  private:
    void remove() noexcept;

    std::filesystem::path path_;
};

} // namespace switchyard::test

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

// Writes `text` to `file` (replacing it), creating the folders above it. Throws
// std::runtime_error when it cannot.
void write_file(const std::filesystem::path& file, std::string_view text);

} // namespace switchyard::test

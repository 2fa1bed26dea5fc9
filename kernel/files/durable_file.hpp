// Writing and removing a file so that a crash leaves the old contents or the new ones,
// never part of either: the bytes go to a temporary file in the same folder, which is
// fsynced and renamed over the target, then the folder is fsynced (the rename itself is
// on disk). Temporary files are named ".<name>.tmp": a reader of the folder skips names
// starting with '.' and so never sees one a crash left behind.
//
// Blocking: call these off the network workers (the state writer's thread).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace switchyard {

// Creates `folder` (and what is missing above it) with mode 0700. "" on success, else
// why not.
std::string make_private_folder(const std::filesystem::path& folder);

// Replaces <folder>/<name> with `bytes` (mode 0600) durably. "" on success, else why not.
std::string write_durably(const std::filesystem::path& folder, std::string_view name,
                          std::string_view bytes);

// Removes <folder>/<name> durably; a file that is not there is not an error. "" on
// success, else why not.
std::string remove_durably(const std::filesystem::path& folder, std::string_view name);

} // namespace switchyard

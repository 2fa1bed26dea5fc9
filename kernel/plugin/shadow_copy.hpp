// Loading a plugin through a private copy of its library file.
//
// The dynamic loader caches images by path and inode, and a build that rewrites the
// file in place under a mapped image crashes the process. So the kernel never maps the
// configured file itself: it copies it to `<shadow_dir>/<name>.<n>.so`, loads the copy
// and unlinks it at once (the mapping stays valid; nothing is left to clean up).
//
// `n` counts the loads of plugin `name` in this process (at start, on each reload and
// each SIGHUP check), so no two loads ever use the same path: dlopen of a path it has
// mapped already hands back the image it has, and an image can outlive its load (one a
// reload gave up, one the loader cannot unmap). While every reload is accepted, `n` is
// the generation it serves.
#pragma once

#include "config/config.hpp"
#include "plugin/plugin_library.hpp"

#include <filesystem>
#include <memory>

namespace switchyard {

// Loads `source` through a fresh shadow copy in `shadow_dir`, and checks it against the
// plugin's config. Throws PluginLoadError naming `source`, never the copy.
std::unique_ptr<PluginLibrary> load_shadow_copy(const std::filesystem::path& source,
                                                const std::filesystem::path& shadow_dir,
                                                const PluginConfig& config);

// A fresh private directory for shadow copies, removed by the caller at exit.
std::filesystem::path make_shadow_dir();

} // namespace switchyard

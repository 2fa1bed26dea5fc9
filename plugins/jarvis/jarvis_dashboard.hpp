// The dashboard's files (issue 5: `dashboard_dir` served at /; issue 9: served by the
// kernel's file service, and the dashboard jarvis ships when no dashboard_dir is given).
//
// The plugin reads no file itself: a page request becomes host->respond_file with the
// folder and the request's path, and the kernel looks the path up (one name at a time
// from the folder's descriptor, nothing outside it, dotfiles refused), answers with the
// MIME type, ETag/304, HEAD and Range, and sends the file off the network threads. What
// the plugin decides is which folder, and which file a path ending in '/' names.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace switchyard::jarvis {

// The name of the folder the build copies plugins/jarvis/dashboard/ to, beside jarvis.so.
inline constexpr std::string_view kShippedDashboardName = "jarvis-dashboard";

// Checks the configured folder when the plugin starts: it must be an existing folder.
// Throws std::invalid_argument naming 'dashboard_dir' otherwise.
void check_dashboard_dir(const std::filesystem::path& dir);

// The dashboard jarvis ships, as an absolute folder, or "" when it is not installed. The
// kernel loads a plugin through a private copy of its library, so the plugin cannot find
// its own file: it looks beside the build tree's plugin folder (<switchyard binary>/../
// plugins, as the kernel's own default), then where the package installs it
// (<switchyard binary>/../share/switchyard, /usr/share/switchyard installed), then where
// the build put it (a path compiled in).
std::string shipped_dashboard_dir();

// The file a dashboard request path names under the folder: the path itself, or its
// index.html when it ends with '/' ("/" is "/index.html"). Still percent-encoded.
std::string dashboard_file(std::string_view request_path);

} // namespace switchyard::jarvis

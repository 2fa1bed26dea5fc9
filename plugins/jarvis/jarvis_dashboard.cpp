#include "jarvis_dashboard.hpp"

#include <stdexcept>
#include <system_error>
#include <vector>

#ifndef JARVIS_SHIPPED_DASHBOARD_DIR
#define JARVIS_SHIPPED_DASHBOARD_DIR ""
#endif

namespace switchyard::jarvis {
namespace fs = std::filesystem;

void check_dashboard_dir(const fs::path& dir) {
    std::error_code ec;
    const fs::file_status status = fs::status(dir, ec);
    if (ec || !fs::is_directory(status)) {
        throw std::invalid_argument("config key 'dashboard_dir': '" + dir.string() +
                                    "' is not a folder" +
                                    (ec ? " (" + ec.message() + ")" : std::string()));
    }
}

std::string shipped_dashboard_dir() {
    std::error_code ec;
    std::vector<fs::path> candidates;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const fs::path prefix = self.parent_path().parent_path();
        // A build tree: build/bin/switchyard, build/plugins/jarvis-dashboard.
        candidates.push_back(prefix / "plugins" / kShippedDashboardName);
        // Installed (the .deb, or the package unpacked anywhere):
        // <prefix>/bin/switchyard, <prefix>/share/switchyard/jarvis-dashboard.
        candidates.push_back(prefix / "share" / "switchyard" / kShippedDashboardName);
    }
    candidates.emplace_back(JARVIS_SHIPPED_DASHBOARD_DIR);
    for (const fs::path& candidate : candidates) {
        if (candidate.empty() || !candidate.is_absolute()) continue;
        if (fs::is_directory(candidate, ec)) return candidate.lexically_normal().string();
    }
    return {};
}

std::string dashboard_file(std::string_view request_path) {
    std::string file(request_path);
    if (file.empty() || file.back() == '/') file += "index.html";
    return file;
}

} // namespace switchyard::jarvis

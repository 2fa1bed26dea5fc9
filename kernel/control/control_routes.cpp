#include "control/control_routes.hpp"

#include <array>

namespace switchyard {

namespace {

// The control API's routes, as ControlApi::handle serves them: a path no route matches is
// counted as "other", so a raw path never becomes a label.
constexpr std::array<std::string_view, 14> kRoutes = {
    "/healthz",
    "/readyz",
    "/metrics",
    "/api/v1/publish",
    "/api/v1/events",
    "/api/v1/plugins",
    "/api/v1/plugins/{name}/reload",
    "/api/v1/plugins/{name}/enable",
    "/api/v1/plugins/{name}/disable",
    "/api/v1/streams",
    "/console",
    "/console/{path...}",
    // Below the ones above: the catch-alls of their prefixes.
    "/api/v1/plugins/{name}/{action}",
    "other",
};

// The first segment of `path` (which starts after a '/'), and the rest after it.
std::string_view first_segment(std::string_view path) {
    return path.substr(0, path.find('/'));
}

bool matches(std::string_view pattern, std::string_view path) {
    while (true) {
        if (pattern.empty() || path.empty()) return pattern.empty() && path.empty();
        if (pattern.front() != '/' || path.front() != '/') return false;
        pattern.remove_prefix(1);
        path.remove_prefix(1);
        const std::string_view want = first_segment(pattern);
        const std::string_view have = first_segment(path);
        if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
            if (have.empty()) return false;
            if (want.ends_with("...}")) return true; // the rest, whatever it is
        } else if (want != have) {
            return false;
        }
        pattern.remove_prefix(want.size());
        path.remove_prefix(have.size());
    }
}

} // namespace

std::span<const std::string_view> control_route_labels() noexcept {
    return kRoutes;
}

size_t control_route_index(std::string_view path) noexcept {
    for (size_t i = 0; i + 1 < kRoutes.size(); ++i) {
        if (matches(kRoutes[i], path)) return i;
    }
    return kRoutes.size() - 1;
}

} // namespace switchyard

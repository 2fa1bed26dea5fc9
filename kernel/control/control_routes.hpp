// The route label of a control API request, for /metrics: the route's pattern
// ("/api/v1/plugins/{name}/reload"), never the raw path, so that the labels stay a small
// fixed set whatever clients ask for. A new route gets a line in the table in
// control_routes.cpp.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace switchyard {

// Every route label, the table's patterns in order, then "other" (any path no pattern
// matches) last.
std::span<const std::string_view> control_route_labels() noexcept;

// The index in control_route_labels() of the route `path` (no query) belongs to. In a
// pattern, "{x}" matches one non-empty path segment, and a last "{x...}" the rest of the
// path (one segment or more).
size_t control_route_index(std::string_view path) noexcept;

} // namespace switchyard

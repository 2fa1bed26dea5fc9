// The control API's view of the plugins of a running kernel: GET /api/v1/plugins and
// POST /api/v1/plugins/{name}/reload.
#pragma once

#include "http_client.hpp"
#include "kernel_process.hpp"

#include <boost/json/object.hpp>

#include <string_view>

namespace switchyard::test {

// The entry of plugin `name` in GET /api/v1/plugins, as it is now. Throws
// std::runtime_error quoting the answer when the call fails or names no such plugin.
boost::json::object plugin_status(const KernelProcess& kernel, std::string_view name);

// POST /api/v1/plugins/<name>/reload, answered whatever the status.
HttpResponse reload_plugin(const KernelProcess& kernel, std::string_view name);

} // namespace switchyard::test

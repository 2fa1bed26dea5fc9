// What GET /api/v1/plugins says about one plugin right now, for tests that wait until a
// reload, an enable or a disable shows there.
#pragma once

#include "kernel_process.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard::test {

// Plugin `name`'s entry in GET /api/v1/plugins now; nothing when it is not listed. Throws
// std::runtime_error when the API answers anything but 200 with a plugin list.
std::optional<boost::json::object> listed_plugin(const KernelProcess& kernel,
                                                 std::string_view name);

// Its "generation"; 0 when it is not listed.
uint64_t listed_generation(const KernelProcess& kernel, std::string_view name);

// Its "generation" once no reload of it is under way (its "state" is "running"); 0 while
// one is, or when it is not listed. A reload shows its new generation a moment before it
// has finished (state "reloading"): wait on this one to see the reload's whole effect.
uint64_t settled_generation(const KernelProcess& kernel, std::string_view name);

// Its "state" ("running", "disabled"...); "" when it is not listed.
std::string listed_state(const KernelProcess& kernel, std::string_view name);

// Its "version"; "" when it is not listed.
std::string listed_version(const KernelProcess& kernel, std::string_view name);

// The port of its endpoint `endpoint`; 0 when it is not listed or has no such endpoint.
uint16_t listed_port(const KernelProcess& kernel, std::string_view name,
                     std::string_view endpoint = "default");

// The port of endpoint `endpoint` in one entry of the list; 0 when it has none.
uint16_t endpoint_port(const boost::json::object& plugin, std::string_view endpoint = "default");

// The whole GET /api/v1/plugins body now, for failure messages.
std::string plugin_list_text(const KernelProcess& kernel);

} // namespace switchyard::test

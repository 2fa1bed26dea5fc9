// Publishing into a running kernel's bus through its control API.
#pragma once

#include "kernel_process.hpp"

#include <cstdint>
#include <string_view>

namespace switchyard::test {

// POSTs one event (its JSON text) to /api/v1/publish and returns the seq it got. Throws
// std::runtime_error with the status and body unless the answer is 200 {"seq": N}.
uint64_t publish(const KernelProcess& kernel, std::string_view event_json);

} // namespace switchyard::test

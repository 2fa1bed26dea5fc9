// The logs of the kernels a test started, kept after each kernel is gone, so a test
// runner hook can print them when the test failed (tests/integration/kernel_log_listener.cpp).
#pragma once

#include <string>

namespace switchyard::test {

// Keeps `log` (a stopped kernel's labelled output) until the next take_kernel_logs().
void remember_kernel_log(std::string log);

// Everything remembered since the last call, oldest first, and forgets it.
std::string take_kernel_logs();

} // namespace switchyard::test

// The lines a running kernel logged, for tests that wait until it reports something
// (a reload, a refused config) or count how often it did.
#pragma once

#include "kernel_process.hpp"

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>

namespace switchyard::test {

// The kernel's stderr (its log) so far, without the config file that
// KernelProcess::log() shows before it: a word found here was written by the kernel.
std::string kernel_stderr(const KernelProcess& kernel);

// How many lines of kernel_stderr() contain every one of `words`.
size_t count_log_lines(const KernelProcess& kernel, std::initializer_list<std::string_view> words);

} // namespace switchyard::test

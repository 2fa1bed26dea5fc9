// What /proc says about a process's memory: the files it has mapped and its resident
// set, for tests that check repeated plugin reloads leak neither.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

namespace switchyard::test {

// The distinct paths of the files process `pid` maps (/proc/<pid>/maps) that contain
// `part`. A file deleted since it was mapped is listed under its path without the
// kernel's " (deleted)" mark. Throws std::runtime_error when maps cannot be read.
std::set<std::string> mapped_files(pid_t pid, std::string_view part);

// The resident set size of process `pid` in KiB (VmRSS of /proc/<pid>/status). Throws
// std::runtime_error when it cannot be read.
uint64_t resident_kib(pid_t pid);

} // namespace switchyard::test

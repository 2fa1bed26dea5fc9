// A look at a library file before dlopen maps it.
//
// glibc maps an ELF file's loadable segments as its program headers describe them, even
// past the end of a file that was cut short (a build still writing it, a copy that
// stopped), and the first touch of the missing pages kills the process with SIGBUS. So
// the kernel checks that every segment it is about to map is really in the file.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace switchyard {

// Why the 64-bit ELF file at `path` cannot be mapped safely (truncated headers or
// segments), or nullopt. A file that is not ELF at all is left to dlopen to refuse.
std::optional<std::string> truncated_elf_problem(const std::filesystem::path& path);

} // namespace switchyard

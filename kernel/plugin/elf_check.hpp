// A look at a library file before dlopen maps it.
//
// glibc maps an ELF file's loadable segments as its program headers describe them, even
// past the end of a file that was cut short (a build still writing it, a copy that
// stopped), and the first touch of the missing pages kills the process with SIGBUS. So
// the kernel checks that every segment it is about to map is really in the file.
//
// glibc also never unloads a library that defines an STB_GNU_UNIQUE symbol (what GCC
// makes of an inline function's static local or a template's static member unless it is
// given -fno-gnu-unique): every reload would leave one more image mapped, and dlopen of a
// path it still maps hands back that image instead of the new code. Such a library is
// refused before it is mapped, so none of its code runs.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace switchyard {

// Why the 64-bit ELF file at `path` cannot be mapped safely (truncated headers or
// segments), or nullopt. A file that is not ELF at all is left to dlopen to refuse.
std::optional<std::string> truncated_elf_problem(const std::filesystem::path& path);

// Why the 64-bit ELF file at `path` could never be unloaded (it defines STB_GNU_UNIQUE
// symbols in its dynamic symbol table; the message names one and the flag to build
// with), or nullopt. A file whose symbol table cannot be read is left to dlopen.
std::optional<std::string> gnu_unique_problem(const std::filesystem::path& path);

} // namespace switchyard

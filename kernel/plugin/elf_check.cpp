#include "plugin/elf_check.hpp"

#include <elf.h>

#include <cstring>
#include <fstream>
#include <vector>

namespace switchyard {

std::optional<std::string> truncated_elf_problem(const std::filesystem::path& path) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) return std::nullopt; // dlopen says why it cannot open it
    std::ifstream file(path, std::ios::binary);
    Elf64_Ehdr header{};
    if (!file.read(reinterpret_cast<char*>(&header), sizeof header)) return std::nullopt;
    if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 || header.e_ident[EI_CLASS] != ELFCLASS64) {
        return std::nullopt;
    }
    const uint64_t table_end =
        header.e_phoff + static_cast<uint64_t>(header.e_phnum) * header.e_phentsize;
    if (header.e_phentsize != sizeof(Elf64_Phdr) || table_end > size) {
        return "the file is cut short (" + std::to_string(size) +
               " bytes, its program headers end at " + std::to_string(table_end) +
               "): still being written?";
    }
    // The linker writes the section header table last: a file that does not reach its end
    // is not finished, even when every segment is already there.
    const uint64_t sections_end =
        header.e_shoff + static_cast<uint64_t>(header.e_shnum) * header.e_shentsize;
    if (header.e_shoff != 0 && sections_end > size) {
        return "the file is cut short (" + std::to_string(size) +
               " bytes, its section headers end at " + std::to_string(sections_end) +
               "): still being written?";
    }
    std::vector<Elf64_Phdr> segments(header.e_phnum);
    file.seekg(static_cast<std::streamoff>(header.e_phoff));
    if (!file.read(reinterpret_cast<char*>(segments.data()),
                   static_cast<std::streamsize>(segments.size() * sizeof(Elf64_Phdr)))) {
        return "the file's program headers cannot be read";
    }
    for (const Elf64_Phdr& segment : segments) {
        if (segment.p_type != PT_LOAD) continue;
        if (segment.p_offset + segment.p_filesz > size) {
            return "the file is cut short (" + std::to_string(size) +
                   " bytes, a segment ends at " + std::to_string(segment.p_offset + segment.p_filesz) +
                   "): still being written?";
        }
    }
    return std::nullopt;
}

} // namespace switchyard

#include "plugin/elf_check.hpp"

#include <cxxabi.h>
#include <elf.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

namespace switchyard {

namespace {

// Reads `count` items of T at `offset` of `file` (`size` bytes long); empty when they are
// not all in the file.
template <class T>
std::vector<T> read_items(std::ifstream& file, uint64_t size, uint64_t offset, uint64_t count) {
    if (offset > size || count > (size - offset) / sizeof(T)) return {};
    std::vector<T> items(count);
    file.seekg(static_cast<std::streamoff>(offset));
    if (!file.read(reinterpret_cast<char*>(items.data()),
                   static_cast<std::streamsize>(count * sizeof(T)))) {
        return {};
    }
    return items;
}

// A symbol's name as C++ source spells it, or as it is when it is not a mangled name.
std::string demangled(const std::string& name) {
    int status = 0;
    std::unique_ptr<char, decltype(&std::free)> text(
        abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status), &std::free);
    return status == 0 && text ? std::string(text.get()) : name;
}

// The names of the STB_GNU_UNIQUE symbols that dynamic symbol table `table` defines.
std::vector<std::string> unique_symbols(std::ifstream& file, uint64_t size,
                                        const std::vector<Elf64_Shdr>& sections,
                                        const Elf64_Shdr& table) {
    std::vector<std::string> names;
    if (table.sh_entsize != sizeof(Elf64_Sym) || table.sh_link >= sections.size()) return names;
    const auto symbols =
        read_items<Elf64_Sym>(file, size, table.sh_offset, table.sh_size / sizeof(Elf64_Sym));
    const Elf64_Shdr& strings_section = sections[table.sh_link];
    const auto strings =
        read_items<char>(file, size, strings_section.sh_offset, strings_section.sh_size);
    for (const Elf64_Sym& symbol : symbols) {
        if (ELF64_ST_BIND(symbol.st_info) != STB_GNU_UNIQUE || symbol.st_shndx == SHN_UNDEF) {
            continue;
        }
        std::string name = "?";
        if (symbol.st_name < strings.size()) {
            const char* start = strings.data() + symbol.st_name;
            name.assign(start, strnlen(start, strings.size() - symbol.st_name));
        }
        names.push_back(std::move(name));
    }
    return names;
}

} // namespace

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

std::optional<std::string> gnu_unique_problem(const std::filesystem::path& path) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) return std::nullopt;
    std::ifstream file(path, std::ios::binary);
    Elf64_Ehdr header{};
    if (!file.read(reinterpret_cast<char*>(&header), sizeof header)) return std::nullopt;
    if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 ||
        header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_shentsize != sizeof(Elf64_Shdr)) {
        return std::nullopt;
    }
    const auto sections = read_items<Elf64_Shdr>(file, size, header.e_shoff, header.e_shnum);
    std::vector<std::string> names;
    for (const Elf64_Shdr& section : sections) {
        if (section.sh_type != SHT_DYNSYM) continue;
        auto found = unique_symbols(file, size, sections, section);
        names.insert(names.end(), found.begin(), found.end());
    }
    if (names.empty()) return std::nullopt;
    std::string problem = "it exports the STB_GNU_UNIQUE symbol " + demangled(names.front());
    if (names.size() > 1) problem += " and " + std::to_string(names.size() - 1) + " more";
    return problem +
           ": the dynamic loader never unloads such a library, so it could not be replaced "
           "by a hot reload; build it with -fno-gnu-unique (switchyard_add_plugin does)";
}

} // namespace switchyard

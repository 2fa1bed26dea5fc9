#include "process_memory.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace switchyard::test {

namespace {

std::ifstream open_proc_file(pid_t pid, std::string_view name) {
    const std::string path = "/proc/" + std::to_string(pid) + "/" + std::string(name);
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    return in;
}

} // namespace

std::set<std::string> mapped_files(pid_t pid, std::string_view part) {
    constexpr std::string_view kDeleted = " (deleted)";
    std::ifstream maps = open_proc_file(pid, "maps");
    std::set<std::string> paths;
    std::string line;
    while (std::getline(maps, line)) {
        // address perms offset dev inode path: the path starts at the first '/'.
        const auto slash = line.find('/');
        if (slash == std::string::npos) continue;
        std::string path = line.substr(slash);
        if (path.size() >= kDeleted.size() &&
            path.compare(path.size() - kDeleted.size(), kDeleted.size(), kDeleted) == 0)
            path.resize(path.size() - kDeleted.size());
        if (path.find(part) != std::string::npos) paths.insert(std::move(path));
    }
    return paths;
}

uint64_t resident_kib(pid_t pid) {
    std::ifstream status = open_proc_file(pid, "status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) != 0) continue;
        std::istringstream fields(line.substr(6));
        uint64_t kib = 0;
        if (fields >> kib) return kib;
    }
    throw std::runtime_error("no VmRSS in /proc/" + std::to_string(pid) + "/status");
}

} // namespace switchyard::test

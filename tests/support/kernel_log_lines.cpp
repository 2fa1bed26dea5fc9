#include "kernel_log_lines.hpp"

#include <sstream>

namespace switchyard::test {

namespace {
// The labels KernelProcess::log() puts around the kernel's stderr.
constexpr std::string_view kStderrLabel = "----- its stderr -----\n";
constexpr std::string_view kStdoutLabel = "----- its stdout -----";
} // namespace

std::string kernel_stderr(const KernelProcess& kernel) {
    const std::string log = kernel.log();
    const auto label = log.find(kStderrLabel);
    if (label == std::string::npos) return {};
    const auto begin = label + kStderrLabel.size();
    const auto end = log.find(kStdoutLabel, begin);
    return log.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

size_t count_log_lines(const KernelProcess& kernel, std::initializer_list<std::string_view> words) {
    std::istringstream lines(kernel_stderr(kernel));
    size_t count = 0;
    for (std::string line; std::getline(lines, line);) {
        bool all = true;
        for (const auto word : words) all = all && line.find(word) != std::string::npos;
        if (all) ++count;
    }
    return count;
}

} // namespace switchyard::test

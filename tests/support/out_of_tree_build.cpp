#include "out_of_tree_build.hpp"

#include "child_process.hpp"

#include <fstream>
#include <stdexcept>

namespace switchyard::test {

namespace fs = std::filesystem;

std::string cmake_command() {
    return SWITCHYARD_CMAKE_COMMAND;
}
std::string ctest_command() {
    return SWITCHYARD_CTEST_COMMAND;
}
fs::path source_dir() {
    return SWITCHYARD_SOURCE_DIR;
}
fs::path build_dir() {
    return SWITCHYARD_BUILD_DIR;
}

namespace {

std::string joined(const std::vector<std::string>& argv) {
    std::string line;
    for (const auto& arg : argv) line += (line.empty() ? "" : " ") + arg;
    return line;
}

} // namespace

std::string run_or_throw(const std::vector<std::string>& argv, std::chrono::seconds timeout) {
    const RunResult result = run_to_end(argv, timeout);
    if (result.exit_code != 0) {
        const std::string how = result.exit_code
                                    ? "exited with " + std::to_string(*result.exit_code)
                                    : "was killed at the timeout";
        throw std::runtime_error("`" + joined(argv) + "` " + how + ":\n" + result.out + result.err);
    }
    return result.out + result.err;
}

void install_sdk(const fs::path& prefix) {
    run_or_throw({cmake_command(), "--install", build_dir().string(), "--component", "sdk",
                  "--prefix", prefix.string()});
}

void build_against_sdk(const fs::path& source, const fs::path& build, const fs::path& prefix,
                       const std::vector<std::string>& extra_args) {
    std::vector<std::string> configure = {cmake_command(),
                                          "-S",
                                          source.string(),
                                          "-B",
                                          build.string(),
                                          "-DCMAKE_BUILD_TYPE=Release",
                                          "-DCMAKE_PREFIX_PATH=" + prefix.string(),
                                          "-DCMAKE_COMPILE_WARNING_AS_ERROR=ON"};
    configure.insert(configure.end(), extra_args.begin(), extra_args.end());
    run_or_throw(configure);
    run_or_throw({cmake_command(), "--build", build.string()});
}

std::string cmake_cache_value(const fs::path& build, const std::string& name) {
    std::ifstream cache(build / "CMakeCache.txt");
    std::string line;
    while (std::getline(cache, line)) {
        // NAME:TYPE=VALUE
        if (line.rfind(name + ":", 0) != 0) continue;
        const auto equals = line.find('=');
        if (equals != std::string::npos) return line.substr(equals + 1);
    }
    return {};
}

} // namespace switchyard::test

// The .deb (cmake/packaging.cmake): cpack run on this build tree, the package read with
// dpkg-deb (its control fields, conffiles and file list), unpacked into a temp dir and
// its binary started against its own config, ports moved to 0: it must find its plugins
// and jarvis its dashboard relative to itself. And the unit (packaging/switchyard.service)
// checked by systemd-analyze verify, offline, in a root of its own.
#include "kernel_process.hpp"
#include "out_of_tree_build.hpp"
#include "temp_dir.hpp"
#include "test_json.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

using namespace switchyard::test;
namespace fs = std::filesystem;

namespace {

const std::set<std::string> kProductPlugins{"groove.so", "jarvis.so", "clijaw.so", "jetstart.so",
                                            "claudecontrol.so"};

std::string read_text(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// cpack, beside the cmake this tree was configured with.
std::string cpack_command() {
    return (fs::path(cmake_command()).parent_path() / "cpack").string();
}

// Makes the .deb of this build tree in `out` (its own staging folder too, so a developer's
// `make package` meanwhile does not collide) and returns its path.
fs::path make_deb(const fs::path& out) {
    run_or_throw({cpack_command(), "-G", "DEB", "--config",
                  (build_dir() / "CPackConfig.cmake").string(), "-B", out.string()},
                 std::chrono::seconds(300));
    for (const auto& entry : fs::directory_iterator(out)) {
        if (entry.path().extension() == ".deb") return entry.path();
    }
    FAIL("cpack made no .deb in " << out);
    return {};
}

// The installed config with every "host:port" moved to port 0, so the test can run it
// next to anything else.
std::string with_ephemeral_ports(const std::string& config) {
    return std::regex_replace(config,
                              std::regex(R"re("(127\.0\.0\.1|localhost|0\.0\.0\.0):[0-9]+")re"),
                              "\"127.0.0.1:0\"");
}

} // namespace

TEST_CASE(
    "package: the .deb installs the kernel, its plugins, the SDK, the config and the "
    "unit, and runs from wherever it is unpacked",
    "[integration][package]") {
    TempDir work("deb");
    const fs::path deb = make_deb(work.path() / "out");
    INFO("package: " << deb);

    // Control fields: the project's version, Depends from dpkg-shlibdeps.
    const std::string info = run_or_throw({"/usr/bin/dpkg-deb", "-I", deb.string()});
    INFO("dpkg-deb -I:\n" << info);
    CHECK(info.find("Package: switchyard\n") != std::string::npos);
    const std::string version = run_or_throw({SWITCHYARD_BINARY, "--version"});
    const std::string deb_version =
        run_or_throw({"/usr/bin/dpkg-deb", "-f", deb.string(), "Version"});
    CHECK(version.find("switchyard " + deb_version.substr(0, deb_version.find('\n')) + " ") == 0);
    const std::string depends = run_or_throw({"/usr/bin/dpkg-deb", "-f", deb.string(), "Depends"});
    for (const char* library : {"libc6", "libstdc++6", "libsystemd0", "libhiredis"})
        CHECK(depends.find(library) != std::string::npos);
    // dpkg keeps an operator's config across upgrades.
    CHECK(run_or_throw({"/usr/bin/dpkg-deb", "-I", deb.string(), "conffiles"}) ==
          "/etc/switchyard/switchyard.toml\n");
    // The maintainer scripts: a running service stops on removal, restarts on upgrade.
    CHECK(run_or_throw({"/usr/bin/dpkg-deb", "-I", deb.string(), "prerm"})
              .find("systemctl stop switchyard.service") != std::string::npos);
    CHECK(run_or_throw({"/usr/bin/dpkg-deb", "-I", deb.string(), "postinst"})
              .find("systemctl try-restart switchyard.service") != std::string::npos);
    CHECK(run_or_throw({"/usr/bin/dpkg-deb", "-I", deb.string(), "postrm"}).find("daemon-reload") !=
          std::string::npos);

    const fs::path root = work.path() / "root";
    run_or_throw({"/usr/bin/dpkg-deb", "-x", deb.string(), root.string()});
    CHECK(fs::is_regular_file(root / "usr/bin/switchyard"));
    std::set<std::string> plugins;
    for (const auto& entry : fs::directory_iterator(root / "usr/lib/switchyard/plugins"))
        plugins.insert(entry.path().filename().string());
    CHECK(plugins == kProductPlugins); // and no test plugin
    CHECK(fs::is_regular_file(root / "usr/share/switchyard/jarvis-dashboard/index.html"));
    CHECK(fs::is_regular_file(root / "usr/include/switchyard/plugin.h"));
    CHECK(fs::is_regular_file(root / "usr/include/switchyard/plugin.hpp"));
    CHECK(fs::is_regular_file(root / "usr/lib/cmake/SwitchyardSDK/SwitchyardSDKConfig.cmake"));
    CHECK(fs::is_regular_file(root / "usr/share/pkgconfig/switchyard-sdk.pc"));
    CHECK(fs::is_regular_file(root / "usr/share/doc/switchyard/service.md"));
    CHECK(read_text(root / "lib/systemd/system/switchyard.service") ==
          read_text(source_dir() / "packaging/switchyard.service"));
    const std::string config = read_text(root / "etc/switchyard/switchyard.toml");
    // No path in the installed config: the binary finds its files relative to itself.
    CHECK_FALSE(
        std::regex_search(config, std::regex(R"(\n *(plugin_dir|dashboard_dir|state_dir) *=)")));

    // The unit's ExecStartPre, on the installed files.
    const auto checked =
        run_to_end({(root / "usr/bin/switchyard").string(), "--check-config", "--config",
                    (root / "etc/switchyard/switchyard.toml").string()},
                   std::chrono::seconds(30));
    INFO("--check-config:\n" << checked.out << checked.err);
    CHECK(checked.exit_code == 0);

    // Mark the installed dashboard, to tell it from the build tree's copy when served.
    const std::string marker = "<!-- served from the unpacked package -->";
    std::ofstream(root / "usr/share/switchyard/jarvis-dashboard/index.html", std::ios::app)
        << marker;

    KernelOptions options;
    options.binary = (root / "usr/bin/switchyard").string();
    options.full_toml = with_ephemeral_ports(config);
    auto kernel = KernelProcess::start(options);
    INFO(kernel.log());
    const auto listed = parse_json(kernel.plugins_json());
    std::set<std::string> running;
    for (const auto& plugin : listed.as_object().at("plugins").as_array()) {
        const auto& object = plugin.as_object();
        CHECK(object.at("state") == "running");
        const std::string library(object.at("library").as_string());
        CHECK(fs::canonical(fs::path(library).parent_path()) ==
              fs::canonical(root / "usr/lib/switchyard/plugins"));
        running.insert(fs::path(library).filename().string());
    }
    CHECK(running == kProductPlugins);
    const auto page = HttpClient(kernel.plugin_port("jarvis")).get("/");
    CHECK(page.status == 200);
    CHECK(page.body.find(marker) != std::string::npos);
}

TEST_CASE("package: systemd-analyze verify accepts the unit, offline, with no warning",
          "[integration][package]") {
    // A root of its own: the host's unit folder (the targets the unit names), the unit,
    // and the two commands it runs; PID 1 need not be systemd.
    TempDir dir("unit");
    const fs::path root = dir.path();
    fs::create_directories(root / "lib/systemd");
    fs::copy("/lib/systemd/system", root / "lib/systemd/system",
             fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    fs::create_directories(root / "usr/bin");
    fs::create_directories(root / "bin");
    fs::copy_file(SWITCHYARD_BINARY, root / "usr/bin/switchyard");
    fs::copy_file("/bin/kill", root / "bin/kill");
    const fs::path unit = root / "lib/systemd/system/switchyard.service";
    fs::copy_file(source_dir() / "packaging/switchyard.service", unit,
                  fs::copy_options::overwrite_existing);
    const auto result =
        run_to_end({"/usr/bin/systemd-analyze", "--root=" + root.string(), "verify", unit.string()},
                   std::chrono::seconds(60));
    INFO("systemd-analyze verify:\n" << result.out << result.err);
    CHECK(result.exit_code == 0);
    // An unknown key or a bad value is only a warning for systemd: none is allowed.
    CHECK(result.err.empty());
}

// switchyard: the kernel's command line.
//
//   switchyard [--config FILE] [--check-config [--offline]] [--version] [--help]
//   switchyard plugin-info [--json] LIBRARY
//
// Exit codes: 0 after a clean shutdown (SIGINT, SIGTERM), a good --check-config or a
// library plugin-info would load; 2 when the config or a plugin is refused at start, a
// library plugin-info would refuse, or bad usage; 1 on anything unexpected.
#include "config/config.hpp"
#include "log/logging.hpp"
#include "plugin/plugin_info.hpp"
#include "server/server.hpp"
#include "server/service_notify.hpp"

#include <switchyard/plugin.h>

#include <spdlog/spdlog.h>

#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

constexpr int kExitOk = 0;
constexpr int kExitUnexpected = 1;
constexpr int kExitRefused = 2;

void print_help() {
    std::cout
        << "Usage: switchyard [--config FILE] [--check-config [--offline]] [--version] [--help]\n"
           "       switchyard plugin-info [--json] LIBRARY\n"
           "\n"
           "Runs the Switchyard kernel with the plugins the config enables.\n"
           "\n"
           "  --config FILE    the deployment's TOML config (default: config/switchyard.toml)\n"
           "  --check-config   validate the config, reach Redis when [bus] engine = \"redis\"\n"
           "                   and load every enabled plugin, then exit\n"
           "                   (0: good, 2: refused, with the file, line, key and reason)\n"
           "  --offline        with --check-config: reach nothing over the network (Redis\n"
           "                   not probed; the server itself starts with Redis down)\n"
           "  --version        print the version and the plugin ABI it speaks\n"
           "  --help           this text\n"
           "\n"
           "  plugin-info [--json] LIBRARY\n"
           "                   load a plugin library as the kernel would (no config, no port)\n"
           "                   and print its name, version, ABI, hooks, endpoints and routes,\n"
           "                   or why the kernel refuses it (0: loads, 2: refused);\n"
           "                   --json prints one JSON object instead\n";
}

constexpr const char* kPluginInfoUsage = "Usage: switchyard plugin-info [--json] LIBRARY\n";

// `switchyard plugin-info [--json] LIBRARY`: `args` are the words after plugin-info.
int plugin_info(const std::vector<std::string>& args) {
    auto format = switchyard::PluginInfoFormat::text;
    std::optional<fs::path> library;
    for (const std::string& arg : args) {
        if (arg == "--help" || arg == "-h") {
            std::cout << kPluginInfoUsage;
            return kExitOk;
        }
        if (arg == "--json") {
            format = switchyard::PluginInfoFormat::json;
        } else if (arg.starts_with("-") || library) {
            std::cerr << "switchyard plugin-info: unexpected argument '" << arg << "'\n"
                      << kPluginInfoUsage;
            return kExitRefused;
        } else {
            library = arg;
        }
    }
    if (!library) {
        std::cerr << "switchyard plugin-info: no library given\n" << kPluginInfoUsage;
        return kExitRefused;
    }
    // stdout carries only the answer: anything logged while loading goes to stderr.
    switchyard::init_logging("warn");
    return switchyard::write_plugin_info(*library, format, std::cout) ? kExitOk : kExitRefused;
}

// Installed, <prefix>/bin/switchyard finds its plugins in <prefix>/lib/switchyard/plugins
// (the .deb's /usr/lib/switchyard/plugins, or wherever the package was unpacked); in a
// build tree, build/bin/switchyard finds them in build/plugins.
fs::path default_plugin_dir() {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return "plugins";
    const fs::path prefix = self.parent_path().parent_path();
    const fs::path installed = prefix / "lib" / "switchyard" / "plugins";
    if (fs::is_directory(installed, ec)) return installed.lexically_normal();
    return (prefix / "plugins").lexically_normal();
}

// Every client is a descriptor: the soft limit a shell hands down (often 1024) would cap
// a server meant for tens of thousands of connections, so take the hard limit (as
// nginx's worker_rlimit_nofile would be set to).
void raise_open_files_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
    const rlim_t before = limit.rlim_cur;
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) == 0) {
        spdlog::debug("open files limit raised from {} to {}", before, limit.rlim_cur);
    }
}

struct Options {
    fs::path config = "config/switchyard.toml";
    bool check_only = false;
    bool offline = false; // --check-config without reaching Redis
};

// Parses argv; returns an exit code when the command is already answered.
std::optional<int> parse_args(int argc, char** argv, Options& options) {
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            print_help();
            return kExitOk;
        }
        if (arg == "--version") {
            std::cout << "switchyard " << SWITCHYARD_VERSION << " (plugin ABI " << SY_ABI_MAJOR
                      << "." << SY_ABI_MINOR << ")\n";
            return kExitOk;
        }
        if (arg == "--check-config") {
            options.check_only = true;
        } else if (arg == "--offline") {
            options.offline = true;
        } else if (arg == "--config" && i + 1 < argc) {
            options.config = argv[++i];
        } else if (arg.rfind("--config=", 0) == 0) {
            options.config = arg.substr(9);
        } else {
            std::cerr << "switchyard: unknown argument '" << arg << "' (see --help)\n";
            return kExitRefused;
        }
    }
    if (options.offline && !options.check_only) {
        std::cerr << "switchyard: --offline goes with --check-config (see --help)\n";
        return kExitRefused;
    }
    return std::nullopt;
}

// --check-config on a config read already: the bus (Redis, with engine = "redis", unless
// `offline`), the TLS files and then every enabled plugin. A plugin refused throws
// StartError.
int check_config(const switchyard::Config& config, const fs::path& file, bool offline) {
    try {
        if (!offline) switchyard::check_bus(config);
        switchyard::check_tls(config);
    } catch (const switchyard::ConfigError& e) {
        std::cerr << "switchyard: config refused: " << e.what() << "\n";
        return kExitRefused;
    }
    switchyard::check_plugins(config);
    std::cout << "switchyard: " << file.string() << " is valid\n";
    return kExitOk;
}

int run(const Options& options) {
    switchyard::Config config;
    try {
        config = switchyard::load_config(options.config);
    } catch (const switchyard::ConfigError& e) {
        std::cerr << "switchyard: config refused: " << e.what() << "\n";
        return kExitRefused;
    }
    if (config.kernel.plugin_dir.empty()) config.kernel.plugin_dir = default_plugin_dir().string();
    switchyard::init_logging(config.kernel.log_level, config.kernel.log_format);
    try {
        if (options.check_only) return check_config(config, options.config, options.offline);
        // SIGHUP reads the same file again, with the same defaults filled in.
        auto reread = [path = options.config] {
            switchyard::Config next = switchyard::load_config(path);
            if (next.kernel.plugin_dir.empty())
                next.kernel.plugin_dir = default_plugin_dir().string();
            return next;
        };
        raise_open_files_limit();
        // A file answer is sendfile(2), which has no MSG_NOSIGNAL: a client that left
        // mid-file must be an EPIPE for that session, not a SIGPIPE that ends the server
        // (nginx ignores SIGPIPE for the same reason).
        std::signal(SIGPIPE, SIG_IGN);
        switchyard::Server server(std::move(config), reread);
        server.start();
        // The one line on stdout: tools and tests wait for it to know every listener is
        // bound and every plugin started.
        std::printf("switchyard ready control=%s:%u\n", server.control_address().c_str(),
                    unsigned(server.control_port()));
        std::fflush(stdout);
        // systemd's Type=notify: the same moment, told to the service manager.
        switchyard::notify_ready("serving; control API on " + server.control_address() + ":" +
                                 std::to_string(server.control_port()));
        return server.run_until_signal();
    } catch (const switchyard::StartError& e) {
        spdlog::critical("start refused: {}", e.what());
        std::cerr.flush();
        return kExitRefused;
    }
}

} // namespace

int main(int argc, char** argv) {
    try {
        if (argc > 1 && std::string(argv[1]) == "plugin-info") {
            return plugin_info({argv + 2, argv + argc});
        }
        Options options;
        if (auto answered = parse_args(argc, argv, options)) return *answered;
        return run(options);
    } catch (const std::exception& e) {
        std::cerr << "switchyard: unexpected error: " << e.what() << "\n";
        return kExitUnexpected;
    }
}

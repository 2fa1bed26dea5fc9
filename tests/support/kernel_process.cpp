#include "kernel_process.hpp"

#include "child_process.hpp"
#include "kernel_logs.hpp"
#include "temp_dir.hpp"
#include "toml_text.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace switchyard::test {

namespace json = boost::json;

namespace {

constexpr std::string_view kReadyPrefix = "switchyard ready control=";

// In a sanitizer build (scripts/test --sanitize) a kernel is stopped with SIGTERM first,
// so it leaves through its clean shutdown and LeakSanitizer checks it at exit (its report
// goes to ASAN_OPTIONS' log_path); SIGKILL only when it has not exited by then.
#if defined(__SANITIZE_ADDRESS__)
constexpr std::chrono::milliseconds kCleanExitWait = std::chrono::seconds(10);
#else
constexpr std::chrono::milliseconds kCleanExitWait{0};
#endif

// UBSan (GCC 12) ignores log_path and reports on stderr, which is the kernel's log file: a
// kernel log with a report is copied into SWITCHYARD_SANITIZER_REPORTS (scripts/test
// --sanitize), so the run fails on it even when the test never saw the kernel die.
void keep_sanitizer_report(const std::string& log_text, const std::string& labelled_log,
                           pid_t pid) {
    const char* reports = std::getenv("SWITCHYARD_SANITIZER_REPORTS");
    if (reports == nullptr || log_text.find(": runtime error: ") == std::string::npos) return;
    std::ofstream(std::filesystem::path(reports) / ("kernel-log." + std::to_string(pid)))
        << labelled_log;
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The "host:port" of the ready line, once a whole one arrived.
std::optional<std::string> ready_address(std::string_view out) {
    const auto start = out.find(kReadyPrefix);
    if (start == std::string_view::npos) return std::nullopt;
    const auto end = out.find('\n', start);
    if (end == std::string_view::npos) return std::nullopt;
    const auto begin = start + kReadyPrefix.size();
    return std::string(out.substr(begin, end - begin));
}

uint16_t port_of(const std::string& address) {
    const auto colon = address.rfind(':');
    if (colon == std::string::npos) throw std::runtime_error("no port in '" + address + "'");
    const int port = std::stoi(address.substr(colon + 1));
    if (port <= 0 || port > 65535) throw std::runtime_error("bad port in '" + address + "'");
    return uint16_t(port);
}

using EndpointPorts = std::map<std::pair<std::string, std::string>, uint16_t>;

EndpointPorts endpoint_ports(const std::string& plugins_json) {
    EndpointPorts ports;
    const json::value doc = json::parse(plugins_json);
    for (const auto& plugin : doc.at("plugins").as_array()) {
        const std::string name(plugin.at("name").as_string());
        for (const auto& endpoint : plugin.at("endpoints").as_array()) {
            ports[{name, std::string(endpoint.at("name").as_string())}] =
                uint16_t(endpoint.at("port").to_number<int64_t>());
        }
    }
    return ports;
}

} // namespace

std::string kernel_config_text(const KernelOptions& options) {
    if (!options.full_toml.empty()) return options.full_toml;
    std::string text = "[kernel]\nplugin_dir = " + toml_quote(SWITCHYARD_PLUGIN_DIR) +
                       "\nworkers = 2\nlog_level = \"debug\"\n" + options.kernel_toml +
                       "\n[control]\nlisten = \"127.0.0.1:0\"\n";
    if (!options.control_token.empty())
        text += "token = " + toml_quote(options.control_token) + "\n";
    text += options.control_toml;
    text += "\n";
    text += options.extra_toml;
    return text;
}

struct KernelProcess::Impl {
    TempDir dir{"itest"};
    std::filesystem::path config;
    std::filesystem::path log_file;
    std::string token;
    std::optional<ChildProcess> child;
    uint16_t control_port = 0;
    std::string plugins_json;
    EndpointPorts endpoints;

    ~Impl() {
        if (!child) return;
        if (kCleanExitWait.count() > 0 && child->running()) {
            child->send_signal(SIGTERM);
            child->wait_exit(kCleanExitWait);
        }
        child->kill();
        keep_sanitizer_report(read_file(log_file), log(), child->pid());
        remember_kernel_log(log());
    }

    std::string log() const {
        std::string text = "----- kernel " + config.string() + " -----\n" + read_file(config);
        text += "\n----- its stderr -----\n" + read_file(log_file);
        if (child) text += "----- its stdout -----\n" + child->stdout_text();
        return text + "----- end of kernel log -----\n";
    }

    [[noreturn]] void fail(const std::string& what) const {
        throw std::runtime_error("kernel: " + what + "\n" + log());
    }

    void await_ready(std::chrono::milliseconds timeout) {
        std::optional<std::string> address;
        child->wait_for_stdout(
            [&](std::string_view out) { return (address = ready_address(out)).has_value(); },
            timeout);
        if (address) {
            control_port = port_of(*address);
            return;
        }
        if (auto status = child->wait_exit(std::chrono::milliseconds(0)))
            fail("exited with status " + std::to_string(*status) + " before it was ready");
        fail("no ready line within " + std::to_string(timeout.count()) + " ms");
    }

    void learn_endpoints() {
        HttpHeaders auth;
        if (!token.empty()) auth.emplace_back("Authorization", "Bearer " + token);
        try {
            const auto response = HttpClient(control_port, auth).get("/api/v1/plugins");
            if (response.status != 200)
                fail("GET /api/v1/plugins answered " + std::to_string(response.status) + ": " +
                     response.body);
            plugins_json = response.body;
            endpoints = endpoint_ports(plugins_json);
        } catch (const std::runtime_error& e) {
            if (std::string_view(e.what()).rfind("kernel: ", 0) == 0) throw;
            fail(std::string("GET /api/v1/plugins: ") + e.what());
        }
    }
};

KernelProcess::KernelProcess(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KernelProcess::KernelProcess(KernelProcess&&) noexcept = default;
KernelProcess& KernelProcess::operator=(KernelProcess&&) noexcept = default;
KernelProcess::~KernelProcess() = default;

KernelProcess KernelProcess::start(const KernelOptions& options) {
    auto impl = std::make_unique<Impl>();
    impl->token = options.control_token;
    impl->config = impl->dir.write("switchyard.toml", kernel_config_text(options));
    impl->log_file = impl->dir.path() / "kernel.log";
    const std::string binary = options.binary.empty() ? SWITCHYARD_BINARY : options.binary;
    impl->child.emplace(ChildProcess::spawn({binary, "--config", impl->config.string()},
                                            impl->log_file.string(), options.environment));
    impl->await_ready(options.ready_timeout);
    impl->learn_endpoints();
    return KernelProcess(std::move(impl));
}

KernelProcess KernelProcess::start(std::string extra_toml) {
    KernelOptions options;
    options.extra_toml = std::move(extra_toml);
    return start(options);
}

uint16_t KernelProcess::control_port() const {
    return impl_->control_port;
}

uint16_t KernelProcess::plugin_port(std::string_view plugin, std::string_view endpoint) const {
    auto it = impl_->endpoints.find({std::string(plugin), std::string(endpoint)});
    if (it != impl_->endpoints.end()) return it->second;
    throw std::runtime_error("no endpoint '" + std::string(endpoint) + "' of plugin '" +
                             std::string(plugin) +
                             "' in GET /api/v1/plugins: " + impl_->plugins_json);
}

HttpClient KernelProcess::control() const {
    return HttpClient(impl_->control_port, control_auth());
}

HttpHeaders KernelProcess::control_auth() const {
    if (impl_->token.empty()) return {};
    return {{"Authorization", "Bearer " + impl_->token}};
}

const std::string& KernelProcess::plugins_json() const {
    return impl_->plugins_json;
}

pid_t KernelProcess::pid() const {
    return impl_->child->pid();
}

void KernelProcess::send_signal(int signal) {
    impl_->child->send_signal(signal);
}

std::optional<int> KernelProcess::wait_exit(std::chrono::milliseconds timeout) {
    return impl_->child->wait_exit(timeout);
}

std::string KernelProcess::log() const {
    return impl_->log();
}

const std::filesystem::path& KernelProcess::config_path() const {
    return impl_->config;
}

const std::filesystem::path& KernelProcess::dir() const {
    return impl_->dir.path();
}

RunResult run_switchyard(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
    std::vector<std::string> argv{SWITCHYARD_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_to_end(argv, timeout);
}

} // namespace switchyard::test

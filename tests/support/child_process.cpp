#include "child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <system_error>
#include <thread>

extern char** environ;

namespace switchyard::test {

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void throw_errno(int error, const std::string& what) {
    throw std::system_error(error, std::generic_category(), what);
}

// A pipe whose ends are not inherited by any other child spawned meanwhile.
std::pair<int, int> make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno(errno, "pipe2");
    return {fds[0], fds[1]};
}

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

// A descriptor that becomes readable when the process exits, or -1 where pidfds are
// not available (then exit is polled).
int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
    const long fd = ::syscall(SYS_pidfd_open, pid, 0);
    if (fd >= 0) {
        ::fcntl(int(fd), F_SETFD, FD_CLOEXEC);
        return int(fd);
    }
#endif
    (void)pid;
    return -1;
}

// This process's environment with `extra` ("NAME=value") added or replacing, as the
// null-terminated array posix_spawn takes; the strings stay owned by environ and `extra`.
std::vector<char*> child_environment(const std::vector<std::string>& extra) {
    std::vector<char*> env;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        const std::string_view variable(*entry);
        const std::string_view name = variable.substr(0, variable.find('='));
        bool replaced = false;
        for (const auto& assignment : extra)
            replaced |= assignment.rfind(std::string(name) + "=", 0) == 0;
        if (!replaced) env.push_back(*entry);
    }
    for (const auto& assignment : extra) env.push_back(const_cast<char*>(assignment.c_str()));
    env.push_back(nullptr);
    return env;
}

} // namespace

struct ChildProcess::State {
    pid_t pid = -1;
    int pidfd = -1;
    std::optional<int> exit_status;

    mutable std::mutex mutex;
    mutable std::condition_variable changed;
    std::string out;
    std::string err;
    bool out_open = false;
    bool err_open = false;
    std::vector<std::thread> readers;

    void start_reader(int fd, std::string State::*sink, bool State::*open) {
        this->*open = true;
        readers.emplace_back([this, fd, sink, open] {
            char buffer[4096];
            for (;;) {
                const ssize_t n = ::read(fd, buffer, sizeof buffer);
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) break;
                std::lock_guard lock(mutex);
                (this->*sink).append(buffer, size_t(n));
                changed.notify_all();
            }
            ::close(fd);
            std::lock_guard lock(mutex);
            this->*open = false;
            changed.notify_all();
        });
    }

    // Reaps the child if it exited; blocks up to `timeout` (negative: forever).
    bool reap(std::chrono::milliseconds timeout) {
        if (exit_status) return true;
        const auto deadline = Clock::now() + timeout;
        for (;;) {
            int status = 0;
            const pid_t done = ::waitpid(pid, &status, WNOHANG);
            if (done == pid) {
                exit_status = decode_status(status);
                return true;
            }
            if (done < 0 && errno != EINTR) {
                exit_status = -1; // not our child any more; nothing left to wait for
                return true;
            }
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            if (left.count() <= 0) return false;
            wait_for_exit_signal(left);
        }
    }

    void wait_for_exit_signal(std::chrono::milliseconds left) {
        if (pidfd >= 0) {
            pollfd entry{pidfd, POLLIN, 0};
            ::poll(&entry, 1, int(std::min<long long>(left.count(), 1000)));
        } else {
            std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(2)));
        }
    }

    ~State() {
        if (pid > 0 && !exit_status) {
            ::kill(pid, SIGKILL);
            reap(std::chrono::milliseconds(10000));
        }
        for (auto& reader : readers) reader.join();
        if (pidfd >= 0) ::close(pidfd);
    }
};

ChildProcess::ChildProcess(std::unique_ptr<State> state) : state_(std::move(state)) {}
ChildProcess::ChildProcess(ChildProcess&&) noexcept = default;
ChildProcess& ChildProcess::operator=(ChildProcess&&) noexcept = default;
ChildProcess::~ChildProcess() = default;

ChildProcess ChildProcess::spawn(const std::vector<std::string>& argv,
                                 const std::string& stderr_file,
                                 const std::vector<std::string>& environment) {
    if (argv.empty()) throw std::invalid_argument("ChildProcess::spawn: empty argv");
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    std::vector<char*> env = child_environment(environment);

    auto [out_read, out_write] = make_pipe();
    std::optional<std::pair<int, int>> err_pipe;
    if (stderr_file.empty()) err_pipe = make_pipe();

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_write, STDOUT_FILENO);
    if (err_pipe) {
        posix_spawn_file_actions_adddup2(&actions, err_pipe->second, STDERR_FILENO);
    } else {
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_file.c_str(),
                                         O_WRONLY | O_CREAT | O_APPEND, 0644);
    }

    // The test runner's threads may block signals; the kernel must see SIGTERM.
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none;
    sigemptyset(&none);
    sigset_t defaults;
    sigfillset(&defaults);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    pid_t pid = -1;
    const int error = ::posix_spawn(&pid, args[0], &actions, &attributes, args.data(), env.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    ::close(out_write);
    if (err_pipe) ::close(err_pipe->second);
    if (error != 0) {
        ::close(out_read);
        if (err_pipe) ::close(err_pipe->first);
        throw_errno(error, "posix_spawn " + argv[0]);
    }

    auto state = std::make_unique<State>();
    state->pid = pid;
    state->pidfd = open_pidfd(pid);
    state->start_reader(out_read, &State::out, &State::out_open);
    if (err_pipe) state->start_reader(err_pipe->first, &State::err, &State::err_open);
    return ChildProcess(std::move(state));
}

pid_t ChildProcess::pid() const {
    return state_->pid;
}

std::string ChildProcess::stdout_text() const {
    std::lock_guard lock(state_->mutex);
    return state_->out;
}

std::string ChildProcess::stderr_text() const {
    std::lock_guard lock(state_->mutex);
    return state_->err;
}

bool ChildProcess::wait_for_stdout(const std::function<bool(std::string_view)>& done,
                                   std::chrono::milliseconds timeout) const {
    std::unique_lock lock(state_->mutex);
    bool satisfied = false;
    state_->changed.wait_for(lock, timeout, [&] {
        satisfied = done(state_->out);
        return satisfied || !state_->out_open;
    });
    return satisfied;
}

bool ChildProcess::wait_for_output_end(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(state_->mutex);
    return state_->changed.wait_for(lock, timeout,
                                    [&] { return !state_->out_open && !state_->err_open; });
}

void ChildProcess::send_signal(int signal) {
    if (state_->exit_status) return;
    if (::kill(state_->pid, signal) != 0) throw_errno(errno, "kill");
}

std::optional<int> ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
    if (!state_->reap(timeout)) return std::nullopt;
    return state_->exit_status;
}

bool ChildProcess::running() {
    return !state_->reap(std::chrono::milliseconds(0));
}

void ChildProcess::kill() {
    if (state_->exit_status) return;
    ::kill(state_->pid, SIGKILL);
    state_->reap(std::chrono::milliseconds(10000));
}

RunResult run_to_end(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
    ChildProcess child = ChildProcess::spawn(argv);
    RunResult result;
    result.exit_code = child.wait_exit(timeout);
    if (!result.exit_code) child.kill();
    child.wait_for_output_end(std::chrono::seconds(5));
    result.out = child.stdout_text();
    result.err = child.stderr_text();
    return result;
}

} // namespace switchyard::test

// A child process started with posix_spawn whose stdout (and, unless redirected to a
// file, stderr) is drained by background threads, so the child never blocks on a full
// pipe and a test can wait for a line it prints.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::test {

// What a finished run of a program left behind.
struct RunResult {
    std::optional<int> exit_code; // nothing when it was killed at the timeout
    std::string out;              // stdout
    std::string err;              // stderr
};

// Runs argv (argv[0] a path) to its end, killed after `timeout`. Throws std::system_error
// when it cannot start.
RunResult run_to_end(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

class ChildProcess {
  public:
    // Starts argv[0] (a path, not searched in PATH) with `argv`. Its stderr is appended
    // to `stderr_file`, or captured (stderr_text()) when that is empty. The child starts
    // with no blocked signals and default dispositions, and with this process's
    // environment plus `environment` ("NAME=value", replacing a variable of that name).
    // Throws std::system_error.
    static ChildProcess spawn(const std::vector<std::string>& argv,
                              const std::string& stderr_file = {},
                              const std::vector<std::string>& environment = {});

    ChildProcess(ChildProcess&&) noexcept;
    ChildProcess& operator=(ChildProcess&&) noexcept;
    // Kills (SIGKILL) a child still running, reaps it, and joins the readers.
    ~ChildProcess();

    // The child's process id.
    pid_t pid() const;
    // Everything the child wrote to stdout so far.
    std::string stdout_text() const;
    // Everything the child wrote to stderr so far (empty when it went to a file).
    std::string stderr_text() const;
    // Waits until `done(stdout so far)` holds; false when stdout ended (the child closed
    // it or exited) without it, or on the timeout.
    bool wait_for_stdout(const std::function<bool(std::string_view)>& done,
                         std::chrono::milliseconds timeout) const;
    // Waits until the child's stdout and captured stderr reached their end.
    bool wait_for_output_end(std::chrono::milliseconds timeout) const;
    // Sends `signal` to a child that has not been reaped yet.
    void send_signal(int signal);
    // Waits for the child to exit and reaps it. Returns its exit code, 128 + the signal
    // number when a signal ended it, or nothing when it still runs after `timeout`.
    std::optional<int> wait_exit(std::chrono::milliseconds timeout);
    // True while the child has not been seen to exit.
    bool running();
    // SIGKILL and reap, if still running.
    void kill();

  private:
    struct State;
    explicit ChildProcess(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

} // namespace switchyard::test

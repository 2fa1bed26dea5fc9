// A real Redis server (Debian's redis-server, 7.x) for the tests of the redis bus engine:
// started in a temp dir of its own, on a free loopback port and a Unix socket, with the
// append-only file on and fsync'd at every write, so a restart keeps every entry. Never
// the system's service.
#pragma once

#include "child_process.hpp"
#include "temp_dir.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace switchyard::test {

// What a test asks of its Redis.
struct RedisOptions {
    std::string password; // requirepass; "" = none
};

// The reply to one command, flattened for checks: a status or bulk string, an integer
// (as text), nil, an error (starting "ERR "...), or an array of those.
struct RedisReply {
    enum class Kind { String, Integer, Nil, Error, Array } kind = Kind::Nil;
    std::string text;                 // String, Integer (decimal), Error
    std::vector<RedisReply> elements; // Array
};

class RedisServer {
  public:
    // Starts /usr/bin/redis-server and waits until it answers PING. Throws
    // std::runtime_error, with its log, when it is missing or does not come up.
    static RedisServer start(const RedisOptions& options = {});

    RedisServer(RedisServer&&) noexcept;
    RedisServer& operator=(RedisServer&&) noexcept;
    // Kills the server (SIGKILL) and removes its dir.
    ~RedisServer();

    uint16_t port() const;
    const std::filesystem::path& unix_socket() const;
    // redis://[:password@]127.0.0.1:<port> and unix://<socket>[?password=...].
    std::string url() const;
    std::string unix_url() const;

    // SIGKILL, as a crash: whatever was fsync'd stays.
    void kill();
    // Starts it again on the same port, socket and dir, and waits for PING.
    void restart();
    // Its log so far, for failure messages.
    std::string log() const;

    // Runs one command on a fresh connection (hiredis, the real client library), logged in
    // with the password unless `authenticate` is false, and returns the reply. Throws
    // std::runtime_error when the server cannot be reached.
    RedisReply command(const std::vector<std::string>& argv, bool authenticate = true) const;

  private:
    struct Impl;
    explicit RedisServer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace switchyard::test

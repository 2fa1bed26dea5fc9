// `switchyard --check-config` with [bus] engine = "redis" asks Redis itself (the redis
// engine's probe) and refuses, with exit 2 and the file and key, a Redis that is not
// there, does not answer, or refuses the password; a good one (password, database, TCP
// or Unix socket) is accepted. The memory engine never connects to redis_url.
#include "free_port.hpp"
#include "kernel_process.hpp"
#include "redis_server.hpp"
#include "tcp_acceptor.hpp"
#include "temp_dir.hpp"
#include "toml_text.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace switchyard::test;

namespace {

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

// A config whose [bus] is `engine` on `url`, answering within `timeout_ms`.
std::string bus_config(std::string_view engine, std::string_view url, int timeout_ms = 1000) {
    KernelOptions options;
    options.extra_toml = "[bus]\nengine = " + toml_quote(engine) +
                         "\nredis_url = " + toml_quote(url) +
                         "\nredis_key_prefix = \"check_config\"\n" +
                         "redis_timeout_ms = " + std::to_string(timeout_ms) + "\n";
    return kernel_config_text(options);
}

// Runs --check-config on `config_text` written to a file of `dir`.
RunResult check_config(TempDir& dir, const std::string& config_text) {
    const auto file = dir.write("switchyard.toml", config_text);
    return run_switchyard({"--config", file.string(), "--check-config"});
}

// Exit 2 and "switchyard: config refused: <file>: bus.redis_url: <why>" on stderr.
void check_refused(const TempDir& dir, const RunResult& result, std::string_view why) {
    INFO("stdout: " << result.out << "\nstderr: " << result.err);
    REQUIRE(result.exit_code.has_value());
    CHECK(*result.exit_code == 2);
    CHECK(contains(result.err,
                   "switchyard: config refused: " + (dir.path() / "switchyard.toml").string() +
                       ": bus.redis_url: " + std::string(why)));
    CHECK_FALSE(contains(result.out, "is valid"));
}

void check_accepted(const RunResult& result) {
    INFO("stdout: " << result.out << "\nstderr: " << result.err);
    REQUIRE(result.exit_code.has_value());
    CHECK(*result.exit_code == 0);
    CHECK(contains(result.out, "is valid"));
}

} // namespace

TEST_CASE("redis check-config: nothing listening at redis_url is refused as unreachable",
          "[integration][redis]") {
    TempDir dir("itest");
    const std::string address = "127.0.0.1:" + std::to_string(free_port());
    const RunResult result = check_config(dir, bus_config("redis", "redis://" + address));
    check_refused(dir, result, "Redis at " + address + " is unreachable: Connection refused");
}

TEST_CASE(
    "redis check-config: --offline checks the file without reaching Redis (the service's "
    "ExecStartPre)",
    "[integration][redis]") {
    TempDir dir("itest");
    const std::string address = "127.0.0.1:" + std::to_string(free_port());
    const auto file = dir.write("switchyard.toml", bus_config("redis", "redis://" + address));
    check_accepted(run_switchyard({"--config", file.string(), "--check-config", "--offline"}));
    // Still a check of the file: a bad key is refused.
    const auto bad = dir.write(
        "bad.toml", bus_config("redis", "redis://" + address) + "[kernel]\nno_such_key = 1\n");
    const RunResult refused =
        run_switchyard({"--config", bad.string(), "--check-config", "--offline"});
    REQUIRE(refused.exit_code.has_value());
    CHECK(*refused.exit_code == 2);
    // And --offline alone is a usage error, not a server start.
    const RunResult alone = run_switchyard({"--config", file.string(), "--offline"});
    REQUIRE(alone.exit_code.has_value());
    CHECK(*alone.exit_code == 2);
    CHECK(contains(alone.err, "--offline goes with --check-config"));
}

TEST_CASE("redis check-config: a peer that never answers is refused after redis_timeout_ms",
          "[integration][redis]") {
    TempDir dir("itest");
    TcpAcceptor silent; // the kernel's backlog accepts; nobody ever answers
    const std::string address = "127.0.0.1:" + std::to_string(silent.port());
    const RunResult result = check_config(dir, bus_config("redis", "redis://" + address, 300));
    check_refused(dir, result, "Redis at " + address + " did not answer within 300 ms");
}

TEST_CASE("redis check-config: a wrong password is refused, and never printed",
          "[integration][redis]") {
    TempDir dir("itest");
    auto redis = RedisServer::start({.password = "s3cret"});
    const std::string address = "127.0.0.1:" + std::to_string(redis.port());
    const RunResult result =
        check_config(dir, bus_config("redis", "redis://:wr0ng-pass@" + address + "/3"));
    check_refused(dir, result, "Redis at " + address + " db 3 refused the password (WRONGPASS");
    CHECK_FALSE(contains(result.err, "wr0ng-pass"));
}

TEST_CASE("redis check-config: a good Redis with a password and a database is accepted",
          "[integration][redis]") {
    TempDir dir("itest");
    auto redis = RedisServer::start({.password = "s3cret"});
    for (const std::string& url : {redis.url() + "/3", redis.unix_url() + "&db=2"}) {
        INFO(url);
        check_accepted(check_config(dir, bus_config("redis", url)));
    }
}

TEST_CASE("redis check-config: the memory engine does not connect to redis_url",
          "[integration][redis]") {
    TempDir dir("itest");
    const std::string url = "redis://127.0.0.1:" + std::to_string(free_port());
    check_accepted(check_config(dir, bus_config("memory", url)));
}

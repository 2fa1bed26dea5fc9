#include "redis_server.hpp"

#include "free_port.hpp"
#include "wait_until.hpp"

#include <hiredis/hiredis.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace switchyard::test {

namespace fs = std::filesystem;

namespace {

constexpr const char* kRedisServer = "/usr/bin/redis-server";
constexpr auto kStartTimeout = std::chrono::seconds(20);

RedisReply flatten(const redisReply& reply) {
    RedisReply out;
    switch (reply.type) {
        case REDIS_REPLY_STRING:
        case REDIS_REPLY_STATUS:
            out.kind = RedisReply::Kind::String;
            out.text.assign(reply.str, reply.len);
            break;
        case REDIS_REPLY_ERROR:
            out.kind = RedisReply::Kind::Error;
            out.text.assign(reply.str, reply.len);
            break;
        case REDIS_REPLY_INTEGER:
            out.kind = RedisReply::Kind::Integer;
            out.text = std::to_string(reply.integer);
            break;
        case REDIS_REPLY_ARRAY:
            out.kind = RedisReply::Kind::Array;
            for (size_t i = 0; i < reply.elements; ++i)
                out.elements.push_back(flatten(*reply.element[i]));
            break;
        default: out.kind = RedisReply::Kind::Nil;
    }
    return out;
}

} // namespace

struct RedisServer::Impl {
    RedisOptions options;
    TempDir dir{"redis"};
    uint16_t port = 0;
    fs::path socket;
    std::optional<ChildProcess> process;

    fs::path log_file() const { return dir.path() / "redis.log"; }

    void spawn() {
        std::vector<std::string> argv = {kRedisServer,
                                         "--bind",
                                         "127.0.0.1",
                                         "--port",
                                         std::to_string(port),
                                         "--unixsocket",
                                         socket.string(),
                                         "--unixsocketperm",
                                         "700",
                                         "--dir",
                                         dir.path().string(),
                                         "--appendonly",
                                         "yes",
                                         "--appendfsync",
                                         "always",
                                         "--save",
                                         "",
                                         "--daemonize",
                                         "no",
                                         "--logfile",
                                         log_file().string()};
        if (!options.password.empty()) {
            argv.push_back("--requirepass");
            argv.push_back(options.password);
        }
        process.emplace(ChildProcess::spawn(argv));
    }

    bool answers_ping() const {
        try {
            const RedisReply reply = command({"PING"});
            return reply.kind == RedisReply::Kind::String && reply.text == "PONG";
        } catch (const std::runtime_error&) {
            return false;
        }
    }

    void await_ready() {
        const bool ready = wait_until([&] { return answers_ping() || !process->running(); },
                                      kStartTimeout, std::chrono::milliseconds(20));
        if (!ready || !process->running())
            throw std::runtime_error("redis-server did not come up:\n" + read_log());
    }

    std::string read_log() const {
        std::ifstream in(log_file());
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }

    RedisReply command(const std::vector<std::string>& argv, bool authenticate = true) const {
        redisContext* context = redisConnectUnix(socket.c_str());
        if (context == nullptr || context->err) {
            const std::string why = context ? context->errstr : "out of memory";
            if (context) redisFree(context);
            throw std::runtime_error("cannot reach Redis at " + socket.string() + ": " + why);
        }
        if (authenticate && !options.password.empty()) {
            auto* auth = static_cast<redisReply*>(
                redisCommand(context, "AUTH %b", options.password.data(), options.password.size()));
            if (auth) freeReplyObject(auth);
        }
        std::vector<const char*> args;
        std::vector<size_t> lengths;
        for (const auto& arg : argv) {
            args.push_back(arg.data());
            lengths.push_back(arg.size());
        }
        auto* reply = static_cast<redisReply*>(
            redisCommandArgv(context, static_cast<int>(args.size()), args.data(), lengths.data()));
        if (reply == nullptr) {
            const std::string why = context->errstr;
            redisFree(context);
            throw std::runtime_error("Redis command failed: " + why);
        }
        RedisReply out = flatten(*reply);
        freeReplyObject(reply);
        redisFree(context);
        return out;
    }
};

RedisServer RedisServer::start(const RedisOptions& options) {
    if (!fs::exists(kRedisServer))
        throw std::runtime_error(std::string(kRedisServer) +
                                 " is missing: run scripts/setup --tests (Debian's redis-server)");
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    impl->socket = impl->dir.path() / "redis.sock";
    // A port taken between our probe and Redis's bind: try another (the log says so).
    for (int attempt = 0;; ++attempt) {
        // Redis takes `--port 0` as "no TCP at all", so the port is chosen here.
        impl->port = free_port();
        impl->spawn();
        try {
            impl->await_ready();
            break;
        } catch (const std::runtime_error&) {
            impl->process->kill();
            if (attempt >= 3 ||
                impl->read_log().find("Address already in use") == std::string::npos)
                throw;
        }
    }
    return RedisServer(std::move(impl));
}

RedisServer::RedisServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RedisServer::RedisServer(RedisServer&&) noexcept = default;
RedisServer& RedisServer::operator=(RedisServer&&) noexcept = default;
RedisServer::~RedisServer() = default;

uint16_t RedisServer::port() const {
    return impl_->port;
}
const fs::path& RedisServer::unix_socket() const {
    return impl_->socket;
}

std::string RedisServer::url() const {
    const std::string credentials =
        impl_->options.password.empty() ? "" : ":" + impl_->options.password + "@";
    return "redis://" + credentials + "127.0.0.1:" + std::to_string(impl_->port);
}

std::string RedisServer::unix_url() const {
    const std::string query =
        impl_->options.password.empty() ? "" : "?password=" + impl_->options.password;
    return "unix://" + impl_->socket.string() + query;
}

void RedisServer::kill() {
    impl_->process->kill();
}

void RedisServer::restart() {
    impl_->process->kill();
    impl_->spawn();
    impl_->await_ready();
}

std::string RedisServer::log() const {
    return impl_->read_log();
}

RedisReply RedisServer::command(const std::vector<std::string>& argv, bool authenticate) const {
    return impl_->command(argv, authenticate);
}

} // namespace switchyard::test

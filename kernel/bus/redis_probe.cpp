#include "bus/redis_probe.hpp"

#include "bus/redis_connection.hpp"

#include <boost/asio/io_context.hpp>
#include <hiredis/hiredis.h>

#include <array>
#include <charconv>
#include <optional>

namespace switchyard {

namespace {

constexpr int kOldestMajor = 7;
// INFO server is about 1.5 kB; a peer sending more than this is not a Redis to rely on.
constexpr size_t kMaxInfoBytes = 64 * 1024;
// What of a peer's version string a sentence quotes: it came off the network.
constexpr size_t kMaxQuotedVersion = 40;

// The value of `field` ("redis_version") in INFO's "field:value\r\n" lines, if present.
std::optional<std::string_view> info_field(std::string_view info, std::string_view field) {
    size_t line_start = 0;
    while (line_start < info.size()) {
        size_t line_end = info.find('\n', line_start);
        if (line_end == std::string_view::npos) line_end = info.size();
        std::string_view line = info.substr(line_start, line_end - line_start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.size() > field.size() && line.starts_with(field) && line[field.size()] == ':')
            return line.substr(field.size() + 1);
        line_start = line_end + 1;
    }
    return std::nullopt;
}

// `text` cut short and with control bytes replaced, fit for a log line.
std::string quoted(std::string_view text) {
    std::string out(text.substr(0, kMaxQuotedVersion));
    for (char& c : out) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    }
    if (text.size() > kMaxQuotedVersion) out += "...";
    return out;
}

// The major version of "7.0.15", or nothing when it does not start with a number
// followed by '.' or its end.
std::optional<int> major_version(std::string_view version) {
    int major = 0;
    const char* end = version.data() + version.size();
    const auto [after, ec] = std::from_chars(version.data(), end, major);
    if (ec != std::errc() || after == version.data() || (after != end && *after != '.'))
        return std::nullopt;
    return major;
}

std::string after_prefix(std::string_view text, std::string_view prefix) {
    return std::string(text.substr(prefix.size()));
}

} // namespace

std::string redis_server_problem(std::string_view info_server_text, std::string_view where) {
    const std::string at = "Redis at " + std::string(where);
    const auto version = info_field(info_server_text, "redis_version");
    if (!version) return at + " did not tell its version (no redis_version in INFO server)";
    const auto major = major_version(*version);
    if (!major) return at + " gave a version that is not a number: '" + quoted(*version) + "'";
    if (*major < kOldestMajor)
        return at + " is " + quoted(*version) + "; the redis engine needs Redis 7.0 or later";
    return "";
}

// Matches the texts kernel/bus/redis_connection.cpp fails with.
std::string describe_redis_failure(std::string_view error, std::string_view where,
                                   std::chrono::milliseconds timeout) {
    const std::string at = "Redis at " + std::string(where);
    const std::string connect = "cannot connect to " + std::string(where) + ": ";
    if (error.starts_with(connect)) return at + " is unreachable: " + after_prefix(error, connect);
    if (error.starts_with("cannot resolve ")) return at + " is unreachable: " + std::string(error);
    // "no connect to ... within", "no log in to ... within", "no reply from ... within".
    if (error.starts_with("no ") && error.find(" within ") != std::string_view::npos)
        return at + " did not answer within " + std::to_string(timeout.count()) + " ms";
    // A command refused for want of AUTH (SELECT or PING, whichever came first).
    if (const size_t noauth = error.find("NOAUTH"); noauth != std::string_view::npos)
        return at + " needs a password, and bus.redis_url gives none (" +
               std::string(error.substr(noauth)) + ")";
    const std::string password = std::string(where) + " refused the password: ";
    if (error.starts_with(password))
        return at + " refused the password (" + after_prefix(error, password) + ")";
    // "<where> refused database 3: ...", "<where> closed the connection: ...".
    if (error.starts_with(std::string(where) + " ")) return "Redis at " + std::string(error);
    return at + ": " + std::string(error);
}

std::string probe_redis(const RedisEndpoint& endpoint, std::chrono::milliseconds timeout) {
    const std::string where = endpoint.describe();
    boost::asio::io_context io;
    auto connection = RedisConnection::create(io, endpoint, timeout, kMaxInfoBytes);
    std::string problem;
    connection->async_open([&](std::string_view error) {
        if (!error.empty()) {
            problem = describe_redis_failure(error, where, timeout);
            return;
        }
        const std::array<std::string_view, 2> info = {"INFO", "server"};
        connection->send(info, [&](resp::Reply reply, std::string_view error) {
            if (!error.empty()) {
                problem = describe_redis_failure(error, where, timeout);
                return;
            }
            if (reply->type == REDIS_REPLY_ERROR)
                problem = "Redis at " + where + " refused INFO server (" +
                          std::string(resp::text_of(*reply)) + ")";
            else if (reply->type != REDIS_REPLY_STRING)
                problem = "Redis at " + where + " answered INFO server with no text";
            else problem = redis_server_problem(resp::text_of(*reply), where);
            // Nothing else is awaited: closing lets io.run() return.
            connection->close();
        });
    });
    io.run();
    return problem;
}

} // namespace switchyard

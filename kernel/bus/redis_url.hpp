// Where the redis bus engine finds Redis: [bus] redis_url, parsed.
//
//   redis://[[user]:password@]host[:port][/db]     host: a name, an IPv4 or [an IPv6]
//   unix:///absolute/path[?db=N&user=U&password=P]
//
// User and password are percent-decoded (a password with '@' or ':' is written %40, %3A).
// rediss:// is refused: Debian 12's hiredis has no TLS.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace switchyard {

// One Redis server and how to log in to it.
struct RedisEndpoint {
    std::string host;      // TCP: a name or an address (an IPv6 one without brackets)
    uint16_t port = 6379;  // TCP
    std::string unix_path; // a Unix socket's absolute path; host is then empty
    std::string user;      // empty: the default user (AUTH with the password alone)
    std::string password;  // empty: no AUTH
    uint32_t db = 0;       // SELECT, when not 0

    // True for a Unix socket.
    bool is_unix() const noexcept { return !unix_path.empty(); }
    // For logs and errors: "127.0.0.1:6380 db 2", "[::1]:6379", "unix:/run/redis.sock".
    // Never the password.
    std::string describe() const;
};

// The endpoint `url` names, or why it is not a Redis URL (a sentence for the config error).
std::variant<RedisEndpoint, std::string> parse_redis_url(std::string_view url);

} // namespace switchyard

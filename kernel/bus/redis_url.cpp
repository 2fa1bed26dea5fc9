#include "bus/redis_url.hpp"

#include "auth/url_decoding.hpp"

#include <charconv>
#include <limits>
#include <optional>

namespace switchyard {

namespace {

constexpr std::string_view kForms =
    "must be redis://[[user]:password@]host[:port][/db] or unix:///path[?db=N]";

// A decimal number within [0, max], all of `text`.
std::optional<uint32_t> parse_number(std::string_view text, uint32_t max) {
    uint32_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value > max)
        return std::nullopt;
    return value;
}

// "user:password" (or ":password") from before the '@', decoded.
std::optional<std::string> read_credentials(std::string_view userinfo, RedisEndpoint& out) {
    const size_t colon = userinfo.find(':');
    if (colon == std::string_view::npos)
        return "a user needs a password: write redis://user:password@host";
    auto user = auth::percent_decode(userinfo.substr(0, colon), false);
    auto password = auth::percent_decode(userinfo.substr(colon + 1), false);
    if (!user || !password) return "the user or password has a malformed %-escape";
    if (password->empty()) return "the password is empty";
    out.user = std::move(*user);
    out.password = std::move(*password);
    return std::nullopt;
}

// "host[:port]", "[v6][:port]".
std::optional<std::string> read_host_port(std::string_view hostport, RedisEndpoint& out) {
    std::string_view port;
    if (!hostport.empty() && hostport.front() == '[') {
        const size_t close = hostport.find(']');
        if (close == std::string_view::npos) return "an IPv6 address lacks its ']'";
        out.host = std::string(hostport.substr(1, close - 1));
        std::string_view rest = hostport.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return "unexpected text after the IPv6 address";
            port = rest.substr(1);
            if (port.empty()) return "the port is empty";
        }
    } else {
        const size_t colon = hostport.find(':');
        out.host = std::string(hostport.substr(0, colon));
        if (colon != std::string_view::npos) {
            port = hostport.substr(colon + 1);
            if (port.empty()) return "the port is empty";
        }
    }
    if (out.host.empty()) return "the host is empty";
    if (!port.empty()) {
        const auto number = parse_number(port, 65535);
        if (!number || *number == 0) return "the port must be 1 to 65535";
        out.port = static_cast<uint16_t>(*number);
    }
    return std::nullopt;
}

std::optional<std::string> read_db(std::string_view text, RedisEndpoint& out) {
    const auto db = parse_number(text, std::numeric_limits<int32_t>::max());
    if (!db) return "the database must be a number, 0 or more";
    out.db = *db;
    return std::nullopt;
}

std::variant<RedisEndpoint, std::string> parse_tcp(std::string_view rest) {
    RedisEndpoint out;
    // Authority up to the first '/', then the optional "/db".
    const size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    if (rest.find_first_of("?#") != std::string_view::npos)
        return std::string("a redis:// URL takes no query: put the database in the path (/2)");
    const size_t at = authority.rfind('@');
    if (at != std::string_view::npos) {
        if (auto error = read_credentials(authority.substr(0, at), out)) return *error;
        authority = authority.substr(at + 1);
    }
    if (auto error = read_host_port(authority, out)) return *error;
    if (slash != std::string_view::npos) {
        const std::string_view db = rest.substr(slash + 1);
        if (!db.empty()) {
            if (auto error = read_db(db, out)) return *error;
        }
    }
    return out;
}

std::variant<RedisEndpoint, std::string> parse_unix(std::string_view rest) {
    RedisEndpoint out;
    const size_t question = rest.find('?');
    const std::string_view path = rest.substr(0, question);
    if (path.empty() || path.front() != '/')
        return std::string("a Unix socket's path must be absolute: unix:///run/redis.sock");
    auto decoded = auth::percent_decode(path, false);
    if (!decoded) return std::string("the path has a malformed %-escape");
    out.unix_path = std::move(*decoded);
    if (question == std::string_view::npos) return out;

    std::string_view query = rest.substr(question + 1);
    while (!query.empty()) {
        const size_t amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        const size_t equals = pair.find('=');
        const std::string_view name = pair.substr(0, equals);
        auto value = auth::percent_decode(
            equals == std::string_view::npos ? std::string_view{} : pair.substr(equals + 1), false);
        if (!value) return "the value of " + std::string(name) + " has a malformed %-escape";
        if (name == "db") {
            if (auto error = read_db(*value, out)) return *error;
        } else if (name == "password") {
            out.password = std::move(*value);
        } else if (name == "user") {
            out.user = std::move(*value);
        } else {
            return "unknown parameter '" + std::string(name) + "' (db, user, password)";
        }
    }
    if (!out.user.empty() && out.password.empty()) return std::string("a user needs a password");
    return out;
}

} // namespace

std::string RedisEndpoint::describe() const {
    std::string text = is_unix() ? "unix:" + unix_path
                       : host.find(':') != std::string::npos
                           ? "[" + host + "]:" + std::to_string(port)
                           : host + ":" + std::to_string(port);
    if (db != 0) text += " db " + std::to_string(db);
    return text;
}

std::variant<RedisEndpoint, std::string> parse_redis_url(std::string_view url) {
    constexpr std::string_view kRedis = "redis://";
    constexpr std::string_view kUnix = "unix://";
    if (url.rfind(kRedis, 0) == 0) return parse_tcp(url.substr(kRedis.size()));
    if (url.rfind(kUnix, 0) == 0) return parse_unix(url.substr(kUnix.size()));
    if (url.rfind("rediss://", 0) == 0)
        return std::string(
            "rediss:// (TLS) is not supported: Debian 12's hiredis has no TLS; "
            "reach Redis on loopback, a private network or a Unix socket");
    return std::string(kForms);
}

} // namespace switchyard

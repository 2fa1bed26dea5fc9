// Where a listener binds: an IP literal and a port, parsed from the "host:port" text an
// operator writes in the config file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard {

// An address to bind. `host` is always an IP literal without brackets, so it can be handed
// to the socket layer as is ("127.0.0.1", "0.0.0.0", "::1"); port 0 asks for an ephemeral one.
struct ListenAddress {
    std::string host;
    uint16_t port = 0;

    // "127.0.0.1:7700"; an IPv6 host is bracketed: "[::1]:80".
    std::string to_string() const;

    friend bool operator==(const ListenAddress&, const ListenAddress&) = default;
};

// Parses "host:port" or "[ipv6]:port". The host is an IPv4 or (bracketed) IPv6 literal,
// "localhost" (becomes 127.0.0.1) or "*" (becomes 0.0.0.0); no name is resolved, so a
// config never depends on DNS. The port is decimal, 0..65535. On error returns nullopt and,
// if `reason` is given, stores a plain sentence saying what is wrong.
std::optional<ListenAddress> parse_listen_address(std::string_view text,
                                                  std::string* reason = nullptr);

} // namespace switchyard

// Where a plugin's passed requests go: the product's own backend, from the plugin's
// `upstream` key ([plugins.<name>] upstream = "http://host:port") and its time-outs.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace switchyard {

struct UpstreamTarget {
    std::string url;  // as configured, for messages
    std::string host; // a name or an address (IPv6 without brackets)
    uint16_t port = 80;
    std::string host_header; // host[:port]: the Host the upstream sees
    // To connect (504 past it; 502 when refused).
    std::chrono::milliseconds connect_timeout{5000};
    // For the answer's head (504 past it), then between two reads of its body, as nginx's
    // proxy_read_timeout: an answer idle for longer is cut.
    std::chrono::milliseconds response_timeout{60000};

    bool operator==(const UpstreamTarget&) const = default;
};

} // namespace switchyard

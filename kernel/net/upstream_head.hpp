// The heads the upstream pass-through writes: the request as it goes to the product's
// own backend, and the backend's answer as it goes back to the client. Pure functions on
// header lists, as nginx's proxy module rewrites them by default: hop-by-hop headers
// (RFC 9110 7.6.1: Connection, the headers it names, Keep-Alive, Transfer-Encoding, TE,
// Trailer, Upgrade, Proxy-Connection) stop at the kernel, X-Forwarded-* are added, and
// each side gets the body framing its own connection needs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchyard {

using HeadFields = std::vector<std::pair<std::string_view, std::string_view>>;

// How a body travels on one connection.
enum class BodyFraming {
    none,           // no body (a request without one, HEAD, 204, 304)
    content_length, // Content-Length: n
    chunked,        // Transfer-Encoding: chunked
    until_close     // the body ends when the connection does (an HTTP/1.0 client)
};

// What the kernel knows of the request it passes on.
struct ForwardedRequest {
    std::string_view method;
    std::string_view target;
    const HeadFields* fields = nullptr; // as the client sent them
    std::string_view client_address;    // appended to X-Forwarded-For
    std::string_view scheme = "http";   // X-Forwarded-Proto
    BodyFraming framing = BodyFraming::none;
    uint64_t content_length = 0; // for BodyFraming::content_length
};

// The request head for the upstream: request line, the client's end-to-end headers
// (Host and Expect replaced: the upstream's Host, and the kernel has answered 100-continue
// itself), X-Forwarded-For (the client's list plus its address), X-Forwarded-Proto,
// X-Forwarded-Host (the client's Host), the framing, and Connection: close (one upstream
// connection per request).
std::string upstream_request_head(const ForwardedRequest& request, std::string_view upstream_host);

// What the kernel knows of the answer it passes back.
struct ForwardedResponse {
    unsigned status = 0;
    std::string_view reason;
    const HeadFields* fields = nullptr; // as the upstream sent them
    // Headers the plugin adds (CORS, ...); they replace the upstream's of the same name.
    const std::vector<std::pair<std::string, std::string>>* extra = nullptr;
    BodyFraming framing = BodyFraming::none;
    uint64_t content_length = 0;
    bool keep_alive = false; // the client's connection stays open afterwards
    bool http10 = false;     // the client spoke HTTP/1.0
};

// The response head for the client: status line, the upstream's end-to-end headers, the
// plugin's, the framing and Connection.
std::string client_response_head(const ForwardedResponse& response);

// True when `name` is hop-by-hop for a message whose Connection header is `connection`
// (the headers it lists are hop-by-hop too).
bool is_hop_by_hop(std::string_view name, std::string_view connection) noexcept;

} // namespace switchyard

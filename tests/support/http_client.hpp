// A synchronous HTTP/1.1 client over loopback, with a timeout on every request: one
// connection per request, the whole response read.
#pragma once

#include "http_headers.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace switchyard::test {

// A response as received.
struct HttpResponse {
    unsigned status = 0;
    std::map<std::string, std::string> headers; // names in lower case; repeats joined by ", "
    std::string body;

    // The value of header `name` (any case), or "" when absent.
    std::string header(std::string_view name) const;
};

class HttpClient {
  public:
    // A client of http://<host>:<port> that adds `default_headers` to every request.
    explicit HttpClient(uint16_t port, HttpHeaders default_headers = {},
                        std::string host = "127.0.0.1",
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));

    // Sends one request and reads the whole response. A body is sent with its
    // Content-Length (and Content-Type: application/json unless `headers` name one).
    // Throws std::runtime_error when no response arrives within the timeout.
    HttpResponse request(std::string_view method, std::string_view target,
                         std::string_view body = {}, const HttpHeaders& headers = {}) const;
    // GET `target`.
    HttpResponse get(std::string_view target, const HttpHeaders& headers = {}) const;
    // POST `body` to `target`.
    HttpResponse post(std::string_view target, std::string_view body,
                      const HttpHeaders& headers = {}) const;

    // The server's port.
    uint16_t port() const { return port_; }

  private:
    uint16_t port_;
    HttpHeaders default_headers_;
    std::string host_;
    std::chrono::milliseconds timeout_;
};

} // namespace switchyard::test

// One HTTP/1.1 connection over loopback kept open across requests (keep-alive), for a
// test that sends thousands of requests in a row (a publisher feeding the bus) without
// opening a TCP connection per request as HttpClient does. Every request has a timeout.
#pragma once

#include "http_client.hpp"
#include "http_headers.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace switchyard::test {

class HttpConnection {
  public:
    // A connection to http://127.0.0.1:<port>, opened on the first request, that adds
    // `default_headers` to every request.
    explicit HttpConnection(uint16_t port, HttpHeaders default_headers = {},
                            std::chrono::milliseconds timeout = std::chrono::seconds(10));
    HttpConnection(HttpConnection&&) noexcept;
    HttpConnection& operator=(HttpConnection&&) noexcept;
    // Closes the connection.
    ~HttpConnection();

    // Sends one request on the open connection (opening one when there is none, or when
    // the server closed the last one after its response) and reads the whole response.
    // A body is sent with Content-Type: application/json unless `headers` name one. No
    // request is retried: a failure throws std::runtime_error and drops the connection.
    HttpResponse request(std::string_view method, std::string_view target,
                         std::string_view body = {}, const HttpHeaders& headers = {});
    // POST `body` to `target`.
    HttpResponse post(std::string_view target, std::string_view body,
                      const HttpHeaders& headers = {});
    // GET `target`.
    HttpResponse get(std::string_view target, const HttpHeaders& headers = {});

    // How many TCP connections were opened so far (1 while the server keeps one alive).
    size_t connections_opened() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace switchyard::test

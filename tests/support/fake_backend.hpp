// A small stand-in for a product's own backend (the GROOVE daemon, the JARVIS daemon,
// CLI-JAW's server), on 127.0.0.1: it answers the REST routes a test registers and
// records every request it receives, so a test can put Switchyard in front of it
// (`upstream = "http://127.0.0.1:<port>"`) and check what went through. A handler may
// do what the real backend does when a route is called, such as publish an event
// through the kernel's control API. Each connection is served on its own thread with
// Beast's synchronous calls; every accessor is safe from the test's thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchyard::test {

// A request as the backend received it.
struct BackendRequest {
    std::string method;
    std::string target; // path and query, as sent
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    // The first header of that name (case-insensitive), if any.
    std::optional<std::string> header(std::string_view name) const;
    // The number of headers of that name.
    size_t header_count(std::string_view name) const;
};

// What a route answers.
struct BackendResponse {
    unsigned status = 200;
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

using BackendHandler = std::function<BackendResponse(const BackendRequest&)>;

class FakeBackend {
  public:
    // Listens on 127.0.0.1:<ephemeral>. A HEAD request gets the route's head and length
    // without its body. A request no route matches gets 404
    // {"error":"Not found"}, as an Express server without that route would.
    FakeBackend();
    FakeBackend(const FakeBackend&) = delete;
    FakeBackend& operator=(const FakeBackend&) = delete;
    // Stops accepting, closes every connection and joins the threads.
    ~FakeBackend();

    // Answers `method` (or "*" for any) on `path` (exact, before the query) with
    // `handler`. Routes added later win over earlier ones of the same method and path.
    void route(std::string method, std::string path, BackendHandler handler);
    // Shorthand: a fixed JSON answer.
    void route_json(std::string method, std::string path, std::string json_body,
                    unsigned status = 200);

    // The port it listens on, and "http://127.0.0.1:<port>".
    uint16_t port() const;
    std::string url() const;
    // Every request received so far, in order of arrival.
    std::vector<BackendRequest> requests() const;
    // Waits until a request for `path` (before the query) has arrived; returns it.
    std::optional<BackendRequest> wait_for(std::string_view path,
                                           std::chrono::milliseconds timeout) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace switchyard::test

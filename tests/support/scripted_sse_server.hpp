// A stand-in for another server's event stream, on 127.0.0.1: it accepts connections,
// records each request head, and answers each connection with the bytes a test scripted
// (a healthy SSE head and events, garbage, or nothing after the head), then closes it or
// keeps it open. For tests of a client the kernel runs (a plugin following a "worker").
// It runs on its own thread; every accessor is safe from the test's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::test {

// What the server does with one accepted connection once its request head arrived.
struct ScriptedAnswer {
    std::string bytes;        // written as they are (status line, headers, body)
    bool close_after = false; // close once written; otherwise keep it open (reading)
};

class ScriptedSseServer {
  public:
    // Listens on 127.0.0.1:<ephemeral>. The n-th connection gets answers[n]; connections
    // past the list get its last answer. Throws std::runtime_error for an empty list.
    explicit ScriptedSseServer(std::vector<ScriptedAnswer> answers);
    ScriptedSseServer(const ScriptedSseServer&) = delete;
    ScriptedSseServer& operator=(const ScriptedSseServer&) = delete;
    // Stops the server and closes every connection.
    ~ScriptedSseServer();

    // The port it listens on.
    uint16_t port() const;
    // How many connections it accepted so far.
    size_t connections() const;
    // The request heads received so far (request line and headers), in order.
    std::vector<std::string> requests() const;
    // How many accepted connections the client has closed so far.
    size_t closed_by_client() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// "HTTP/1.1 200 OK" with Content-Type: text/event-stream, no length (the stream ends
// when the connection does), followed by `body`.
std::string sse_answer(std::string_view body);

} // namespace switchyard::test

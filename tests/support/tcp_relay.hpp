// A loopback TCP relay that a test can cut: a kernel reaches its Redis through it, and the
// test pauses it so that one node loses Redis while another keeps publishing, then resumes
// it. It forwards bytes both ways, unchanged and in order, on a thread of its own.
#pragma once

#include <cstdint>
#include <memory>

namespace switchyard::test {

// What pause() does to the link.
enum class RelayPause {
    // Every relayed connection is reset (both sides), and connections made while paused
    // are accepted and reset at once: the client sees its peer go away and come back
    // refusing, as when the server crashed.
    Drop,
    // Nothing more is forwarded either way, and connections made while paused are accepted
    // but not connected onward: the client sees a peer that went silent (a cable pulled).
    // What was held is forwarded on resume(), unless a side closed meanwhile.
    Hold,
};

class TcpRelay {
  public:
    // Listens on 127.0.0.1:<ephemeral> and relays each connection to
    // 127.0.0.1:<target_port> (a refused connection onward resets the client's). Throws
    // std::runtime_error when it cannot listen.
    explicit TcpRelay(uint16_t target_port);
    TcpRelay(const TcpRelay&) = delete;
    TcpRelay& operator=(const TcpRelay&) = delete;
    // Stops the thread and closes every connection.
    ~TcpRelay();

    // The port clients connect to.
    uint16_t port() const;
    // Cuts the link as `mode` says; in effect for every connection when it returns.
    void pause(RelayPause mode = RelayPause::Drop);
    // Forwards again, for the connections held and the new ones; in effect when it returns.
    void resume();
    // The connections being relayed (or held) now.
    std::size_t open_connections() const;
    // The connections accepted since the relay started, refused ones included.
    uint64_t accepted() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace switchyard::test

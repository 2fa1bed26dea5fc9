// One client TCP connection's life: non-blocking connect, an optional handshake request,
// then a byte stream handed to the protocol (consume). Failures before the protocol is
// open and losses after it are reported separately, because they count differently.
#pragma once

#include "event_loop.hpp"
#include "socket.hpp"

#include <cstdint>
#include <string>

namespace loadgen {

class Connection : public EventHandler {
  public:
    enum class State : uint8_t { idle, connecting, handshake, open, closed };

    explicit Connection(EventLoop& loop) : loop_(loop) {}
    virtual ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Starts connecting; the connect and handshake must finish before deadline_ns.
    void start(const Endpoint& endpoint, uint64_t deadline_ns);
    // Fails the connection if it is still connecting or handshaking after its deadline.
    void check_deadline(uint64_t now);
    State state() const { return state_; }

    void on_event(uint32_t events) final;

  protected:
    // The bytes to send once TCP is connected; empty: the connection opens at once.
    virtual std::string handshake_request() = 0;
    // Bytes received (leftover + new); returns bytes used or kStop. now_ns() is in now_.
    virtual size_t consume(const char* p, size_t n) = 0;
    // The size of the message whose start consume() left unused, when it knows it (0:
    // not known): the read loop then reads the rest of it and no further.
    virtual size_t partial_message_size() const { return 0; }
    virtual void on_open() {}
    virtual void on_failed(const std::string& why) = 0; // never opened
    virtual void on_lost(const std::string& why) = 0;   // was open

    // The handshake succeeded.
    void opened();
    // Closes the socket and reports why, as a failure or a loss depending on the state.
    void fail(const std::string& why);
    // Writes out_; false when that failed (and fail() was called).
    bool flush();

    OutBuffer out_;
    uint64_t now_ = 0; // when the bytes being consumed were read

  private:
    void connected();
    void readable();

    EventLoop& loop_;
    int fd_ = -1;
    State state_ = State::idle;
    uint64_t deadline_ = 0;
    Leftover leftover_;
};

} // namespace loadgen

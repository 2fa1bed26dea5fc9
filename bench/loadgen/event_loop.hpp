// A thin epoll wrapper. Every socket is registered once, edge-triggered, for input and
// output together, so no epoll_ctl is needed per write: a handler flushes its queued
// bytes whenever an EPOLLOUT edge arrives.
#pragma once

#include <sys/epoll.h>

#include <cstdint>

namespace loadgen {

class EventHandler {
  public:
    virtual void on_event(uint32_t events) = 0;

  protected:
    ~EventHandler() = default;
};

class EventLoop {
  public:
    EventLoop();
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // Registers fd (EPOLLIN | EPOLLOUT | EPOLLRDHUP, edge-triggered). The handler must
    // outlive the fd: events of one batch may still name a handler whose fd just closed,
    // so handlers are never destroyed while the loop runs.
    bool add(int fd, EventHandler* handler);

    // Waits up to timeout_ms for events and dispatches them; returns how many.
    int poll(int timeout_ms);
    // The same with a timeout in nanoseconds (epoll_pwait2), for paced sends a millisecond
    // or less apart.
    int poll_ns(uint64_t timeout_ns);

  private:
    // Dispatches the n events epoll returned (n < 0: its error).
    int dispatch(int n);

    static constexpr int kMaxEvents = 1024;
    int epfd_;
    epoll_event events_[kMaxEvents];
};

} // namespace loadgen

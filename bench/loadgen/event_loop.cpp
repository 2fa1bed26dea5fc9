#include "event_loop.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace loadgen {

EventLoop::EventLoop() : epfd_(epoll_create1(EPOLL_CLOEXEC)) {
    if (epfd_ < 0) {
        std::perror("loadgen: epoll_create1");
        std::exit(2);
    }
}

EventLoop::~EventLoop() {
    close(epfd_);
}

bool EventLoop::add(int fd, EventHandler* handler) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = handler;
    return epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) == 0;
}

int EventLoop::poll(int timeout_ms) {
    return dispatch(epoll_wait(epfd_, events_, kMaxEvents, timeout_ms));
}

int EventLoop::poll_ns(uint64_t timeout_ns) {
    const timespec timeout{time_t(timeout_ns / 1000000000u), long(timeout_ns % 1000000000u)};
    return dispatch(epoll_pwait2(epfd_, events_, kMaxEvents, &timeout, nullptr));
}

int EventLoop::dispatch(int n) {
    if (n < 0) {
        if (errno == EINTR) return 0;
        std::perror("loadgen: epoll_wait");
        std::exit(2);
    }
    for (int k = 0; k < n; ++k) {
        static_cast<EventHandler*>(events_[k].data.ptr)->on_event(events_[k].events);
    }
    return n;
}

} // namespace loadgen

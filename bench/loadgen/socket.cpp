#include "socket.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

namespace loadgen {

bool resolve(const Url& url, Endpoint& out, std::string& error) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* result = nullptr;
    const std::string port = std::to_string(url.port);
    const int rc = getaddrinfo(url.host.c_str(), port.c_str(), &hints, &result);
    if (rc != 0 || result == nullptr) {
        error = "cannot resolve '" + url.host + "': " + gai_strerror(rc);
        return false;
    }
    std::memcpy(&out.addr, result->ai_addr, result->ai_addrlen);
    out.len = result->ai_addrlen;
    freeaddrinfo(result);
    return true;
}

int connect_nonblocking(const Endpoint& ep, std::string& error) {
    const int fd = socket(ep.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = std::string("socket: ") + std::strerror(errno);
        return -1;
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, reinterpret_cast<const sockaddr*>(&ep.addr), ep.len) != 0 &&
        errno != EINPROGRESS) {
        error = std::string("connect: ") + std::strerror(errno);
        close(fd);
        return -1;
    }
    return fd;
}

std::string connect_error(int fd) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    return err == 0 ? std::string() : std::string("connect: ") + std::strerror(err);
}

bool OutBuffer::flush(int fd) {
    while (sent_ < data_.size()) {
        const ssize_t r = send(fd, data_.data() + sent_, data_.size() - sent_, MSG_NOSIGNAL);
        if (r < 0) {
            if (errno == EINTR) continue;
            return errno == EAGAIN || errno == EWOULDBLOCK;
        }
        sent_ += size_t(r);
    }
    data_.clear(); // keeps the capacity: a busy publisher reuses it without allocating
    sent_ = 0;
    return true;
}

void Leftover::resize(size_t n) {
    if (n > capacity_) {
        // Doubling: a big frame read in steps costs O(size) copying in all.
        size_t capacity = capacity_ == 0 ? 4096 : capacity_;
        while (capacity < n) capacity *= 2;
        auto grown = std::make_unique_for_overwrite<char[]>(capacity);
        if (size_ > 0) std::memcpy(grown.get(), data_.get(), size_);
        data_ = std::move(grown);
        capacity_ = capacity;
    }
    size_ = n;
}

void Leftover::assign(const char* p, size_t n) {
    size_ = 0;
    resize(n);
    if (n > 0) std::memcpy(data_.get(), p, n);
}

void Leftover::erase_front(size_t n) {
    if (n >= size_) {
        size_ = 0;
        return;
    }
    std::memmove(data_.get(), data_.get() + n, size_ - n);
    size_ -= n;
}

void Leftover::release() {
    data_.reset();
    size_ = capacity_ = 0;
}

char* shared_read_buffer() {
    static char buffer[kSharedBufferSize];
    return buffer;
}

} // namespace loadgen

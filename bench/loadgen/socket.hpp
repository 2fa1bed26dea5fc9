// Non-blocking TCP plumbing: address resolution, connect, a write queue, and the
// shared-buffer read loop every connection uses.
#pragma once

#include "url.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

namespace loadgen {

struct Endpoint {
    sockaddr_storage addr{};
    socklen_t len = 0;
};

// Resolves url's host and port (first address getaddrinfo returns).
bool resolve(const Url& url, Endpoint& out, std::string& error);

// A non-blocking, TCP_NODELAY socket with a connect under way; -1 with error text.
int connect_nonblocking(const Endpoint& ep, std::string& error);

// SO_ERROR of a socket whose connect finished: empty when connected.
std::string connect_error(int fd);

// Bytes waiting to be written. Appended by the protocol code, written by flush() now
// and again on every EPOLLOUT edge until empty.
class OutBuffer {
  public:
    std::string& data() { return data_; }
    bool empty() const { return sent_ == data_.size(); }
    size_t pending() const { return data_.size() - sent_; }
    // Writes what it can; false on a socket error (errno holds it).
    bool flush(int fd);

  private:
    std::string data_;
    size_t sent_ = 0;
};

// A connection's partial frame or line between reads. Unlike std::string it grows
// without zero-filling and keeps its capacity when emptied, so a stream of multi-MiB
// frames is read straight into it with no per-read memset or reallocation copy.
class Leftover {
  public:
    Leftover() = default;
    Leftover(const Leftover&) = delete;
    Leftover& operator=(const Leftover&) = delete;

    char* data() { return data_.get(); }
    size_t size() const { return size_; }
    size_t capacity() const { return capacity_; }
    // Sets the size to n; bytes past the old size are uninitialised.
    void resize(size_t n);
    void assign(const char* p, size_t n);
    // Drops the first n bytes.
    void erase_front(size_t n);
    // Frees the memory (a closed connection).
    void release();

  private:
    std::unique_ptr<char[]> data_;
    size_t size_ = 0;
    size_t capacity_ = 0;
};

// Every connection reads into this one buffer, so an idle connection costs no buffer;
// only a partial frame or line left at the end of a read is copied out to the
// connection's own leftover string.
inline constexpr size_t kSharedBufferSize = 256 * 1024;
char* shared_read_buffer();

inline constexpr size_t kStop = SIZE_MAX; // consume(): the connection is finished

enum class ReadEnd { drained, eof, error, stopped };

// Reads everything the socket has. consume(p, n) is shown the connection's leftover
// bytes followed by what was just read, and returns how many bytes it used (the rest
// is kept as leftover for next time) or kStop. partial() tells the size of the message
// the leftover starts (0: not known), so that a big one is read up to its end and no
// further: the leftover then empties with no bytes of the next message to move.
template <class Consume, class Partial>
ReadEnd read_available(int fd, Leftover& leftover, Consume&& consume, Partial&& partial) {
    char* shared = shared_read_buffer();
    for (;;) {
        // A partial message larger than half the shared buffer (a big frame) is read
        // straight into the leftover, which then grows to hold it; each read fills
        // whatever capacity it already has.
        const bool big = leftover.size() > kSharedBufferSize / 2;
        size_t have = leftover.size();
        char* buf;
        size_t cap;
        if (big) {
            const size_t whole = partial();
            leftover.resize(
                whole > have ? whole : std::max(have + kSharedBufferSize / 2, leftover.capacity()));
            buf = leftover.data();
            cap = leftover.size();
        } else {
            if (have > 0) std::memcpy(shared, leftover.data(), have);
            buf = shared;
            cap = kSharedBufferSize;
        }
        const ssize_t r = recv(fd, buf + have, cap - have, 0);
        if (r <= 0) {
            if (big) leftover.resize(have);
            if (r == 0) return ReadEnd::eof;
            if (errno == EINTR) continue;
            return errno == EAGAIN || errno == EWOULDBLOCK ? ReadEnd::drained : ReadEnd::error;
        }
        const size_t total = have + size_t(r);
        const size_t used = consume(static_cast<const char*>(buf), total);
        if (used == kStop) return ReadEnd::stopped;
        if (big) {
            leftover.resize(total);
            leftover.erase_front(used);
        } else {
            leftover.assign(shared + used, total - used);
        }
        // A short read means the socket was empty; with edge-triggered epoll any byte
        // arriving later raises a new edge, so the extra read() that would only
        // return EAGAIN is skipped.
        if (size_t(r) < cap - have) return ReadEnd::drained;
    }
}

} // namespace loadgen

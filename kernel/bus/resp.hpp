// RESP, Redis's wire protocol, for the redis bus engine: commands written as arrays of
// bulk strings (binary-safe: an event's data may hold any byte), replies read with
// hiredis's own parser (redisReader) from whatever bytes the socket has delivered. The
// engine owns its sockets (Asio); hiredis only parses, so no second event loop and no
// blocking DNS lookup enter the kernel.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

struct redisReply;  // <hiredis/hiredis.h>: included by resp.cpp and what reads replies
struct redisReader; // <hiredis/read.h>

namespace switchyard::resp {

// Appends the command `args` ("XADD", key, ...) to `out` as one RESP array of bulk
// strings. Commands appended one after another are a pipeline.
void append_command(std::string& out, std::span<const std::string_view> args);

// Frees a reply with hiredis's freeReplyObject.
struct ReplyDeleter {
    void operator()(redisReply* reply) const noexcept;
};
// One whole reply (with its nested elements).
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

// The bytes of a string, status or error reply.
std::string_view text_of(const redisReply& reply) noexcept;
// True for a string or status reply (not null, nil, an integer, an array or an error).
bool is_text(const redisReply* reply) noexcept;

// Replies out of a byte stream, in order. Not thread-safe: one per connection.
class ReplyReader {
  public:
    // `max_pending_bytes` bounds what may wait unparsed: a reply larger than that (or a
    // peer that sends no end) breaks the stream instead of growing memory without bound.
    explicit ReplyReader(size_t max_pending_bytes);
    ~ReplyReader();
    ReplyReader(const ReplyReader&) = delete;
    ReplyReader& operator=(const ReplyReader&) = delete;

    // Hands over bytes read from the connection. False once the stream is broken (see
    // error()): the connection must be closed.
    bool feed(std::string_view bytes);
    // The next whole reply, or an empty Reply when more bytes are needed or the stream
    // is broken.
    Reply next();
    // Why the stream is broken: not RESP, nested too deep, or a reply over the bound. ""
    // while it is good.
    const std::string& error() const noexcept { return error_; }

  private:
    redisReader* reader_;
    size_t max_pending_bytes_;
    std::string error_;
};

} // namespace switchyard::resp

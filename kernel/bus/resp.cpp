#include "bus/resp.hpp"

#include <hiredis/hiredis.h>
#include <hiredis/read.h>

#include <new>

namespace switchyard::resp {

void append_command(std::string& out, std::span<const std::string_view> args) {
    out += '*';
    out += std::to_string(args.size());
    out += "\r\n";
    for (const std::string_view arg : args) {
        out += '$';
        out += std::to_string(arg.size());
        out += "\r\n";
        out.append(arg);
        out += "\r\n";
    }
}

std::string_view text_of(const redisReply& reply) noexcept {
    return std::string_view(reply.str, reply.len);
}

bool is_text(const redisReply* reply) noexcept {
    return reply != nullptr &&
           (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS);
}

void ReplyDeleter::operator()(redisReply* reply) const noexcept {
    freeReplyObject(reply);
}

ReplyReader::ReplyReader(size_t max_pending_bytes)
    : reader_(redisReaderCreate()), max_pending_bytes_(max_pending_bytes) {
    if (reader_ == nullptr) throw std::bad_alloc();
}

ReplyReader::~ReplyReader() {
    redisReaderFree(reader_);
}

bool ReplyReader::feed(std::string_view bytes) {
    if (!error_.empty()) return false;
    if (redisReaderFeed(reader_, bytes.data(), bytes.size()) != REDIS_OK) {
        error_ = reader_->errstr;
        return false;
    }
    if (reader_->len - reader_->pos > max_pending_bytes_) {
        error_ = "a reply larger than " + std::to_string(max_pending_bytes_) + " bytes";
        return false;
    }
    return true;
}

Reply ReplyReader::next() {
    if (!error_.empty()) return {};
    void* reply = nullptr;
    if (redisReaderGetReply(reader_, &reply) != REDIS_OK) {
        error_ = reader_->errstr[0] != '\0' ? reader_->errstr : "a malformed reply";
        return {};
    }
    return Reply(static_cast<redisReply*>(reply));
}

} // namespace switchyard::resp

// HTTP POST publisher: one keep-alive connection, requests pipelined up to the window,
// answers matched to requests in order (HTTP/1.1 answers pipelined requests in order).
#pragma once

#include "http_response_stream.hpp"
#include "publisher.hpp"

namespace loadgen {

class HttpPublisher final : public Publisher {
  public:
    HttpPublisher(RunState& run, const Url& url);
    void pump() override;

  private:
    std::string handshake_request() override { return {}; } // plain HTTP: open at once
    size_t consume(const char* p, size_t n) override;
    void on_lost(const std::string& why) override;
    void answer(int status);

    std::string head_; // request line and headers, Content-Length included
    // {"topic":..,"type":..,"data": per group (one without --groups), all of one length
    std::vector<std::string> body_prefixes_;
    ResponseStream responses_;
    uint64_t answered_ = 0; // responses so far: the next one answers message answered_
};

} // namespace loadgen

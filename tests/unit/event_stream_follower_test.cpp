// The follower's bound (net/event_stream_follower): news the plugin has not taken yet
// stops the reading of the socket, and taking it resumes the reading, so a server faster
// than the plugin is slowed down and nothing is lost. The follower runs on an io_context
// of the test's own: once it stops reading, the io_context runs out of work and run()
// returns, which is what makes the pause observable without any timing.
#include "net/event_stream_follower.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

using namespace switchyard;

namespace {

constexpr int kEvents = 2000;

// Accepts one connection on 127.0.0.1, reads the request head, writes `response`, closes.
class OneShotServer {
  public:
    explicit OneShotServer(std::string response) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        REQUIRE(::listen(fd_, 1) == 0);
        socklen_t length = sizeof address;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
        port_ = ntohs(address.sin_port);
        thread_ = std::thread([this, response = std::move(response)] {
            const int conn = ::accept(fd_, nullptr, nullptr);
            if (conn < 0) return;
            std::string head;
            char buffer[1024];
            while (head.find("\r\n\r\n") == std::string::npos) {
                const ssize_t n = ::recv(conn, buffer, sizeof buffer, 0);
                if (n <= 0) break;
                head.append(buffer, static_cast<size_t>(n));
            }
            std::string_view rest = response;
            while (!rest.empty()) {
                const ssize_t n = ::send(conn, rest.data(), rest.size(), MSG_NOSIGNAL);
                if (n <= 0) break;
                rest.remove_prefix(static_cast<size_t>(n));
            }
            ::close(conn);
        });
    }
    ~OneShotServer() {
        ::shutdown(fd_, SHUT_RDWR);
        thread_.join();
        ::close(fd_);
    }
    uint16_t port() const { return port_; }

  private:
    int fd_ = -1;
    uint16_t port_ = 0;
    std::thread thread_;
};

std::string stream_of_numbers() {
    std::string body = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n";
    const std::string padding(100, 'p');
    for (int i = 1; i <= kEvents; ++i) {
        body += ": " + padding + "\ndata: " + std::to_string(i) + "\n\n";
    }
    return body;
}

} // namespace

TEST_CASE("follower: past its bound it stops reading until the news is taken, and loses none",
          "[follower]") {
    OneShotServer server(stream_of_numbers());
    std::string why;
    auto url = parse_follow_url("http://127.0.0.1:" + std::to_string(server.port()) + "/", why);
    REQUIRE(url);
    FollowSpec spec;
    spec.url = *url;
    spec.max_waiting_events = 16;
    spec.max_waiting_bytes = 1 << 20;

    boost::asio::io_context io;
    std::vector<FollowNews> news;
    auto follower =
        EventStreamFollower::start(io, spec, [&](FollowNews n) { news.push_back(std::move(n)); });
    size_t taken = 0;
    size_t pauses = 0;
    for (;;) {
        io.restart();
        io.run(); // returns when the follower waits for the plugin, or when it ended
        REQUIRE(!news.empty());
        if (news.back().kind == SY_FOLLOW_CLOSED) break;
        ++pauses;
        // It stopped with the bound reached: at most one read's worth past it (16 KiB of
        // 110-byte events), far from the whole stream.
        const size_t waiting = news.size() - taken;
        REQUIRE(waiting >= spec.max_waiting_events); // (else it would never end)
        CHECK(waiting <= spec.max_waiting_events + 16 * 1024 / 100 + 1);
        for (; taken < news.size(); ++taken) follower->delivered(news[taken].bytes());
    }
    CHECK(pauses > 1);
    REQUIRE(news.size() == kEvents + 2);
    CHECK(news.front().kind == SY_FOLLOW_OPEN);
    CHECK(news.back().reason == "end of stream");
    for (int i = 1; i <= kEvents; ++i) {
        REQUIRE(news[i].kind == SY_FOLLOW_EVENT);
        REQUIRE(news[i].data == std::to_string(i));
    }
}

TEST_CASE("follower: stop() ends it without news", "[follower]") {
    OneShotServer server(stream_of_numbers());
    std::string why;
    auto url = parse_follow_url("http://127.0.0.1:" + std::to_string(server.port()) + "/", why);
    REQUIRE(url);
    FollowSpec spec;
    spec.url = *url;
    spec.max_waiting_events = 4;
    boost::asio::io_context io;
    std::vector<FollowNews> news;
    auto follower =
        EventStreamFollower::start(io, spec, [&](FollowNews n) { news.push_back(std::move(n)); });
    io.run();
    const size_t before = news.size();
    REQUIRE(before >= 4);
    follower->stop();
    for (const auto& n : news) follower->delivered(n.bytes());
    io.restart();
    io.run();
    CHECK(news.size() == before);
}

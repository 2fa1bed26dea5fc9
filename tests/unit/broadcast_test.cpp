// Groups, broadcast and the WebSocket connection over real loopback sockets. The test
// thread is the worker thread: it drives the worker's io_context itself, and every wait
// is "run until a condition holds", bounded by a generous deadline.
#include "net/websocket_connection.hpp"
#include "net/worker.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

using namespace switchyard;

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr sy_group_id kGroup = 7;
constexpr sy_group_id kOtherGroup = 8;
constexpr sy_conn_id kNoOne = 0;

const std::string kHelloFrame("\x81\x05hello");

// Records what the connections report.
class RecordingObserver : public ConnectionObserver {
  public:
    struct Closed {
        sy_conn_id id;
        uint16_t code;
        std::string reason;
    };
    std::vector<std::pair<sy_frame_kind, std::string>> messages;
    std::vector<Closed> closes;
    // Like a plugin runtime: count each message in flight until the test says it is done.
    bool hold_messages = false;

    void on_message(Connection& conn, sy_frame_kind kind, std::string_view payload) override {
        if (hold_messages) conn.message_accepted(payload.size());
        messages.emplace_back(kind, std::string(payload));
    }
    void on_closed(Connection& conn, uint16_t code, std::string_view reason) override {
        closes.push_back({conn.id(), code, std::string(reason)});
    }
};

// The client end of a loopback connection, reading into `received` once told to.
class TestClient {
  public:
    explicit TestClient(asio::io_context& io) : socket(io) {}

    void read_continuously() {
        socket.async_read_some(asio::buffer(buffer_),
                               [this](const boost::system::error_code& ec, size_t n) {
                                   received.append(buffer_.data(), n);
                                   if (ec) {
                                       ended = true;
                                       return;
                                   }
                                   read_continuously();
                               });
    }
    // Small writes to a loopback peer complete at once.
    void send(std::string_view bytes) { asio::write(socket, asio::buffer(bytes)); }
    // True when no byte is waiting (a non-blocking read would block).
    bool nothing_to_read() {
        socket.non_blocking(true);
        char byte;
        boost::system::error_code ec;
        socket.read_some(asio::buffer(&byte, 1), ec);
        socket.non_blocking(false);
        return ec == asio::error::would_block;
    }

    tcp::socket socket;
    std::string received;
    bool ended = false; // end of stream or error seen

  private:
    std::array<char, 64 * 1024> buffer_{};
};

// A masked client frame (RFC 6455 section 5.2); payloads under 126 bytes.
std::string client_frame(uint8_t opcode, std::string_view payload) {
    REQUIRE(payload.size() < 126);
    const uint8_t mask[4] = {0xA1, 0x02, 0x5C, 0xF0};
    std::string out;
    out.push_back(static_cast<char>(0x80 | opcode));
    out.push_back(static_cast<char>(0x80 | payload.size()));
    for (uint8_t byte : mask) out.push_back(static_cast<char>(byte));
    for (size_t i = 0; i < payload.size(); ++i) {
        out.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
    }
    return out;
}

std::string close_payload(uint16_t code, std::string_view reason = {}) {
    std::string out{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
    return out.append(reason);
}

// A worker with an acceptor on loopback and the connections made through it. Members
// are declared so that the observer outlives the worker, and sockets die before it.
class Loopback {
  public:
    struct Pair {
        std::shared_ptr<WebSocketConnection> server;
        std::unique_ptr<TestClient> client;
    };

    Loopback() : acceptor_(worker.io(), tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {}

    // A started WebSocket connection (handshake assumed done) and its client.
    Pair& connect(const ConnectionLimits& limits = {}, std::string_view already_read = {}) {
        auto client = std::make_unique<TestClient>(worker.io());
        client->socket.connect(acceptor_.local_endpoint());
        auto server =
            std::make_shared<WebSocketConnection>(worker, acceptor_.accept(), observer, limits);
        worker.add(server);
        server->start(already_read);
        pairs_.push_back(std::make_unique<Pair>(Pair{std::move(server), std::move(client)}));
        return *pairs_.back();
    }

    // Runs the worker until `done()` holds; false if the deadline passed first.
    template <typename Condition>
    bool run_until(Condition done) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!done()) {
            if (std::chrono::steady_clock::now() >= deadline) return false;
            worker.io().restart();
            worker.io().run_one_for(std::chrono::milliseconds(100));
        }
        return true;
    }
    // Runs every handler that is ready now.
    void run_ready() {
        worker.io().restart();
        worker.io().poll();
    }

    RecordingObserver observer;
    Worker worker{5};

  private:
    tcp::acceptor acceptor_;
    std::vector<std::unique_ptr<Pair>> pairs_;
};

bool has_bytes(const TestClient& client, size_t count) {
    return client.received.size() >= count;
}

} // namespace

TEST_CASE("connection ids are unique and name their worker", "[broadcast]") {
    Loopback net;
    auto& a = net.connect();
    auto& b = net.connect();
    CHECK(a.server->id() != b.server->id());
    CHECK(worker_index_of(a.server->id()) == 5);
    CHECK(worker_index_of(b.server->id()) == 5);
    CHECK(net.worker.find(a.server->id()) == a.server.get());
    CHECK(net.worker.all().size() == 2);
}

TEST_CASE("a broadcast reaches every member but the excepted one, and no non-member",
          "[broadcast]") {
    Loopback net;
    auto& a = net.connect();
    auto& b = net.connect();
    auto& c = net.connect();
    auto& outsider = net.connect();
    for (auto* pair : {&a, &b, &c}) net.worker.group_add(kGroup, pair->server.get());
    a.client->read_continuously();
    c.client->read_continuously();

    net.worker.broadcast(kGroup, FrameRef::adopt(make_wire_frame(SY_FRAME_TEXT, "hello")),
                         b.server->id());

    REQUIRE(net.run_until([&] { return has_bytes(*a.client, 7) && has_bytes(*c.client, 7); }));
    net.run_ready();
    CHECK(a.client->received == kHelloFrame);
    CHECK(c.client->received == kHelloFrame);
    CHECK(b.client->nothing_to_read());
    CHECK(outsider.client->nothing_to_read());
}

TEST_CASE("a broadcast excepting no one reaches every member once", "[broadcast]") {
    Loopback net;
    std::vector<Loopback::Pair*> members;
    for (int i = 0; i < 5; ++i) members.push_back(&net.connect());
    for (auto* m : members) {
        net.worker.group_add(kGroup, m->server.get());
        net.worker.group_add(kGroup, m->server.get()); // a second add changes nothing
        m->client->read_continuously();
    }
    net.worker.broadcast(kGroup, FrameRef::adopt(make_wire_frame(SY_FRAME_TEXT, "hello")), kNoOne);
    REQUIRE(net.run_until([&] {
        for (auto* m : members) {
            if (!has_bytes(*m->client, 7)) return false;
        }
        return true;
    }));
    net.run_ready();
    for (auto* m : members) CHECK(m->client->received == kHelloFrame);
}

TEST_CASE("a broadcast shares one frame object among the members", "[broadcast]") {
    Loopback net;
    std::vector<Loopback::Pair*> members;
    for (int i = 0; i < 3; ++i) {
        members.push_back(&net.connect());
        net.worker.group_add(kGroup, members.back()->server.get());
        members.back()->client->read_continuously();
    }
    FrameRef frame = FrameRef::adopt(make_wire_frame(SY_FRAME_TEXT, "hello"));
    net.worker.broadcast(kGroup, frame, kNoOne);
    // One reference per member queue, plus ours: no copy was made.
    CHECK(frame->refs.load() == 4);

    REQUIRE(net.run_until([&] {
        for (auto* m : members) {
            if (!has_bytes(*m->client, 7)) return false;
        }
        return true;
    }));
    // Written everywhere: every queue lets go of its reference.
    REQUIRE(net.run_until([&] { return frame->refs.load() == 1; }));
    CHECK(frame->refs.load() == 1);
}

TEST_CASE("frames sent to one connection arrive in order", "[broadcast]") {
    Loopback net;
    auto& a = net.connect();
    a.client->read_continuously();
    std::string expected;
    for (int i = 0; i < 150; ++i) { // more than one gather write holds (64 frames)
        const std::string payload = "m" + std::to_string(i);
        CHECK(a.server->send(FrameRef::adopt(make_wire_frame(SY_FRAME_TEXT, payload))));
        expected += static_cast<char>(0x81);
        expected += static_cast<char>(payload.size());
        expected += payload;
    }
    REQUIRE(net.run_until([&] { return has_bytes(*a.client, expected.size()); }));
    CHECK(a.client->received == expected);
}

TEST_CASE("frames a client cannot take yet are written whole and in order once it reads",
          "[broadcast]") {
    Loopback net;
    ConnectionLimits limits;
    limits.max_queued_bytes = 64 << 20; // room for all of it: only the socket holds it back
    auto& a = net.connect(limits);
    // 15 MB in frames of 60,000 bytes: more than the socket buffers hold, so writes end
    // part-way through a frame and the connection waits for the socket to drain.
    std::string expected;
    for (int i = 0; i < 256; ++i) {
        const std::string payload(60000, static_cast<char>('a' + i % 26));
        CHECK(a.server->send(FrameRef::adopt(make_wire_frame(SY_FRAME_BINARY, payload))));
        expected += "\x82\x7E\xEA\x60" + payload; // binary, 16-bit length 0xEA60
    }
    net.run_ready();
    CHECK_FALSE(has_bytes(*a.client, expected.size()));
    a.client->read_continuously();
    REQUIRE(net.run_until([&] { return has_bytes(*a.client, expected.size()); }));
    CHECK(a.client->received.size() == expected.size());
    CHECK(a.client->received == expected);
    CHECK(a.server->is_open());
}

TEST_CASE("frames posted from other threads arrive in order, in one task per burst",
          "[broadcast]") {
    Loopback net;
    auto& a = net.connect();
    a.client->read_continuously();
    std::string expected;
    std::thread publisher([&] {
        for (int i = 0; i < 500; ++i) {
            const std::string payload = "p" + std::to_string(i);
            CHECK(net.worker.post_send(a.server->id(),
                                       FrameRef::adopt(make_wire_frame(SY_FRAME_TEXT, payload))));
        }
    });
    publisher.join();
    for (int i = 0; i < 500; ++i) {
        const std::string payload = "p" + std::to_string(i);
        expected += static_cast<char>(0x81);
        expected += static_cast<char>(payload.size());
        expected += payload;
    }
    REQUIRE(net.run_until([&] { return has_bytes(*a.client, expected.size()); }));
    CHECK(a.client->received == expected);
}

TEST_CASE("past the inbox limit a send is refused and its connection closed with 1008",
          "[broadcast]") {
    Loopback net;
    ConnectionLimits limits;
    limits.max_queued_frames = Worker::kInboxLimit + 1; // only the inbox's bound applies
    limits.max_queued_bytes = 64 << 20;
    auto& a = net.connect(limits);
    auto& b = net.connect();
    const FrameRef frame = FrameRef::adopt(make_wire_frame(SY_FRAME_TEXT, "x"));
    size_t accepted = 0;
    for (size_t i = 0; i < Worker::kInboxLimit; ++i)
        accepted += net.worker.post_send(a.server->id(), frame) ? 1 : 0;
    CHECK(accepted == Worker::kInboxLimit);
    CHECK_FALSE(net.worker.post_send(a.server->id(), frame));
    CHECK_FALSE(net.worker.post_send(b.server->id(), frame));
    net.run_ready();
    CHECK_FALSE(a.server->is_open());
    CHECK_FALSE(b.server->is_open());
    a.client->read_continuously();
    REQUIRE(net.run_until([&] { return a.client->ended; }));
    // Everything accepted came before the close frame, nothing after it.
    const std::string close_frame = std::string("\x88\x0F") + close_payload(1008, "slow consumer");
    REQUIRE(a.client->received.size() == Worker::kInboxLimit * 3 + close_frame.size());
    CHECK(a.client->received.substr(Worker::kInboxLimit * 3) == close_frame);
}

TEST_CASE("group_remove stops the deliveries to that connection", "[broadcast]") {
    Loopback net;
    auto& a = net.connect();
    auto& b = net.connect();
    net.worker.group_add(kGroup, a.server.get());
    net.worker.group_add(kGroup, b.server.get());
    net.worker.group_remove(kGroup, b.server.get());
    CHECK(b.server->groups().empty());
    net.worker.group_remove(kGroup, b.server.get()); // removing twice is harmless
    a.client->read_continuously();

    net.worker.broadcast(kGroup, FrameRef::adopt(make_wire_frame(SY_FRAME_TEXT, "hello")), kNoOne);
    REQUIRE(net.run_until([&] { return has_bytes(*a.client, 7); }));
    net.run_ready();
    CHECK(a.client->received == kHelloFrame);
    CHECK(b.client->nothing_to_read());
}

TEST_CASE("groups are independent", "[broadcast]") {
    Loopback net;
    auto& a = net.connect();
    auto& b = net.connect();
    net.worker.group_add(kGroup, a.server.get());
    net.worker.group_add(kOtherGroup, b.server.get());
    a.client->read_continuously();
    net.worker.broadcast(kGroup, FrameRef::adopt(make_wire_frame(SY_FRAME_TEXT, "hello")), kNoOne);
    REQUIRE(net.run_until([&] { return has_bytes(*a.client, 7); }));
    net.run_ready();
    CHECK(a.client->received == kHelloFrame);
    CHECK(b.client->nothing_to_read());
}

TEST_CASE("a broadcast to a group without members sends nothing", "[broadcast]") {
    Loopback net;
    auto& a = net.connect();
    FrameRef frame = FrameRef::adopt(make_wire_frame(SY_FRAME_TEXT, "hello"));
    net.worker.broadcast(kGroup, frame, kNoOne);
    net.worker.group_add(kGroup, a.server.get());
    net.worker.group_remove(kGroup, a.server.get());
    net.worker.broadcast(kGroup, frame, kNoOne);
    net.run_ready();
    CHECK(frame->refs.load() == 1);
    CHECK(a.client->nothing_to_read());
}

TEST_CASE("a connection whose client goes away leaves all its groups", "[broadcast]") {
    Loopback net;
    auto& a = net.connect();
    auto& b = net.connect();
    auto& gone = net.connect();
    for (auto* pair : {&a, &b, &gone}) {
        net.worker.group_add(kGroup, pair->server.get());
        net.worker.group_add(kOtherGroup, pair->server.get());
    }
    const sy_conn_id gone_id = gone.server->id();
    gone.client->socket.close();
    REQUIRE(net.run_until([&] { return !net.observer.closes.empty(); }));
    REQUIRE(net.observer.closes.size() == 1);
    CHECK(net.observer.closes[0].id == gone_id);
    CHECK(net.observer.closes[0].code == 1006);
    CHECK(gone.server->groups().empty());
    CHECK_FALSE(gone.server->is_open());
    CHECK(net.worker.find(gone_id) == nullptr);

    a.client->read_continuously();
    b.client->read_continuously();
    for (sy_group_id group : {kGroup, kOtherGroup}) {
        FrameRef frame = FrameRef::adopt(make_wire_frame(SY_FRAME_TEXT, "hello"));
        net.worker.broadcast(group, frame, kNoOne);
        CHECK(frame->refs.load() == 3); // a and b only
    }
    REQUIRE(net.run_until([&] { return has_bytes(*a.client, 14) && has_bytes(*b.client, 14); }));
    CHECK(a.client->received == kHelloFrame + kHelloFrame);
    CHECK(b.client->received == kHelloFrame + kHelloFrame);
}

TEST_CASE("a closed connection refuses to send", "[broadcast]") {
    Loopback net;
    auto& a = net.connect();
    a.server->abort();
    REQUIRE(net.observer.closes.size() == 1);
    CHECK(net.observer.closes[0].code == 1006);
    FrameRef frame = FrameRef::adopt(make_wire_frame(SY_FRAME_TEXT, "hello"));
    CHECK_FALSE(a.server->send(frame));
    CHECK(frame->refs.load() == 1);
    a.client->read_continuously();
    REQUIRE(net.run_until([&] { return a.client->ended; }));
    CHECK(a.client->received.empty());
}

TEST_CASE("a client that cannot keep up is disconnected with 1008", "[broadcast]") {
    Loopback net;
    ConnectionLimits limits;
    limits.max_queued_frames = 2;
    auto& a = net.connect(limits);
    // Nothing is written until the worker runs, so the queue fills up.
    CHECK(a.server->send(FrameRef::adopt(make_wire_frame(SY_FRAME_TEXT, "1"))));
    CHECK(a.server->send(FrameRef::adopt(make_wire_frame(SY_FRAME_TEXT, "2"))));
    CHECK_FALSE(a.server->send(FrameRef::adopt(make_wire_frame(SY_FRAME_TEXT, "3"))));
    CHECK_FALSE(a.server->is_open());
    a.client->read_continuously();
    REQUIRE(net.run_until([&] { return a.client->ended; }));
    const std::string close_frame = std::string("\x88\x0F") + close_payload(1008, "slow consumer");
    CHECK(a.client->received == std::string("\x81\x01"
                                            "1\x81\x01"
                                            "2") +
                                    close_frame);
}

TEST_CASE("a client's masked messages reach the observer", "[websocket]") {
    Loopback net;
    auto& a = net.connect();
    a.client->send(client_frame(0x1, "hi there") + client_frame(0x2, std::string("\0\xFF", 2)));
    REQUIRE(net.run_until([&] { return net.observer.messages.size() == 2; }));
    CHECK(net.observer.messages[0] == std::make_pair(SY_FRAME_TEXT, std::string("hi there")));
    CHECK(net.observer.messages[1] == std::make_pair(SY_FRAME_BINARY, std::string("\0\xFF", 2)));
}

TEST_CASE("bytes that came with the HTTP request are parsed first", "[websocket]") {
    Loopback net;
    auto& a = net.connect({}, client_frame(0x1, "early"));
    a.client->send(client_frame(0x1, "late"));
    REQUIRE(net.run_until([&] { return net.observer.messages.size() == 2; }));
    CHECK(net.observer.messages[0].second == "early");
    CHECK(net.observer.messages[1].second == "late");
}

TEST_CASE("a ping is answered with a pong carrying the same payload", "[websocket]") {
    Loopback net;
    auto& a = net.connect();
    a.client->read_continuously();
    a.client->send(client_frame(0x9, "are you there"));
    const std::string pong = std::string("\x8A\x0D") + "are you there";
    REQUIRE(net.run_until([&] { return has_bytes(*a.client, pong.size()); }));
    CHECK(a.client->received == pong);
    CHECK(a.server->is_open());
}

TEST_CASE("close sends a close frame with the code and reason", "[websocket]") {
    Loopback net;
    ConnectionLimits limits;
    limits.close_timeout = std::chrono::hours(1); // only the client's answer ends it
    auto& a = net.connect(limits);
    a.client->read_continuously();
    const sy_conn_id id = a.server->id();
    a.server->close(1001, "bye");
    CHECK_FALSE(a.server->is_open());
    CHECK_FALSE(a.server->send(FrameRef::adopt(make_wire_frame(SY_FRAME_TEXT, "late"))));

    // The close frame, then the end of the server's sending side.
    REQUIRE(net.run_until([&] { return a.client->ended; }));
    CHECK(a.client->received == std::string("\x88\x05\x03\xE9"
                                            "bye"));
    CHECK(net.observer.closes.empty()); // the close handshake is not complete yet

    // The client answers; the handshake completes and the connection is gone.
    a.client->send(client_frame(0x8, close_payload(1001)));
    REQUIRE(net.run_until([&] { return !net.observer.closes.empty(); }));
    CHECK(net.observer.closes[0].code == 1001);
    CHECK(net.observer.closes[0].reason == "bye");
    CHECK(net.worker.find(id) == nullptr);
}

TEST_CASE("frames queued before close are written before the close frame", "[websocket]") {
    Loopback net;
    auto& a = net.connect();
    a.client->read_continuously();
    CHECK(a.server->send(FrameRef::adopt(make_wire_frame(SY_FRAME_TEXT, "hello"))));
    a.server->close(1000, "");
    REQUIRE(net.run_until([&] { return a.client->ended; }));
    CHECK(a.client->received == kHelloFrame + std::string("\x88\x02\x03\xE8"));
}

TEST_CASE("a client's close is echoed, then the connection ends with its code", "[websocket]") {
    Loopback net;
    auto& a = net.connect();
    a.client->read_continuously();
    a.client->send(client_frame(0x8, close_payload(1000, "done")));
    REQUIRE(net.run_until([&] { return a.client->ended && !net.observer.closes.empty(); }));
    CHECK(a.client->received == std::string("\x88\x02\x03\xE8"));
    CHECK(net.observer.closes.size() == 1);
    CHECK(net.observer.closes[0].code == 1000);
    CHECK(net.observer.closes[0].reason == "done");
}

TEST_CASE("a protocol error closes with 1002", "[websocket]") {
    Loopback net;
    auto& a = net.connect();
    a.client->read_continuously();
    a.client->send(std::string("\x81\x02hi")); // not masked
    REQUIRE(net.run_until([&] { return a.client->ended; }));
    REQUIRE(a.client->received.size() >= 4);
    CHECK(a.client->received.substr(0, 1) == "\x88");
    CHECK(a.client->received.substr(2, 2) == close_payload(1002));
    CHECK(net.observer.messages.empty());
    // The client hangs up after the close frame: the connection is gone with 1002.
    a.client->socket.close();
    REQUIRE(net.run_until([&] { return !net.observer.closes.empty(); }));
    CHECK(net.observer.closes[0].code == 1002);
}

TEST_CASE("a client echoing the kernel's 1013 completes the close handshake", "[websocket]") {
    Loopback net;
    ConnectionLimits limits;
    limits.close_timeout = std::chrono::hours(1); // only the client's answer ends it
    auto& a = net.connect(limits);
    a.client->read_continuously();
    a.server->close(1013, "server overloaded");
    REQUIRE(net.run_until([&] { return a.client->ended; }));
    a.client->send(client_frame(0x8, close_payload(1013)));
    REQUIRE(net.run_until([&] { return !net.observer.closes.empty(); }));
    CHECK(net.observer.closes[0].code == 1013);
}

TEST_CASE("a message over the endpoint's limit closes with 1009", "[websocket]") {
    Loopback net;
    ConnectionLimits limits;
    limits.max_message_bytes = 10;
    auto& a = net.connect(limits);
    a.client->read_continuously();
    a.client->send(client_frame(0x1, "0123456789abc"));
    REQUIRE(net.run_until([&] { return a.client->ended; }));
    REQUIRE(a.client->received.size() >= 4);
    CHECK(a.client->received.substr(2, 2) == close_payload(1009));
    CHECK(net.observer.messages.empty());
}

TEST_CASE("keepalive pings the client", "[websocket]") {
    Loopback net;
    auto& a = net.connect();
    a.client->read_continuously();
    a.server->set_keepalive(1, 60000);
    REQUIRE(net.run_until([&] { return has_bytes(*a.client, 2); }));
    CHECK(a.client->received.substr(0, 2) == std::string("\x89\x00", 2));
    a.client->send(client_frame(0xA, ""));
    a.server->set_keepalive(0, 0); // stop pinging before the test ends
    CHECK(a.server->is_open());
}

TEST_CASE("a client that does not answer pings is dropped with 1006", "[websocket]") {
    Loopback net;
    auto& a = net.connect();
    a.server->set_keepalive(1, 1);
    REQUIRE(net.run_until([&] { return !net.observer.closes.empty(); }));
    CHECK(net.observer.closes[0].code == 1006);
    CHECK(net.observer.closes[0].reason == "pong timeout");
}

TEST_CASE("a connection stops reading while 64 of its messages are in flight", "[websocket]") {
    Loopback net;
    net.observer.hold_messages = true;
    auto& pair = net.connect();
    std::string first;
    for (int i = 0; i < 64; ++i) first += client_frame(0x1, "m" + std::to_string(i));
    pair.client->send(first);
    REQUIRE(net.run_until([&] { return net.observer.messages.size() == 64; }));

    // The next frames are already in the socket buffer (loopback writes land at once): a
    // connection still reading would get them on the next poll.
    std::string rest;
    for (int i = 64; i < 100; ++i) rest += client_frame(0x1, "m" + std::to_string(i));
    pair.client->send(rest);
    net.run_ready();
    net.run_ready();
    CHECK(net.observer.messages.size() == 64);

    // Done with enough of them to fall to half the budget: reading resumes.
    for (int i = 0; i < 31; ++i) pair.server->message_done(2);
    net.run_ready();
    CHECK(net.observer.messages.size() == 64);
    pair.server->message_done(2);
    REQUIRE(net.run_until([&] { return net.observer.messages.size() == 100; }));
    CHECK(net.observer.messages.back().second == "m99");
}

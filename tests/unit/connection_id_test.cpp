// Connection ids carry the node tag (kernel/net/node_tag.hpp) when several nodes share a
// bus: a tagged pool's ids all carry its tag in bits 63..40 and still name their worker
// in the low byte, so a send to an id reaches that connection over its real socket; ids
// of a kernel alone (tag 0) are what they always were and never meet a tagged one.
#include "net/connection.hpp"
#include "net/http_exchange.hpp"
#include "net/listener.hpp"
#include "net/node_tag.hpp"
#include "net/wire_frame.hpp"
#include "net/worker_pool.hpp"
#include "wait_until.hpp"
#include "ws_client.hpp"

#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>

#include <future>
#include <mutex>
#include <set>
#include <vector>

using namespace switchyard;
using namespace switchyard::test;
using namespace std::chrono_literals;

namespace {

constexpr uint32_t kTag = 0x5a5a5a;
constexpr uint64_t kTopBit = uint64_t{1} << 63;

// Every request becomes a WebSocket connection whose id the test learns.
class WebSocketIds final : public HttpService, public ConnectionObserver {
  public:
    void handle(const HttpExchangePtr& exchange) override {
        exchange->accept_websocket(*this, ConnectionLimits{}, [this](Connection& conn) {
            std::lock_guard lock(mutex_);
            ids_.push_back(conn.id());
        });
    }
    uint64_t max_body_bytes() const override { return 1024; }
    void on_message(Connection&, sy_frame_kind, std::string_view) override {}
    void on_closed(Connection&, uint16_t, std::string_view) override {}

    std::vector<sy_conn_id> ids() const {
        std::lock_guard lock(mutex_);
        return ids_;
    }

  private:
    mutable std::mutex mutex_;
    std::vector<sy_conn_id> ids_;
};

// Drops every connection of `pool` and stops it (its connections would keep it running).
void stop(WorkerPool& pool) {
    for (size_t i = 0; i < pool.size(); ++i) {
        Worker& worker = pool.at(i);
        std::promise<void> done;
        boost::asio::post(worker.io(), [&] {
            for (auto& conn : worker.all()) conn->abort();
            done.set_value();
        });
        done.get_future().wait();
    }
    pool.stop_and_join();
}

} // namespace

TEST_CASE("connection ids: a random node tag is never 0 and keeps bit 63 clear", "[net]") {
    std::set<uint32_t> seen;
    for (int i = 0; i < 1000; ++i) {
        const uint32_t tag = random_node_tag();
        CHECK(tag >= 1);
        CHECK(tag <= kMaxNodeTag);
        seen.insert(tag);
    }
    CHECK(seen.size() > 990); // random, not a constant
}

TEST_CASE("connection ids: a tagged worker's ids carry the tag, its index and a counter", "[net]") {
    Worker tagged(5, kDefaultIoTimeout, kTag);
    Worker alone(5);
    std::set<sy_conn_id> ids;
    for (int i = 0; i < 1000; ++i) {
        const sy_conn_id id = tagged.new_connection_id();
        CHECK(node_tag_of(id) == kTag);
        CHECK(worker_index_of(id) == 5);
        CHECK((id & kTopBit) == 0);
        ids.insert(id);

        // A kernel alone: as before the tag existed (counter << 8 | worker).
        const sy_conn_id plain = alone.new_connection_id();
        CHECK(plain == ((uint64_t(i) + 1) << 8 | 5));
        CHECK(node_tag_of(plain) == 0);
        ids.insert(plain);
    }
    CHECK(ids.size() == 2000); // no id of one is an id of the other
    // A worker of another tag never makes the same id either.
    Worker other(5, kDefaultIoTimeout, kTag + 1);
    for (int i = 0; i < 1000; ++i) CHECK(ids.count(other.new_connection_id()) == 0);
}

TEST_CASE("connection ids: a tagged pool's WebSocket connections are reached by their ids",
          "[net]") {
    WorkerPool pool(2, kDefaultIoTimeout, kTag);
    CHECK(node_tag_of(pool.at(1).new_connection_id()) == kTag); // every worker has the tag
    auto service = std::make_shared<WebSocketIds>();
    ConnectionGatePtr gate(new ConnectionGate("test"));
    auto listener = std::make_shared<Listener>(pool, "127.0.0.1", 0, "test", service, gate);
    listener->start();
    pool.start();

    // Round robin: one connection on each worker.
    std::vector<WsClient> clients;
    for (int i = 0; i < 2; ++i) clients.push_back(WsClient::connect(listener->port(), "/ws"));
    REQUIRE(wait_until([&] { return service->ids().size() == 2; }, 10s));
    const std::vector<sy_conn_id> ids = service->ids();
    CHECK(ids[0] != ids[1]);
    std::set<unsigned> workers;
    for (const sy_conn_id id : ids) {
        CHECK(node_tag_of(id) == kTag);
        CHECK((id & kTopBit) == 0);
        workers.insert(worker_index_of(id));
    }
    CHECK(workers == std::set<unsigned>{0, 1});

    // A send to each id, from another thread (as a plugin's would be), reaches the one
    // client of that id.
    for (const sy_conn_id id : ids) {
        const FrameRef frame =
            FrameRef::adopt(make_wire_frame(SY_FRAME_TEXT, "to " + std::to_string(id)));
        CHECK(pool.owner_of(id).post_send(id, frame));
    }
    std::set<std::string> received;
    for (auto& client : clients) received.insert(next_text_or_why(client));
    CHECK(received ==
          std::set<std::string>{"to " + std::to_string(ids[0]), "to " + std::to_string(ids[1])});

    listener->stop();
    stop(pool);
}

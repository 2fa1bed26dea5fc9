// The kernel's fan-out path: encoding a frame once, and broadcasting it to a group of
// N WebSocket connections on one worker over real loopback sockets (queue the shared
// frame on every member, then write each member's queue with one gather write).
//
// BM_Broadcast/N/B broadcasts B frames before the worker runs its pending work, as when
// a publisher keeps several messages in flight: B > 1 shows what coalescing writes buys.
#include "net/connection.hpp"
#include "net/connection_gate.hpp"
#include "net/websocket_connection.hpp"
#include "net/wire_frame.hpp"
#include "net/worker.hpp"

#include <benchmark/benchmark.h>
#include <boost/asio/ip/tcp.hpp>

#include <sys/resource.h>
#include <sys/socket.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace switchyard;

std::string payload_of(size_t size) {
    return std::string(size, 'x');
}

void BM_FrameEncode(benchmark::State& state) {
    const std::string payload = payload_of(static_cast<size_t>(state.range(0)));
    for (auto _ : state) {
        WireFrame* frame = make_wire_frame(SY_FRAME_TEXT, payload);
        benchmark::DoNotOptimize(frame);
        release(frame);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FrameEncode)->Arg(128)->Arg(4096);

// Nobody listens to what the clients send: they send nothing.
class SilentObserver final : public ConnectionObserver {
  public:
    void on_message(Connection&, sy_frame_kind, std::string_view) override {}
    void on_closed(Connection&, uint16_t, std::string_view) override {}
};

void raise_open_files_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
}

// N server-side WebSocket connections on a worker, each with a client socket whose
// received bytes are discarded.
class LoopbackGroup {
  public:
    static constexpr sy_group_id kGroup = 1;

    explicit LoopbackGroup(size_t members) : worker_(0) {
        raise_open_files_limit();
        tcp::acceptor acceptor(worker_.io(), tcp::endpoint(asio::ip::address_v4::loopback(), 0));
        for (size_t i = 0; i < members; ++i) {
            auto& client = clients_.emplace_back(client_io_);
            client.connect(acceptor.local_endpoint());
            auto conn = std::make_shared<WebSocketConnection>(worker_, acceptor.accept(), observer_,
                                                              ConnectionLimits{});
            // Admitted through an endpoint's gate, as the kernel's connections are (what
            // they write is counted in the gate's block for their worker).
            conn->keep_slot(gate_->admit(asio::ip::address_v4::loopback()).slot);
            worker_.add(conn);
            worker_.group_add(kGroup, conn.get());
            conn->start({});
        }
        run_pending_work();
    }
    ~LoopbackGroup() {
        for (auto& conn : worker_.all()) conn->abort();
        run_pending_work();
    }

    Worker& worker() { return worker_; }
    void run_pending_work() {
        worker_.io().restart();
        worker_.io().poll();
    }
    // Reads and discards what every client has received so far.
    void drain_clients() {
        for (auto& client : clients_) {
            while (::recv(client.native_handle(), sink_, sizeof sink_, MSG_DONTWAIT) > 0) {}
        }
    }

  private:
    ConnectionGatePtr gate_{new ConnectionGate("bench/default", nullptr, 1)};
    Worker worker_;
    SilentObserver observer_;
    asio::io_context client_io_;
    std::vector<tcp::socket> clients_;
    char sink_[64 * 1024];
};

void BM_Broadcast(benchmark::State& state) {
    const auto members = static_cast<size_t>(state.range(0));
    const auto burst = state.range(1);
    LoopbackGroup group(members);
    const FrameRef frame = FrameRef::adopt(make_wire_frame(SY_FRAME_TEXT, payload_of(128)));
    for (auto _ : state) {
        for (int64_t i = 0; i < burst; ++i)
            group.worker().broadcast(LoopbackGroup::kGroup, frame, 0);
        group.run_pending_work();
        state.PauseTiming();
        group.drain_clients();
        state.ResumeTiming();
    }
    state.SetItemsProcessed(state.iterations() * burst * static_cast<int64_t>(members));
}
BENCHMARK(BM_Broadcast)->Args({1000, 1})->Args({1000, 16})->Args({100, 64})->UseRealTime();

} // namespace

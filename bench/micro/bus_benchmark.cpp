// The memory bus engine: what one publish costs with 0, 1 and 8 subscribers (each a
// sink that only counts, as the kernel's sinks only enqueue), and what a replay of the
// newest N events of a full ring costs (a reconnecting client's resume).
#include "bus/memory_engine.hpp"

#include <benchmark/benchmark.h>

#include <string>

namespace {

using switchyard::Event;
using switchyard::EventPtr;

// A 128-byte data object, the size scripts/bench publishes.
std::string data_of_128_bytes() {
    std::string data = R"({"i":1,"t":1,"p":")";
    data.append(128 - data.size() - 2, 'x');
    data += "\"}";
    return data;
}

Event bench_event() {
    Event event;
    event.topic = "groove";
    event.type = "bench";
    event.data = data_of_128_bytes();
    return event;
}

void BM_BusPublish(benchmark::State& state) {
    auto bus = switchyard::make_memory_engine(1000);
    uint64_t delivered = 0;
    for (int64_t i = 0; i < state.range(0); ++i) {
        bus->subscribe("groove", [&delivered](const EventPtr&) { ++delivered; });
    }
    const Event event = bench_event();
    for (auto _ : state) {
        benchmark::DoNotOptimize(bus->publish(event));
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["deliveries"] = static_cast<double>(delivered);
}
BENCHMARK(BM_BusPublish)->Arg(0)->Arg(1)->Arg(8);

void BM_BusReplay(benchmark::State& state) {
    auto bus = switchyard::make_memory_engine(1000);
    for (int i = 0; i < 1000; ++i) bus->publish(bench_event());
    const uint64_t after = bus->last_seq("groove") - static_cast<uint64_t>(state.range(0));
    for (auto _ : state) {
        auto replay = bus->replay_after("groove", after);
        benchmark::DoNotOptimize(replay.events.data());
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_BusReplay)->Arg(10)->Arg(100)->Arg(1000);

} // namespace

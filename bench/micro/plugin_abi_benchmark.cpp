// The cost of calling across the plugin ABI: the kernel calls the groove plugin's hooks
// through its C descriptor, exactly as the plugin runtime does, against a host table
// whose functions do the kernel's real work (frame_create encodes a frame) but broadcast
// to nobody.
//
// - BM_AbiCall_OnMessage: a hook that does nothing (groove ignores client messages): the
//   bare crossing, the C++ wrapper's exception boundary included.
// - BM_AbiCall_OnEvent: one bus event becomes one frame: the per-message plugin work of a
//   broadcast (encode {"event","data"}, frame_create, broadcast, frame_release).
#include "net/wire_frame.hpp"
#include "plugin/plugin_library.hpp"

#include <switchyard/plugin.h>

#include <benchmark/benchmark.h>

#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace {

using namespace switchyard;

sy_str str(std::string_view s) {
    return sy_str{s.data(), s.size()};
}

// The host functions groove calls on these paths; everything else stays null.
struct BenchHost {
    static sy_frame* frame_create(void*, sy_frame_kind kind, sy_str payload) {
        return make_wire_frame(kind, std::string_view(payload.ptr, payload.len));
    }
    static void frame_release(void*, sy_frame* frame) { release(frame); }
    static sy_status broadcast(void* ctx, sy_group_id, sy_frame*, sy_conn_id) {
        ++static_cast<BenchHost*>(ctx)->broadcasts;
        return SY_OK;
    }
    static sy_group_id group(void*, sy_str) { return 1; }
    static void log(void*, sy_log_level, sy_str) {}

    BenchHost() {
        std::memset(&table, 0, sizeof table);
        table.struct_size = sizeof table;
        table.ctx = this;
        table.frame_create = &frame_create;
        table.frame_release = &frame_release;
        table.broadcast = &broadcast;
        table.group = &group;
        table.log = &log;
    }

    sy_host_v1 table;
    uint64_t broadcasts = 0;
};

// One groove instance, loaded by the kernel's own loader.
class Groove {
  public:
    Groove()
        : library_(PluginLibrary::load(std::string(SWITCHYARD_PLUGIN_DIR) + "/groove.so")),
          d_(library_->descriptor()) {
        sy_create_args_v1 args{sizeof(sy_create_args_v1), str("{}"), str(""), 1};
        if (d_.create(&host.table, &args, &instance_) != SY_OK)
            throw std::runtime_error("groove: create failed");
    }
    ~Groove() { d_.destroy(instance_); }
    const sy_plugin_v1& d() const { return d_; }
    void* instance() const { return instance_; }

    BenchHost host;

  private:
    std::unique_ptr<PluginLibrary> library_;
    const sy_plugin_v1& d_;
    void* instance_ = nullptr;
};

void BM_AbiCall_OnMessage(benchmark::State& state) {
    Groove groove;
    const std::string_view text = R"({"type":"ping"})";
    for (auto _ : state) {
        benchmark::DoNotOptimize(
            groove.d().on_message(groove.instance(), 257, SY_FRAME_TEXT, str(text)));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AbiCall_OnMessage);

void BM_AbiCall_OnEvent(benchmark::State& state) {
    Groove groove;
    std::string data = R"({"i":1,"t":1,"p":")";
    data.append(128 - data.size() - 2, 'x');
    data += "\"}";
    sy_event_v1 event{};
    event.struct_size = sizeof event;
    event.stream = event.topic = str("groove");
    event.type = str("bench");
    event.data = str(data);
    event.seq = 1;
    for (auto _ : state) {
        benchmark::DoNotOptimize(groove.d().on_event(groove.instance(), &event));
    }
    state.SetItemsProcessed(state.iterations());
    if (groove.host.broadcasts != static_cast<uint64_t>(state.iterations()))
        state.SkipWithError("groove did not broadcast every event");
}
BENCHMARK(BM_AbiCall_OnEvent);

} // namespace

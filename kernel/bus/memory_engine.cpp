#include "bus/memory_engine.hpp"

#include "bus/local_streams.hpp"

namespace switchyard {

namespace {

// One node's bus: the streams in this process's memory are the whole history.
class MemoryEngine final : public BusEngine {
  public:
    explicit MemoryEngine(ReplayPolicy replay) : streams_(std::move(replay)) {}

    EventPtr publish(Event event) override {
        check_publishable(event);
        return streams_.publish_next(std::move(event));
    }

    SubscriptionId subscribe(std::string stream, EventSink sink, std::optional<uint64_t> after_seq,
                             ReplayResult* replay) override {
        return streams_.subscribe(std::move(stream), std::move(sink), after_seq, replay);
    }

    void unsubscribe(SubscriptionId id) override { streams_.unsubscribe(id); }

    ReplayResult replay_after(std::string_view stream, uint64_t after_seq) const override {
        return streams_.replay_after(stream, after_seq);
    }

    uint64_t last_seq(std::string_view stream) const override { return streams_.last_seq(stream); }
    std::vector<StreamStats> stream_stats() const override { return streams_.stats(); }

    std::string_view engine_name() const override { return "memory"; }

  private:
    LocalStreams streams_;
};

} // namespace

std::unique_ptr<BusEngine> make_memory_engine(ReplayPolicy replay) {
    return std::make_unique<MemoryEngine>(std::move(replay));
}

std::unique_ptr<BusEngine> make_memory_engine(size_t replay_capacity, size_t replay_bytes) {
    return make_memory_engine(ReplayPolicy(ReplayLimits{replay_capacity, replay_bytes}));
}

} // namespace switchyard

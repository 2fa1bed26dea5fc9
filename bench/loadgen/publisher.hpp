// The publishing side: one connection that sends messages as the window allows.
#pragma once

#include "connection.hpp"
#include "payload.hpp"
#include "run_state.hpp"

#include <string>

namespace loadgen {

class Publisher : public Connection {
  public:
    explicit Publisher(RunState& run) : Connection(run.loop), run_(run), payload_(run.payload) {}

    // Sends as many messages as the window allows, in one write.
    virtual void pump() = 0;
    bool ready() const { return state() == State::open; }
    bool dead() const { return state() == State::closed; }
    // Everything sent so far has been handed to the kernel.
    bool all_written() const { return out_.empty(); }
    const std::string& error() const { return error_; }

  protected:
    // pump() stops adding messages while this much is still unwritten, so a publisher
    // whose window never fills (no subscribers, no answers) does not queue everything.
    static constexpr size_t kMaxUnwritten = 1u << 20;
    bool room() const { return out_.pending() < kMaxUnwritten; }

    void on_failed(const std::string& why) override { error_ = why; }
    void on_lost(const std::string& why) override {
        error_ = why;
        RunState::note(run_.counters.publish_error, "publisher: " + why);
        run_.flow.stop_sending();
    }

    RunState& run_;
    const PayloadFormat& payload_;
    std::string error_;
};

// A JSON string literal (quotes included) for topic and type.
std::string json_string(const std::string& text);

} // namespace loadgen

// A plugin's bus calls on an engine that can be down and can skip seqs (issue 15), over a
// real runtime, a real loaded library (tests/plugins/host_misuse) and a real WebSocket: a
// publish while the engine is unavailable answers SY_ERR_FAILED (the kernel survives it),
// and an event after a skipped seq reaches the plugin with sy_event_v1.gap.
#include "net/worker_pool.hpp"
#include "plugin/plugin_runtime.hpp"
#include "plugin/shadow_copy.hpp"
#include "scripted_bus.hpp"
#include "ws_client.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <memory>
#include <string>

namespace fs = std::filesystem;
using namespace switchyard;
using namespace switchyard::test;
using switchyard::testing::ScriptedBus;

namespace {

constexpr auto kWait = std::chrono::seconds(10);

PluginConfig misuse_config() {
    PluginConfig config;
    config.name = "host_misuse";
    config.enabled = true;
    config.settings_json = "{}";
    return config;
}

// host_misuse running on one worker against a ScriptedBus.
class MisuseRuntime {
  public:
    MisuseRuntime() : shadow_dir_(make_shadow_dir()) {
        const fs::path library = fs::path(SWITCHYARD_TEST_PLUGIN_DIR) / "host_misuse.so";
        const PluginConfig config = misuse_config();
        runtime_ = std::make_unique<PluginRuntime>(pool_, bus, config,
                                                   load_shadow_copy(library, shadow_dir_, config),
                                                   library, shadow_dir_);
        runtime_->bind();
        runtime_->start();
        pool_.start();
    }
    ~MisuseRuntime() {
        runtime_->stop_accepting_and_say_goodbye().wait_for(kWait);
        pool_.at(0).io().stop();
        pool_.stop_and_join();
        runtime_->destroy_instance();
        runtime_.reset();
        std::error_code ec;
        fs::remove_all(shadow_dir_, ec);
    }
    MisuseRuntime(const MisuseRuntime&) = delete;
    MisuseRuntime& operator=(const MisuseRuntime&) = delete;

    WsClient connect() { return WsClient::connect(runtime_->info().endpoints.at(0).port, "/ws"); }

    ScriptedBus bus; // first: it outlives the runtime's subscriptions

  private:
    fs::path shadow_dir_;
    WorkerPool pool_{1};
    std::unique_ptr<PluginRuntime> runtime_;
};

// The plugin's answer to one command.
std::string ask(WsClient& ws, const std::string& command) {
    REQUIRE(ws.send_text(command));
    return next_text_or_why(ws, kWait);
}

} // namespace

TEST_CASE("host publish: SY_ERR_FAILED while the bus is unavailable, SY_OK once it is back",
          "[plugin][bus]") {
    MisuseRuntime plugin;
    WsClient ws = plugin.connect();
    plugin.bus.go_down("redis at 127.0.0.1:6379 is not connected");
    CHECK(ask(ws, "publish host_misuse") == "publish " + std::to_string(SY_ERR_FAILED));
    CHECK(ask(ws, "publish inbound/host_misuse") == "publish " + std::to_string(SY_ERR_FAILED));
    // The lanes are still checked first: a denied topic is denied, not failed.
    CHECK(ask(ws, "publish groove") == "publish " + std::to_string(SY_ERR_DENIED));
    CHECK(ask(ws, "echo still here") == "echo still here");

    plugin.bus.come_back();
    CHECK(ask(ws, "publish host_misuse") == "publish 0");
}

TEST_CASE("host events: an event after a seq the bus skipped reaches the plugin with gap",
          "[plugin][bus]") {
    MisuseRuntime plugin;
    WsClient ws = plugin.connect();
    plugin.bus.deliver("host_misuse", 1);
    plugin.bus.deliver("host_misuse", 2);
    plugin.bus.deliver("host_misuse", 6); // 3..5 were trimmed while the node was away
    plugin.bus.deliver("host_misuse", 7);
    // Events and the WebSocket's message go through the plugin's one dispatcher in order.
    CHECK(ask(ws, "events") == "events 4 1 6");
}

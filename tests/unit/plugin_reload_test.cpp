// A reload that gives up waiting (PluginRuntime::reload, kernel/plugin/plugin_reload.cpp)
// over a real runtime and a real loaded library: the test holds the plugin's only worker
// busy, so its dispatcher cannot reach the swap within the (shortened) swap timeout. The
// reload must answer that it was given up, and then never swap after all.
#include "bus/memory_engine.hpp"
#include "net/worker_pool.hpp"
#include "plugin/plugin_runtime.hpp"
#include "plugin/shadow_copy.hpp"

#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <string>

namespace fs = std::filesystem;
using namespace switchyard;

namespace {

constexpr auto kSwapTimeout = std::chrono::milliseconds(100);
constexpr auto kWait = std::chrono::seconds(10);

fs::path test_plugin(const std::string& name) {
    return fs::path(SWITCHYARD_TEST_PLUGIN_DIR) / (name + ".so");
}

// Runs `fn` on `worker`'s thread and returns once it did (or the wait timed out).
bool run_on(Worker& worker, std::function<void()> fn) {
    std::promise<void> done;
    boost::asio::post(worker.io(), [&] {
        fn();
        done.set_value();
    });
    return done.get_future().wait_for(kWait) == std::future_status::ready;
}

} // namespace

TEST_CASE("reload: a swap given up after the timeout never happens later", "[reload]") {
    const fs::path shadow_dir = make_shadow_dir();
    const fs::path library = shadow_dir / "configured" / "counter.so";
    fs::create_directories(library.parent_path());
    fs::copy_file(test_plugin("counter_v1"), library);

    PluginConfig config;
    config.name = "counter";
    config.enabled = true;
    config.settings_json = "{}";
    WorkerPool pool(1);
    auto bus = make_memory_engine(16);
    auto runtime = std::make_unique<PluginRuntime>(pool, *bus, config,
                                                   load_shadow_copy(library, shadow_dir, config),
                                                   library, shadow_dir, kSwapTimeout);
    runtime->bind();
    runtime->start();
    pool.start();
    REQUIRE(runtime->info().version == "1.0.0");

    // A hook that does not return, as far as the reload can tell: the worker that runs the
    // plugin's dispatcher is held until the reload has answered.
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    boost::asio::post(pool.at(0).io(), [released] { released.wait(); });

    fs::copy_file(test_plugin("counter_v2"), library, fs::copy_options::overwrite_existing);
    const ReloadOutcome outcome = runtime->reload();
    INFO("reload: " << outcome.error);
    CHECK_FALSE(outcome.ok);
    CHECK(outcome.error.find("given up") != std::string::npos);
    CHECK(outcome.generation == 1);

    // The worker runs again: the queued swap task comes up, and must do nothing.
    release.set_value();
    REQUIRE(run_on(pool.at(0), [] {})); // every task queued before this one has run
    const PluginInfo info = runtime->info();
    CHECK(info.version == "1.0.0");
    CHECK(info.generation == 1);
    CHECK(info.state == "running");

    // Nothing is stuck: the next reload swaps.
    const ReloadOutcome next = runtime->reload();
    INFO("reload: " << next.error);
    CHECK(next.ok);
    CHECK(next.version == "2.0.0");
    CHECK(next.generation == 2);

    runtime->stop_accepting_and_say_goodbye().wait_for(kWait);
    pool.at(0).io().stop();
    pool.stop_and_join();
    runtime.reset();
    std::error_code ec;
    fs::remove_all(shadow_dir, ec);
}

// Repeated hot reloads must not leak (DESIGN.md "Hot reload"): each reload unloads the
// image it replaces, so /proc/<kernel>/maps keeps only the running generation's shadow
// copy of the library, and the kernel's resident memory stays flat over 200 reloads.
#include "counter_kernel.hpp"
#include "process_memory.hpp"
#include "test_json.hpp"
#include "ws_client.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <set>
#include <string>

using namespace switchyard::test;

namespace {

constexpr auto kWait = std::chrono::seconds(10);
constexpr int64_t kReloads = 200;
constexpr int64_t kWarmupReloads = 20;
// Generous on purpose: this catches an image, a snapshot or a connection table kept per
// reload (200 of them), not allocator noise. It is a leak check, not a performance test.
constexpr uint64_t kRssGrowthLimitKib = 8 * 1024;
// Under AddressSanitizer (scripts/test --sanitize) resident memory says nothing about
// leaks: freed blocks wait in ASan's quarantine (256 MiB) before reuse, so RSS climbs by
// design. LeakSanitizer checks the kernel for leaks there instead; the mapping check
// stays, since ASan does not keep a dlclose'd image mapped.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kResidentMemoryIsMeaningful = false;
#else
constexpr bool kResidentMemoryIsMeaningful = true;
#endif

// The counter's shadow libraries the kernel maps ("counter.<generation>.so").
std::set<std::string> mapped_counter_images(const CounterKernel& counter) {
    return mapped_files(counter.kernel().pid(), "counter.");
}

std::string join(const std::set<std::string>& paths) {
    std::string text;
    for (const auto& path : paths) text += path + "\n";
    return text;
}

// Whether `paths` is exactly one file, the shadow copy of `generation`.
bool only_generation_mapped(const std::set<std::string>& paths, int64_t generation) {
    const std::string name = "counter." + std::to_string(generation) + ".so";
    return paths.size() == 1 && std::filesystem::path(*paths.begin()).filename() == name;
}

} // namespace

TEST_CASE("reload: 200 reloads leave one library image mapped and resident memory flat",
          "[integration][reload][leak]") {
    CounterKernel counter;
    WsClient client = WsClient::connect(counter.port(), "/ws");
    REQUIRE(client.read(kWait).has_value()); // the greeting

    const std::set<std::string> at_start = mapped_counter_images(counter);
    INFO("mapped at start:\n" << join(at_start));
    CHECK(only_generation_mapped(at_start, 1));

    uint64_t rss_after_warmup = 0;
    for (int64_t reload = 1; reload <= kReloads; ++reload) {
        // Alternate builds, as a developer rebuilding back and forth would.
        const bool v2 = reload % 2 == 1;
        const HttpResponse answer = counter.reload_with(v2 ? "counter_v2.so" : "counter_v1.so");
        INFO("reload " << reload << " answered " << answer.status << ": " << answer.body);
        REQUIRE(answer.status == 200);
        const int64_t generation = reload + 1;
        REQUIRE(parse_json(answer.body).at("generation").to_number<int64_t>() == generation);

        // The new generation serves the same connection and carried the counter.
        REQUIRE(client.send_text(std::to_string(reload)));
        const auto message = client.read(kWait);
        INFO("connection ended: " << client.end_reason());
        REQUIRE(message.has_value());
        const CounterMessage echo = parse_counter_message(message->payload);
        REQUIRE(echo.v == (v2 ? 2 : 1));
        REQUIRE(echo.n == reload);
        REQUIRE(echo.mine == reload);

        if (reload == 1) {
            // The image of generation 1 is gone as soon as the first reload returned.
            const std::set<std::string> mapped = mapped_counter_images(counter);
            INFO("mapped after the first reload:\n" << join(mapped));
            CHECK(only_generation_mapped(mapped, generation));
        }
        if (reload == kWarmupReloads) rss_after_warmup = resident_kib(counter.kernel().pid());
    }

    const std::set<std::string> mapped = mapped_counter_images(counter);
    INFO("mapped after " << kReloads << " reloads:\n" << join(mapped));
    CHECK(only_generation_mapped(mapped, kReloads + 1));

    const uint64_t rss_at_end = resident_kib(counter.kernel().pid());
    INFO("VmRSS after " << kWarmupReloads << " reloads: " << rss_after_warmup << " KiB, after "
                        << kReloads << ": " << rss_at_end << " KiB");
    if (!kResidentMemoryIsMeaningful) {
        WARN("AddressSanitizer build: the resident memory check is skipped");
        return;
    }
    CHECK(rss_at_end < rss_after_warmup + kRssGrowthLimitKib);
}

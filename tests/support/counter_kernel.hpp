// A kernel serving the hot-reload fixture "counter" (tests/plugins/reload_counter) from a
// library file the test replaces and reloads, as a developer rebuilding the plugin would;
// and the fixture's messages, parsed.
#pragma once

#include "http_client.hpp"
#include "kernel_process.hpp"
#include "temp_dir.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard::test {

class CounterKernel {
  public:
    // Copies the test plugin `first_build` to <temp dir>/counter.so and starts a kernel
    // with [plugins.counter] library = that file, on an ephemeral port.
    explicit CounterKernel(std::string_view first_build = "counter_v1.so");

    // Replaces counter.so with the test plugin `build` ("counter_v2.so",
    // "not_a_library.so"...) the way a rebuild does (replace_file).
    void install(std::string_view build) const;
    // install(build), then POST /api/v1/plugins/counter/reload.
    HttpResponse reload_with(std::string_view build) const;

    // The kernel.
    const KernelProcess& kernel() const { return kernel_; }
    // The port of the counter's endpoint "default" (/ws and /events).
    uint16_t port() const;
    // The configured library file (<temp dir>/counter.so).
    const std::filesystem::path& library() const { return library_; }

  private:
    TempDir dir_; // outlives the kernel, which copies the library from there on a reload
    std::filesystem::path library_;
    KernelProcess kernel_;
};

// One message of the counter plugin (see tests/plugins/reload_counter/reload_counter.cpp).
struct CounterMessage {
    int64_t v = 0;                   // the COUNTER_VERSION of the build that wrote it
    int64_t n = 0;                   // the plugin's counter after it
    bool hello = false;              // the greeting of on_open
    std::optional<int64_t> seq;      // a bus event's sequence number
    std::optional<std::string> echo; // the text a client sent
    std::optional<int64_t> mine;     // the sender's own message count
};

// Parses a counter message; throws std::runtime_error quoting `text` when it is not one.
CounterMessage parse_counter_message(std::string_view text);

} // namespace switchyard::test

// The plugin loader: every library it must refuse is refused with a message naming the
// library and the reason; a good library loads, and unloads without leaving a mapping.
#include "plugin/plugin_library.hpp"

#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fs = std::filesystem;
using switchyard::PluginLibrary;
using switchyard::PluginLoadError;

namespace {

fs::path test_plugin(const std::string& name) {
    return fs::path(SWITCHYARD_TEST_PLUGIN_DIR) / (name + ".so");
}

fs::path groove_path() {
    return fs::path(SWITCHYARD_PLUGIN_DIR) / "groove.so";
}

// The reason load() gives for refusing `path`; also checks what() names the library.
std::string refusal(const fs::path& path) {
    try {
        PluginLibrary::load(path);
    } catch (const PluginLoadError& e) {
        CHECK(e.library() == path);
        CHECK(std::string(e.what()) == path.string() + ": " + e.reason());
        return e.reason();
    }
    FAIL("loaded " << path << ", which should have been refused");
    return {};
}

// Whether this process maps a file at `path` (/proc/self/maps names mapped files).
bool is_mapped(const fs::path& path) {
    std::ifstream maps("/proc/self/maps");
    std::stringstream text;
    text << maps.rdbuf();
    return text.str().find(fs::canonical(path).string()) != std::string::npos;
}

switchyard::PluginConfig config_named(std::string name) {
    switchyard::PluginConfig config;
    config.name = std::move(name);
    config.enabled = true;
    return config;
}

switchyard::EndpointListen listen_on(std::string endpoint) {
    return switchyard::EndpointListen{std::move(endpoint),
                                      switchyard::ListenAddress{"127.0.0.1", 0}};
}

} // namespace

TEST_CASE("loader refuses a missing file and a file that is not a library", "[loader]") {
    CHECK(refusal(test_plugin("does_not_exist")) == "no such file");
    CHECK(refusal(fs::path(SWITCHYARD_TEST_PLUGIN_DIR)) == "is a directory");
    const std::string reason = refusal(test_plugin("not_a_library"));
    CHECK_THAT(reason, Catch::Matchers::StartsWith("cannot load: "));
    // The dynamic loader's own words follow.
    CHECK_THAT(reason, Catch::Matchers::Contains("ELF") || Catch::Matchers::Contains("too short"));
}

TEST_CASE("loader refuses a library without the entry point", "[loader]") {
    CHECK_THAT(refusal(test_plugin("no_entry_point")),
               Catch::Matchers::StartsWith("no switchyard_plugin_v1 symbol"));
}

TEST_CASE("loader refuses an entry point that returns NULL", "[loader]") {
    CHECK(refusal(test_plugin("null_descriptor")) == "switchyard_plugin_v1() returned NULL");
}

TEST_CASE("loader refuses another ABI major, a newer minor and a larger descriptor", "[loader]") {
    CHECK(refusal(test_plugin("wrong_major")) == "built for ABI 2.x, this kernel speaks 1.x");
    CHECK(refusal(test_plugin("newer_minor")) ==
          "built for ABI 1.99, newer than this kernel's 1.4");
    CHECK(refusal(test_plugin("oversized_descriptor")) ==
          "descriptor is " + std::to_string(sizeof(sy_plugin_v1) + 64) +
              " bytes, larger than this kernel knows (" + std::to_string(sizeof(sy_plugin_v1)) +
              "): built against a newer SDK");
}

TEST_CASE("loader refuses a descriptor without a create hook", "[loader]") {
    CHECK(refusal(test_plugin("no_create")) == "plugin \"no_create\" has no create hook");
}

TEST_CASE("loader unmaps a refused library", "[loader]") {
    refusal(test_plugin("wrong_major"));
    CHECK_FALSE(is_mapped(test_plugin("wrong_major")));
}

TEST_CASE("loader refuses a library with STB_GNU_UNIQUE symbols, naming the flag, unmapped",
          "[loader]") {
    // gnu_unique.so is built without -fno-gnu-unique: glibc would never unload it.
    const std::string reason = refusal(test_plugin("gnu_unique"));
    CHECK_THAT(reason, Catch::Matchers::Contains("STB_GNU_UNIQUE symbol"));
    CHECK_THAT(reason, Catch::Matchers::Contains("-fno-gnu-unique"));
    CHECK_THAT(reason, Catch::Matchers::Contains("hot reload"));
    // Refused before dlopen: none of its code ran, nothing of it stays mapped.
    CHECK_FALSE(is_mapped(test_plugin("gnu_unique")));
}

TEST_CASE("loader loads groove.so and reports its descriptor", "[loader]") {
    auto library = PluginLibrary::load(groove_path());
    const sy_plugin_v1& d = library->descriptor();
    CHECK(library->path() == groove_path());
    CHECK(library->abi_string() == "1.4");
    CHECK(std::string(d.name) == "groove");
    CHECK(std::string(d.version) == "1.1.0");
    REQUIRE(d.endpoint_count == 1);
    const sy_endpoint_v1& endpoint = d.endpoints[0];
    CHECK(std::string(endpoint.name) == "default");
    CHECK(std::string(endpoint.default_listen) == "127.0.0.1:31415");
    CHECK(endpoint.max_message_bytes == 1048576);
    // WebSocket at /ws (seed 001) and / (the daemon's GUI).
    REQUIRE(endpoint.route_count == 2);
    CHECK(endpoint.routes[0].kind == SY_ROUTE_WEBSOCKET);
    CHECK(std::string(endpoint.routes[0].method) == "GET");
    CHECK(std::string(endpoint.routes[0].path) == "/ws");
    CHECK(endpoint.routes[1].kind == SY_ROUTE_WEBSOCKET);
    CHECK(std::string(endpoint.routes[1].path) == "/");
    REQUIRE(d.stream_count == 1);
    CHECK(std::string(d.streams[0]) == "groove");
    CHECK(d.create != nullptr);
    CHECK(d.destroy != nullptr);
}

TEST_CASE("loader unmaps a library when it is destroyed", "[loader]") {
    auto library = PluginLibrary::load(groove_path());
    CHECK(is_mapped(groove_path()));
    library.reset();
    CHECK_FALSE(is_mapped(groove_path()));
}

TEST_CASE("config must name the library's plugin and only endpoints it declares", "[loader]") {
    using Catch::Matchers::Contains;
    auto groove = PluginLibrary::load(groove_path());

    auto config = config_named("groove");
    CHECK_NOTHROW(switchyard::check_config_matches(*groove, config));
    config.listen = {listen_on("")}; // listen = "host:port": the only endpoint
    CHECK_NOTHROW(switchyard::check_config_matches(*groove, config));
    config.listen = {listen_on("default")};
    CHECK_NOTHROW(switchyard::check_config_matches(*groove, config));

    config.listen = {listen_on("logs")};
    CHECK_THROWS_WITH(switchyard::check_config_matches(*groove, config),
                      Contains(groove_path().string()) &&
                          Contains("the config names endpoint \"logs\", but plugin \"groove\" "
                                   "declares: default"));

    CHECK_THROWS_WITH(switchyard::check_config_matches(*groove, config_named("jarvis")),
                      Contains(groove_path().string()) &&
                          Contains("configured as [plugins.jarvis], but the library's plugin "
                                   "is named \"groove\""));
}

TEST_CASE("config names the endpoints of a plugin that has several", "[loader]") {
    using Catch::Matchers::Contains;
    auto library = PluginLibrary::load(test_plugin("two_endpoints"));
    auto config = config_named("two_endpoints");
    config.listen = {listen_on("core"), listen_on("logs")};
    CHECK_NOTHROW(switchyard::check_config_matches(*library, config));
    config.listen = {listen_on("")};
    CHECK_THROWS_WITH(switchyard::check_config_matches(*library, config),
                      Contains("one listen address for a plugin with 2 endpoints") &&
                          Contains("declares: core, logs"));
}

TEST_CASE("loader refuses a second plugin of the same name", "[loader]") {
    auto groove = PluginLibrary::load(groove_path());
    auto impostor = PluginLibrary::load(test_plugin("dup_groove"));
    CHECK_NOTHROW(switchyard::check_unique_name(*groove, {"jarvis", "clijaw"}));
    CHECK_THROWS_WITH(
        switchyard::check_unique_name(*impostor, {"jarvis", "groove"}),
        test_plugin("dup_groove").string() + ": a plugin named \"groove\" is already loaded");
}

// ---------------------------------------------------------------------------------
// Descriptor rules, checked on descriptors built in memory
// ---------------------------------------------------------------------------------

namespace {

// The end of sy_endpoint_v1's last field in ABI 1.0 (sizeof adds tail padding).
constexpr size_t kEndpointV1_0Size = offsetof(sy_endpoint_v1, max_queued_frames) + sizeof(uint32_t);

sy_status fake_create(const sy_host_v1*, const sy_create_args_v1*, void**) {
    return SY_OK;
}
void fake_destroy(void*) {}

// A valid descriptor whose endpoint and routes live in the object, so a test can break
// any part of it.
struct DescriptorUnderTest {
    sy_route_v1 routes[2] = {
        {sizeof(sy_route_v1), SY_ROUTE_WEBSOCKET, "GET", "/ws"},
        {sizeof(sy_route_v1), SY_ROUTE_HTTP, "*", "*"},
    };
    sy_endpoint_v1 endpoints[2] = {
        {sizeof(sy_endpoint_v1), "core", "127.0.0.1:0", routes, 2, 0, 0, 0},
        {sizeof(sy_endpoint_v1), "logs", "127.0.0.1:0", routes, 1, 0, 0, 0},
    };
    const char* streams[1] = {"tested"};
    sy_plugin_v1 d{};

    DescriptorUnderTest() {
        d.struct_size = sizeof(sy_plugin_v1);
        d.abi_major = SY_ABI_MAJOR;
        d.abi_minor = SY_ABI_MINOR;
        d.name = "tested";
        d.version = "1.0.0";
        d.endpoints = endpoints;
        d.endpoint_count = 2;
        d.streams = streams;
        d.stream_count = 1;
        d.create = &fake_create;
        d.destroy = &fake_destroy;
    }
    DescriptorUnderTest(const DescriptorUnderTest&) = delete;

    std::string problem() const { return switchyard::find_descriptor_problem(d); }
};

} // namespace

TEST_CASE("descriptor rules accept a valid descriptor", "[loader]") {
    DescriptorUnderTest t;
    CHECK(t.problem() == "");
    t.d.stream_count = 0;
    t.d.streams = nullptr;
    CHECK(t.problem() == "");
}

TEST_CASE("descriptor rules check the size the ABI version implies", "[loader]") {
    DescriptorUnderTest t;
    t.d.struct_size = 8;
    CHECK(t.problem() == "descriptor is 8 bytes, too small to hold an ABI version");
    t.d.struct_size = 64;
    // 1.0's descriptor ends with on_shutdown: 160 bytes on LP64 (abi_baseline.c).
    CHECK(t.problem() == "descriptor is 64 bytes, smaller than ABI 1.0's (160)");
}

TEST_CASE("descriptor rules require a valid name, a version and both lifecycle hooks", "[loader]") {
    DescriptorUnderTest t;
    t.d.name = nullptr;
    CHECK(t.problem() == "descriptor has no name");
    for (const char* bad : {"", "Groove", "1groove", "gro-ove", "gro ove", "_groove"}) {
        t.d.name = bad;
        CHECK_THAT(t.problem(),
                   Catch::Matchers::StartsWith("invalid plugin name \"" + std::string(bad) + "\""));
    }
    t.d.name = "x_1";
    CHECK(t.problem() == "");
    t.d.version = nullptr;
    CHECK(t.problem() == "plugin \"x_1\" has no version");
    t.d.version = "1";
    t.d.destroy = nullptr;
    CHECK(t.problem() == "plugin \"x_1\" has no destroy hook");
}

TEST_CASE("descriptor rules require endpoints with names and routes", "[loader]") {
    {
        DescriptorUnderTest t;
        t.d.endpoint_count = 0;
        CHECK(t.problem() == "plugin \"tested\" declares no endpoints");
    }
    {
        DescriptorUnderTest t;
        t.endpoints[1].struct_size = 16;
        CHECK(t.problem() ==
              "plugin \"tested\": endpoint 1 is 16 bytes, smaller than ABI "
              "1.0's (" +
                  std::to_string(kEndpointV1_0Size) + ")");
        t.endpoints[1].struct_size = sizeof(sy_endpoint_v1) + 8;
        CHECK_THAT(t.problem(), Catch::Matchers::Contains(
                                    "endpoint 1 is " + std::to_string(sizeof(sy_endpoint_v1) + 8) +
                                    " bytes, larger than this kernel knows"));
    }
    {
        DescriptorUnderTest t;
        t.endpoints[0].name = nullptr;
        CHECK(t.problem() == "plugin \"tested\": endpoint 0 has no name");
        t.endpoints[0].name = "logs";
        CHECK(t.problem() == "plugin \"tested\": two endpoints are named \"logs\"");
    }
    {
        DescriptorUnderTest t;
        t.endpoints[1].route_count = 0;
        CHECK(t.problem() == "plugin \"tested\": endpoint \"logs\" has no routes");
    }
}

TEST_CASE("descriptor rules require routes of a known kind with a method and a path", "[loader]") {
    DescriptorUnderTest t;
    t.routes[1].kind = 7;
    CHECK(t.problem() == "plugin \"tested\": endpoint \"core\" route 1 has unknown kind 7");
    t.routes[1].kind = SY_ROUTE_SSE;
    t.routes[1].path = nullptr;
    CHECK(t.problem() == "plugin \"tested\": endpoint \"core\" route 1 has no path");
    t.routes[1].path = "events";
    CHECK_THAT(t.problem(), Catch::Matchers::EndsWith(
                                "route 1 has path \"events\": it must start with '/' or be \"*\""));
    t.routes[1].path = "/api/*";
    t.routes[1].method = nullptr;
    CHECK(t.problem() == "plugin \"tested\": endpoint \"core\" route 1 has no method");
    t.routes[1].method = "POST";
    t.routes[0].struct_size = 4;
    CHECK_THAT(t.problem(),
               Catch::Matchers::StartsWith(
                   "plugin \"tested\": endpoint \"core\" route 0 is 4 bytes, smaller"));
}

TEST_CASE("descriptor rules require named streams without subtopics", "[loader]") {
    DescriptorUnderTest t;
    t.streams[0] = nullptr;
    CHECK(t.problem() == "plugin \"tested\": stream 0 has no name");
    t.streams[0] = "tested/sub";
    CHECK(t.problem() ==
          "plugin \"tested\": stream \"tested/sub\" contains '/': a stream has no subtopic");
    t.streams[0] = "tested";
    t.d.streams = nullptr;
    CHECK(t.problem() == "plugin \"tested\": descriptor lists streams but no array");
}

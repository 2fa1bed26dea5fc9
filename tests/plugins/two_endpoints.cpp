// A valid plugin with two endpoints ("core" and "logs"), for the config checks that
// depend on how many endpoints a plugin declares.
#include "test_descriptor.hpp"

namespace {

constexpr sy_endpoint_v1 kTwoEndpoints[] = {
    {sizeof(sy_endpoint_v1), "core", "127.0.0.1:0", test_plugin::kRoutes, 1, 0, 0, 0},
    {sizeof(sy_endpoint_v1), "logs", "127.0.0.1:0", test_plugin::kRoutes, 1, 0, 0, 0},
};

constexpr sy_plugin_v1 descriptor() {
    sy_plugin_v1 d = test_plugin::valid_descriptor("two_endpoints");
    d.endpoints = kTwoEndpoints;
    d.endpoint_count = 2;
    return d;
}

} // namespace

TEST_PLUGIN_ENTRY_POINT(descriptor())

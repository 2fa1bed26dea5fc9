// A descriptor without a create hook.
#include "test_descriptor.hpp"

namespace {
constexpr sy_plugin_v1 descriptor() {
    sy_plugin_v1 d = test_plugin::valid_descriptor("no_create");
    d.create = nullptr;
    return d;
}
} // namespace

TEST_PLUGIN_ENTRY_POINT(descriptor())

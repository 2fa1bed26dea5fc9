// Built for ABI 2.x: refused by a kernel that speaks 1.x.
#include "test_descriptor.hpp"

namespace {
constexpr sy_plugin_v1 descriptor() {
    sy_plugin_v1 d = test_plugin::valid_descriptor("wrong_major");
    d.abi_major = 2;
    return d;
}
} // namespace

TEST_PLUGIN_ENTRY_POINT(descriptor())

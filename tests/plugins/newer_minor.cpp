// Built for ABI 1.99: newer than any kernel it meets in the tests.
#include "test_descriptor.hpp"

namespace {
constexpr sy_plugin_v1 descriptor() {
    sy_plugin_v1 d = test_plugin::valid_descriptor("newer_minor");
    d.abi_minor = 99;
    return d;
}
} // namespace

TEST_PLUGIN_ENTRY_POINT(descriptor())

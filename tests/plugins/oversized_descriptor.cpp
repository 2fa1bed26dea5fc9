// A descriptor 64 bytes larger than ABI 1.0's, as a plugin built against a newer SDK
// would export: the struct really is that large, so the memory behind it is readable.
#include "test_descriptor.hpp"

namespace {

struct NewerDescriptor {
    sy_plugin_v1 v1;
    unsigned char newer_fields[64];
};

constexpr NewerDescriptor descriptor() {
    NewerDescriptor d{test_plugin::valid_descriptor("oversized_descriptor"), {}};
    d.v1.struct_size = sizeof(NewerDescriptor);
    return d;
}

constexpr NewerDescriptor kDescriptor = descriptor();
static_assert(sizeof(NewerDescriptor) == sizeof(sy_plugin_v1) + 64);

} // namespace

extern "C" SY_EXPORT const sy_plugin_v1* switchyard_plugin_v1(void);
extern "C" SY_EXPORT const sy_plugin_v1* switchyard_plugin_v1(void) {
    return &kDescriptor.v1;
}

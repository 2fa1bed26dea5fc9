// A valid plugin built WITHOUT -fno-gnu-unique (tests/plugins/CMakeLists.txt) that
// defines a template's static data member with default visibility: GCC exports it as an
// STB_GNU_UNIQUE symbol, and glibc never unloads a library that has one. The loader must
// refuse it, naming the flag that fixes it, before mapping it.
#include "test_descriptor.hpp"

// Outside an anonymous namespace, so the member has external linkage and is exported.
namespace gnu_unique_fixture {

template <class T>
struct __attribute__((visibility("default"))) Registry {
    static int instances;
};
template <class T>
int Registry<T>::instances = 0;

} // namespace gnu_unique_fixture

namespace {

// Uses the member, so the library defines it.
sy_status create(const sy_host_v1*, const sy_create_args_v1*, void** out_instance) {
    ++gnu_unique_fixture::Registry<int>::instances;
    *out_instance = nullptr;
    return SY_OK;
}

constexpr sy_plugin_v1 descriptor() {
    sy_plugin_v1 d = test_plugin::valid_descriptor("gnu_unique");
    d.create = &create;
    return d;
}

} // namespace

TEST_PLUGIN_ENTRY_POINT(descriptor())

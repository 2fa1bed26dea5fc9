// A plugin may be written in C or C++ and the kernel is C++: both must lay the ABI's
// structs out identically. abi_baseline.c also freezes the v1 layout, values and
// signatures at compile time.
#include <switchyard/plugin.h>

#include <catch2/catch.hpp>

extern "C" size_t sy_test_c_sizeof(int which);

TEST_CASE("C and C++ lay out every ABI struct the same", "[abi]") {
    CHECK(sy_test_c_sizeof(0) == sizeof(sy_request_v1));
    CHECK(sy_test_c_sizeof(1) == sizeof(sy_event_v1));
    CHECK(sy_test_c_sizeof(2) == sizeof(sy_publish_v1));
    CHECK(sy_test_c_sizeof(3) == sizeof(sy_response_v1));
    CHECK(sy_test_c_sizeof(4) == sizeof(sy_host_v1));
    CHECK(sy_test_c_sizeof(5) == sizeof(sy_route_v1));
    CHECK(sy_test_c_sizeof(6) == sizeof(sy_endpoint_v1));
    CHECK(sy_test_c_sizeof(7) == sizeof(sy_create_args_v1));
    CHECK(sy_test_c_sizeof(8) == sizeof(sy_plugin_v1));
    CHECK(sy_test_c_sizeof(9) == sizeof(sy_file_response_v1));
}

TEST_CASE("SY_HAS_FIELD reads struct_size, not the reader's own layout", "[abi]") {
    sy_event_v1 event{};
    event.struct_size = offsetof(sy_event_v1, internal); // an older, shorter event
    CHECK(SY_HAS_FIELD(&event, sy_event_v1, scope));
    CHECK_FALSE(SY_HAS_FIELD(&event, sy_event_v1, internal));
    event.struct_size = sizeof event;
    CHECK(SY_HAS_FIELD(&event, sy_event_v1, ts));
}

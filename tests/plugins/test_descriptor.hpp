// A valid descriptor for test plugins, written against plugin.h alone (C style). Each
// broken plugin starts from it and breaks exactly one thing.
#pragma once

#include <switchyard/plugin.h>

namespace test_plugin {

// An instance that does nothing; one object is enough, the tests never call its hooks.
inline sy_status create(const sy_host_v1*, const sy_create_args_v1*, void** out_instance) {
    *out_instance = nullptr;
    return SY_OK;
}

inline void destroy(void*) {}

inline constexpr sy_route_v1 kRoutes[] = {
    {sizeof(sy_route_v1), SY_ROUTE_WEBSOCKET, "GET", "/ws"},
};

inline constexpr sy_endpoint_v1 kEndpoints[] = {
    {sizeof(sy_endpoint_v1), "default", "127.0.0.1:0", kRoutes, 1, 0, 0, 0},
};

// A descriptor the loader accepts, for a plugin called `name`.
constexpr sy_plugin_v1 valid_descriptor(const char* name) {
    sy_plugin_v1 d{};
    d.struct_size = sizeof(sy_plugin_v1);
    d.abi_major = SY_ABI_MAJOR;
    d.abi_minor = SY_ABI_MINOR;
    d.name = name;
    d.version = "0.0.1";
    d.description = "a test plugin";
    d.endpoints = kEndpoints;
    d.endpoint_count = 1;
    d.create = &create;
    d.destroy = &destroy;
    return d;
}

} // namespace test_plugin

// Defines the entry point returning the constant `descriptor_expression`.
#define TEST_PLUGIN_ENTRY_POINT(descriptor_expression)                     \
    extern "C" SY_EXPORT const sy_plugin_v1* switchyard_plugin_v1(void);   \
    extern "C" SY_EXPORT const sy_plugin_v1* switchyard_plugin_v1(void) {  \
        static constexpr sy_plugin_v1 kDescriptor = descriptor_expression; \
        return &kDescriptor;                                               \
    }

/* The ABI baseline: plugin.h compiled as C11, the way a C plugin author compiles it,
 * with the v1.0 layout frozen below. Major version 1 only grows by appending fields: a
 * change that moves or resizes anything here breaks every plugin already shipped, so
 * the build stops. Appending a field is done by raising SY_ABI_MINOR and the sizes
 * here together, never by editing an offset. (LP64 targets: Linux x86_64 and arm64.) */
#include <switchyard/plugin.h>

#if defined(__LP64__)
#define FROZEN(type, size) _Static_assert(sizeof(type) >= (size), #type " shrank: ABI v1 broken")
#define AT(type, field, off) \
    _Static_assert(offsetof(type, field) == (off), #type "." #field " moved: ABI v1 broken")

FROZEN(sy_str, 16);
FROZEN(sy_header, 32);
FROZEN(sy_request_v1, 152);
FROZEN(sy_event_v1, 144);
FROZEN(sy_publish_v1, 112);
FROZEN(sy_response_v1, 56);
FROZEN(sy_host_v1, 216);
FROZEN(sy_route_v1, 24);
FROZEN(sy_endpoint_v1, 56);
FROZEN(sy_create_args_v1, 48);
FROZEN(sy_plugin_v1, 160);

AT(sy_request_v1, method, 8);
AT(sy_request_v1, headers, 72);
AT(sy_request_v1, route_index, 148);
AT(sy_event_v1, data, 56);
AT(sy_event_v1, ts, 136);
AT(sy_publish_v1, internal, 104);
AT(sy_response_v1, body, 40);
AT(sy_host_v1, ctx, 16);
AT(sy_host_v1, log, 24);
AT(sy_host_v1, frame_create, 40);
AT(sy_host_v1, broadcast, 72);
AT(sy_host_v1, group, 88);
AT(sy_host_v1, publish, 144);
AT(sy_host_v1, timer_start, 160);
AT(sy_host_v1, origin_host_allowed, 208);
AT(sy_endpoint_v1, max_message_bytes, 40);
AT(sy_endpoint_v1, max_queued_frames, 48);
AT(sy_create_args_v1, generation, 40);
AT(sy_plugin_v1, name, 16);
AT(sy_plugin_v1, create, 72);
AT(sy_plugin_v1, on_http, 96);
AT(sy_plugin_v1, on_shutdown, 152);
#endif

/* Sizes as a C compiler lays the structs out, for the C++ side to compare with. */
size_t sy_test_c_sizeof(int which) {
    switch (which) {
    case 0: return sizeof(sy_request_v1);
    case 1: return sizeof(sy_event_v1);
    case 2: return sizeof(sy_publish_v1);
    case 3: return sizeof(sy_response_v1);
    case 4: return sizeof(sy_host_v1);
    case 5: return sizeof(sy_route_v1);
    case 6: return sizeof(sy_endpoint_v1);
    case 7: return sizeof(sy_create_args_v1);
    case 8: return sizeof(sy_plugin_v1);
    default: return 0;
    }
}

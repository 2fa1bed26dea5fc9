/* The ABI baseline: plugin.h compiled as C11, the way a C plugin author compiles it,
 * with every layout fact a shipped plugin depends on frozen at compile time. Major
 * version 1 only grows by appending: anything here that moves, resizes, renumbers or
 * changes type breaks every plugin already shipped, so the build stops.
 *
 * What is frozen: each struct's size in 1.0 (a minimum) and in the current minor
 * (exact: appending a field without raising SY_ABI_MINOR and this file fails), the
 * offset of every field and host function (the host table's order: two functions of one
 * signature swapped would still compile everywhere else), the signature of every host
 * function and hook, and the value of every enum constant and status code.
 *
 * To append: add the field at the end of its struct in plugin.h, raise SY_ABI_MINOR,
 * add its AT() line and update the current minor's SIZE() lines. Never edit an
 * offset. (LP64 targets: Linux x86_64 and arm64.) */
#include <switchyard/plugin.h>

#if defined(__LP64__)
#define FROZEN_1_0(type, size) \
    _Static_assert(sizeof(type) >= (size), #type " shrank below 1.0: ABI v1 broken")
#define FROZEN_1_2(type, size) \
    _Static_assert(sizeof(type) >= (size), #type " shrank below 1.2: ABI v1 broken")
#define FROZEN_1_3(type, size) \
    _Static_assert(sizeof(type) >= (size), #type " shrank below 1.3: ABI v1 broken")
#define SIZE(type, size) \
    _Static_assert(sizeof(type) == (size), #type " changed size: raise SY_ABI_MINOR and this baseline")
#define AT(type, field, off) \
    _Static_assert(offsetof(type, field) == (off), #type "." #field " moved: ABI v1 broken")
#define SIGNATURE(type, field, fn_type)                                              \
    _Static_assert(__builtin_types_compatible_p(__typeof__(((type*)0)->field), fn_type), \
                   #type "." #field " changed type: ABI v1 broken")
#define VALUE(constant, value) \
    _Static_assert((constant) == (value), #constant " renumbered: ABI v1 broken")

/* -- versions ---------------------------------------------------------------------- */
VALUE(SY_ABI_MAJOR, 1);
_Static_assert(SY_ABI_MINOR == 4, "SY_ABI_MINOR changed: update the sizes of this baseline");

/* -- sizes: 1.0 (minimum) ------------------------------------------------------------ */
FROZEN_1_0(sy_str, 16);
FROZEN_1_0(sy_header, 32);
FROZEN_1_0(sy_request_v1, 152);
FROZEN_1_0(sy_event_v1, 144);
FROZEN_1_0(sy_publish_v1, 112);
FROZEN_1_0(sy_response_v1, 56);
FROZEN_1_0(sy_host_v1, 216);
FROZEN_1_0(sy_route_v1, 24);
FROZEN_1_0(sy_endpoint_v1, 56);
FROZEN_1_0(sy_create_args_v1, 48);
FROZEN_1_0(sy_plugin_v1, 160);

/* -- sizes: 1.2 (minimum: what a 1.2 plugin was built with) --------------------------- */
FROZEN_1_2(sy_request_v1, 160);
FROZEN_1_2(sy_event_v1, 152);
FROZEN_1_2(sy_file_response_v1, 80);
FROZEN_1_2(sy_host_v1, 248);
FROZEN_1_2(sy_endpoint_v1, 64);
FROZEN_1_2(sy_plugin_v1, 168);
FROZEN_1_2(sy_follow_v1, 80);
FROZEN_1_2(sy_follow_event_v1, 88);

/* -- sizes: 1.3 (minimum: what a 1.3 plugin was built with) --------------------------- */
FROZEN_1_3(sy_host_v1, 280);
FROZEN_1_3(sy_plugin_v1, 176);

/* -- sizes: 1.4 (exact) -------------------------------------------------------------- */
SIZE(sy_str, 16);
SIZE(sy_header, 32);
SIZE(sy_request_v1, 160);
SIZE(sy_event_v1, 152);
SIZE(sy_publish_v1, 112);
SIZE(sy_response_v1, 56);
SIZE(sy_file_response_v1, 80);
SIZE(sy_host_v1, 280);
SIZE(sy_route_v1, 24);
SIZE(sy_endpoint_v1, 64);
SIZE(sy_create_args_v1, 48);
SIZE(sy_plugin_v1, 184);
SIZE(sy_follow_v1, 80);
SIZE(sy_follow_event_v1, 88);

/* -- every field and host function, in order ----------------------------------------- */
AT(sy_str, ptr, 0);
AT(sy_str, len, 8);
AT(sy_header, name, 0);
AT(sy_header, value, 16);
AT(sy_request_v1, struct_size, 0);
AT(sy_request_v1, method, 8);
AT(sy_request_v1, target, 24);
AT(sy_request_v1, path, 40);
AT(sy_request_v1, query, 56);
AT(sy_request_v1, headers, 72);
AT(sy_request_v1, header_count, 80);
AT(sy_request_v1, body, 88);
AT(sy_request_v1, peer_address, 104);
AT(sy_request_v1, peer_port, 120);
AT(sy_request_v1, local_port, 122);
AT(sy_request_v1, endpoint, 128);
AT(sy_request_v1, route_kind, 144);
AT(sy_request_v1, route_index, 148);
AT(sy_request_v1, request_id, 152);
AT(sy_event_v1, stream, 8);
AT(sy_event_v1, topic, 24);
AT(sy_event_v1, type, 40);
AT(sy_event_v1, data, 56);
AT(sy_event_v1, id, 72);
AT(sy_event_v1, priority, 88);
AT(sy_event_v1, scope, 104);
AT(sy_event_v1, internal, 120);
AT(sy_event_v1, seq, 128);
AT(sy_event_v1, ts, 136);
AT(sy_event_v1, gap, 144);
AT(sy_publish_v1, topic, 8);
AT(sy_publish_v1, type, 24);
AT(sy_publish_v1, data, 40);
AT(sy_publish_v1, id, 56);
AT(sy_publish_v1, priority, 72);
AT(sy_publish_v1, scope, 88);
AT(sy_publish_v1, internal, 104);
AT(sy_response_v1, status, 4);
AT(sy_response_v1, content_type, 8);
AT(sy_response_v1, headers, 24);
AT(sy_response_v1, header_count, 32);
AT(sy_response_v1, body, 40);
AT(sy_file_response_v1, root, 8);
AT(sy_file_response_v1, path, 24);
AT(sy_file_response_v1, content_type, 40);
AT(sy_file_response_v1, headers, 56);
AT(sy_file_response_v1, header_count, 64);
AT(sy_file_response_v1, max_bytes, 72);
AT(sy_sink, ctx, 0);
AT(sy_sink, write, 8);
AT(sy_host_v1, abi_major, 4);
AT(sy_host_v1, abi_minor, 8);
AT(sy_host_v1, ctx, 16);
AT(sy_host_v1, log, 24);
AT(sy_host_v1, now_ms, 32);
AT(sy_host_v1, frame_create, 40);
AT(sy_host_v1, frame_release, 48);
AT(sy_host_v1, send, 56);
AT(sy_host_v1, send_text, 64);
AT(sy_host_v1, broadcast, 72);
AT(sy_host_v1, close, 80);
AT(sy_host_v1, group, 88);
AT(sy_host_v1, group_add, 96);
AT(sy_host_v1, group_remove, 104);
AT(sy_host_v1, group_size, 112);
AT(sy_host_v1, conn_state_set, 120);
AT(sy_host_v1, conn_state_get, 128);
AT(sy_host_v1, conn_keepalive, 136);
AT(sy_host_v1, publish, 144);
AT(sy_host_v1, bus_replay, 152);
AT(sy_host_v1, timer_start, 160);
AT(sy_host_v1, timer_cancel, 168);
AT(sy_host_v1, request_header, 176);
AT(sy_host_v1, request_query, 184);
AT(sy_host_v1, request_cookie, 192);
AT(sy_host_v1, secure_equals, 200);
AT(sy_host_v1, origin_host_allowed, 208);
AT(sy_host_v1, respond, 216);
AT(sy_host_v1, respond_file, 224);
AT(sy_host_v1, follow_open, 232);
AT(sy_host_v1, follow_close, 240);
AT(sy_host_v1, state_load, 248);
AT(sy_host_v1, state_save, 256);
AT(sy_host_v1, state_remove, 264);
AT(sy_host_v1, group_transient, 272);
AT(sy_follow_v1, url, 8);
AT(sy_follow_v1, headers, 24);
AT(sy_follow_v1, header_count, 32);
AT(sy_follow_v1, last_event_id, 40);
AT(sy_follow_v1, tag, 56);
AT(sy_follow_v1, max_event_bytes, 64);
AT(sy_follow_v1, connect_timeout_ms, 72);
AT(sy_follow_v1, idle_timeout_ms, 76);
AT(sy_follow_event_v1, kind, 4);
AT(sy_follow_event_v1, tag, 8);
AT(sy_follow_event_v1, id, 16);
AT(sy_follow_event_v1, event, 32);
AT(sy_follow_event_v1, data, 48);
AT(sy_follow_event_v1, http_status, 64);
AT(sy_follow_event_v1, reason, 72);
AT(sy_route_v1, kind, 4);
AT(sy_route_v1, method, 8);
AT(sy_route_v1, path, 16);
AT(sy_endpoint_v1, name, 8);
AT(sy_endpoint_v1, default_listen, 16);
AT(sy_endpoint_v1, routes, 24);
AT(sy_endpoint_v1, route_count, 32);
AT(sy_endpoint_v1, max_message_bytes, 40);
AT(sy_endpoint_v1, max_queued_frames, 48);
AT(sy_endpoint_v1, max_queued_bytes, 56);
AT(sy_create_args_v1, config, 8);
AT(sy_create_args_v1, snapshot, 24);
AT(sy_create_args_v1, generation, 40);
AT(sy_plugin_v1, abi_major, 4);
AT(sy_plugin_v1, abi_minor, 8);
AT(sy_plugin_v1, name, 16);
AT(sy_plugin_v1, version, 24);
AT(sy_plugin_v1, description, 32);
AT(sy_plugin_v1, endpoints, 40);
AT(sy_plugin_v1, endpoint_count, 48);
AT(sy_plugin_v1, streams, 56);
AT(sy_plugin_v1, stream_count, 64);
AT(sy_plugin_v1, create, 72);
AT(sy_plugin_v1, destroy, 80);
AT(sy_plugin_v1, snapshot, 88);
AT(sy_plugin_v1, on_http, 96);
AT(sy_plugin_v1, on_accept, 104);
AT(sy_plugin_v1, on_open, 112);
AT(sy_plugin_v1, on_message, 120);
AT(sy_plugin_v1, on_close, 128);
AT(sy_plugin_v1, on_event, 136);
AT(sy_plugin_v1, on_timer, 144);
AT(sy_plugin_v1, on_shutdown, 152);
AT(sy_plugin_v1, on_follow, 160);
AT(sy_plugin_v1, on_state_saved, 168);
AT(sy_plugin_v1, on_upstream, 176);

/* -- signatures of the host functions ------------------------------------------------ */
SIGNATURE(sy_host_v1, log, void (*)(void*, sy_log_level, sy_str));
SIGNATURE(sy_host_v1, now_ms, int64_t (*)(void*));
SIGNATURE(sy_host_v1, frame_create, sy_frame* (*)(void*, sy_frame_kind, sy_str));
SIGNATURE(sy_host_v1, frame_release, void (*)(void*, sy_frame*));
SIGNATURE(sy_host_v1, send, sy_status (*)(void*, sy_conn_id, sy_frame*));
SIGNATURE(sy_host_v1, send_text, sy_status (*)(void*, sy_conn_id, sy_str));
SIGNATURE(sy_host_v1, broadcast, sy_status (*)(void*, sy_group_id, sy_frame*, sy_conn_id));
SIGNATURE(sy_host_v1, close, sy_status (*)(void*, sy_conn_id, uint16_t, sy_str));
SIGNATURE(sy_host_v1, group, sy_group_id (*)(void*, sy_str));
SIGNATURE(sy_host_v1, group_add, sy_status (*)(void*, sy_group_id, sy_conn_id));
SIGNATURE(sy_host_v1, group_remove, sy_status (*)(void*, sy_group_id, sy_conn_id));
SIGNATURE(sy_host_v1, group_size, size_t (*)(void*, sy_group_id));
SIGNATURE(sy_host_v1, conn_state_set, sy_status (*)(void*, sy_conn_id, sy_str));
SIGNATURE(sy_host_v1, conn_state_get, sy_str (*)(void*, sy_conn_id));
SIGNATURE(sy_host_v1, conn_keepalive, sy_status (*)(void*, sy_conn_id, uint32_t, uint32_t));
SIGNATURE(sy_host_v1, publish, sy_status (*)(void*, const sy_publish_v1*, uint64_t*));
SIGNATURE(sy_host_v1, bus_replay,
          sy_status (*)(void*, sy_str, uint64_t, sy_event_visitor, void*, int*, uint64_t*));
SIGNATURE(sy_host_v1, timer_start, sy_timer_id (*)(void*, uint64_t, uint64_t, uint64_t));
SIGNATURE(sy_host_v1, timer_cancel, sy_status (*)(void*, sy_timer_id));
SIGNATURE(sy_host_v1, request_header, sy_str (*)(const sy_request_v1*, sy_str));
SIGNATURE(sy_host_v1, request_query, int64_t (*)(const sy_request_v1*, sy_str, char*, size_t));
SIGNATURE(sy_host_v1, request_cookie, sy_str (*)(const sy_request_v1*, sy_str));
SIGNATURE(sy_host_v1, secure_equals, int (*)(sy_str, sy_str));
SIGNATURE(sy_host_v1, origin_host_allowed, int (*)(const sy_request_v1*, const sy_str*, size_t));
SIGNATURE(sy_host_v1, respond, sy_status (*)(void*, sy_request_id, const sy_response_v1*));
SIGNATURE(sy_host_v1, respond_file,
          sy_status (*)(void*, sy_request_id, const sy_file_response_v1*));
SIGNATURE(sy_host_v1, follow_open, sy_follow_id (*)(void*, const sy_follow_v1*));
SIGNATURE(sy_host_v1, follow_close, sy_status (*)(void*, sy_follow_id));
SIGNATURE(sy_host_v1, state_load, sy_str (*)(void*, sy_str));
SIGNATURE(sy_host_v1, state_save, sy_status (*)(void*, sy_str, sy_str, uint64_t));
SIGNATURE(sy_host_v1, state_remove, sy_status (*)(void*, sy_str, uint64_t));
SIGNATURE(sy_host_v1, group_transient, sy_group_id (*)(void*, sy_str));
SIGNATURE(sy_sink, write, void (*)(void*, const void*, size_t));

/* -- signatures of the hooks ---------------------------------------------------------- */
SIGNATURE(sy_plugin_v1, create,
          sy_status (*)(const sy_host_v1*, const sy_create_args_v1*, void**));
SIGNATURE(sy_plugin_v1, destroy, void (*)(void*));
SIGNATURE(sy_plugin_v1, snapshot, sy_status (*)(void*, const sy_sink*));
SIGNATURE(sy_plugin_v1, on_http, sy_status (*)(void*, const sy_request_v1*, sy_response_v1*));
SIGNATURE(sy_plugin_v1, on_accept, sy_status (*)(void*, const sy_request_v1*, sy_response_v1*));
SIGNATURE(sy_plugin_v1, on_open, sy_status (*)(void*, sy_conn_id, const sy_request_v1*));
SIGNATURE(sy_plugin_v1, on_message, sy_status (*)(void*, sy_conn_id, sy_frame_kind, sy_str));
SIGNATURE(sy_plugin_v1, on_close, void (*)(void*, sy_conn_id, uint16_t, sy_str));
SIGNATURE(sy_plugin_v1, on_event, sy_status (*)(void*, const sy_event_v1*));
SIGNATURE(sy_plugin_v1, on_timer, sy_status (*)(void*, sy_timer_id, uint64_t));
SIGNATURE(sy_plugin_v1, on_shutdown, void (*)(void*));
SIGNATURE(sy_plugin_v1, on_follow,
          sy_status (*)(void*, sy_follow_id, const sy_follow_event_v1*));
SIGNATURE(sy_plugin_v1, on_state_saved, sy_status (*)(void*, sy_str, uint64_t, sy_status));
SIGNATURE(sy_plugin_v1, on_upstream, sy_status (*)(void*, const sy_request_v1*, sy_response_v1*));
_Static_assert(__builtin_types_compatible_p(sy_entry_point_v1, const sy_plugin_v1* (*)(void)),
               "sy_entry_point_v1 changed type: ABI v1 broken");

/* -- the types of ids and statuses ----------------------------------------------------- */
_Static_assert(__builtin_types_compatible_p(sy_conn_id, uint64_t), "sy_conn_id changed");
_Static_assert(__builtin_types_compatible_p(sy_group_id, uint64_t), "sy_group_id changed");
_Static_assert(__builtin_types_compatible_p(sy_timer_id, uint64_t), "sy_timer_id changed");
_Static_assert(__builtin_types_compatible_p(sy_request_id, uint64_t), "sy_request_id changed");
_Static_assert(__builtin_types_compatible_p(sy_follow_id, uint64_t), "sy_follow_id changed");
_Static_assert(__builtin_types_compatible_p(sy_status, int32_t), "sy_status changed");
_Static_assert(sizeof(sy_log_level) == 4 && sizeof(sy_route_kind) == 4 &&
                   sizeof(sy_frame_kind) == 4 && sizeof(sy_follow_kind) == 4,
               "an ABI enum changed size");

/* -- values ------------------------------------------------------------------------------ */
VALUE(SY_OK, 0);
VALUE(SY_ERR_FAILED, -1);
VALUE(SY_ERR_INVALID, -2);
VALUE(SY_ERR_NOT_FOUND, -3);
VALUE(SY_ERR_CLOSED, -4);
VALUE(SY_ERR_FULL, -5);
VALUE(SY_ERR_UNSUPPORTED, -6);
VALUE(SY_ERR_WRONG_THREAD, -7);
VALUE(SY_ERR_DENIED, -8);
VALUE(SY_DEFERRED, 1);
VALUE(SY_LOG_TRACE, 0);
VALUE(SY_LOG_DEBUG, 1);
VALUE(SY_LOG_INFO, 2);
VALUE(SY_LOG_WARN, 3);
VALUE(SY_LOG_ERROR, 4);
VALUE(SY_ROUTE_HTTP, 1);
VALUE(SY_ROUTE_WEBSOCKET, 2);
VALUE(SY_ROUTE_SSE, 3);
VALUE(SY_ROUTE_UPSTREAM, 4);
VALUE(SY_FRAME_TEXT, 1);
VALUE(SY_FRAME_BINARY, 2);
VALUE(SY_FRAME_RAW, 3);
VALUE(SY_FOLLOW_OPEN, 1);
VALUE(SY_FOLLOW_EVENT, 2);
VALUE(SY_FOLLOW_CLOSED, 3);
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
    case 9: return sizeof(sy_file_response_v1);
    default: return 0;
    }
}

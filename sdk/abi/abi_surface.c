/* The ABI surface probe: a shared library whose exported functions reach every type of
 * switchyard/plugin.h, built with -g so that libabigail's abidw records each struct
 * (fields, offsets, sizes), enum (enumerators and values) and typedef of the ABI.
 * scripts/abi-check compiles it against the header being checked and compares what
 * abidw reads from it with the baselines committed here (sdk/abi/v1.<minor>.abi).
 *
 * The functions do nothing and are never called: only their signatures matter. Each
 * takes one ABI type, so a type missing from the probe is a type the check cannot see:
 * a type added to plugin.h gets its function here in the minor that adds it (behind
 * `#if SY_ABI_MINOR >= n`, so the probe still builds against older headers and records
 * their baselines).
 */
#include <switchyard/plugin.h>

/* The ABI's #define constants, which DWARF does not record, as enumerators that it
 * does: a value changed or a constant removed shows as a changed or removed enumerator,
 * a constant added as an added one. Each is guarded by #ifdef so that a removed macro
 * is reported by abidiff, not a compile error. SY_ABI_MINOR is left out: it changes
 * with every minor, and the check reads it from the header itself. */
enum sy_abi_constants {
    SY_ABI_CONST_MAJOR = SY_ABI_MAJOR,
#ifdef SY_OK
    SY_ABI_CONST_OK = SY_OK,
#endif
#ifdef SY_ERR_FAILED
    SY_ABI_CONST_ERR_FAILED = SY_ERR_FAILED,
#endif
#ifdef SY_ERR_INVALID
    SY_ABI_CONST_ERR_INVALID = SY_ERR_INVALID,
#endif
#ifdef SY_ERR_NOT_FOUND
    SY_ABI_CONST_ERR_NOT_FOUND = SY_ERR_NOT_FOUND,
#endif
#ifdef SY_ERR_CLOSED
    SY_ABI_CONST_ERR_CLOSED = SY_ERR_CLOSED,
#endif
#ifdef SY_ERR_FULL
    SY_ABI_CONST_ERR_FULL = SY_ERR_FULL,
#endif
#ifdef SY_ERR_UNSUPPORTED
    SY_ABI_CONST_ERR_UNSUPPORTED = SY_ERR_UNSUPPORTED,
#endif
#ifdef SY_ERR_WRONG_THREAD
    SY_ABI_CONST_ERR_WRONG_THREAD = SY_ERR_WRONG_THREAD,
#endif
#ifdef SY_ERR_DENIED
    SY_ABI_CONST_ERR_DENIED = SY_ERR_DENIED,
#endif
#ifdef SY_DEFERRED
    SY_ABI_CONST_DEFERRED = SY_DEFERRED,
#endif
    /* The entry point's name, by length: "switchyard_plugin_v1" is 20 characters. */
    SY_ABI_CONST_ENTRY_POINT_LEN = sizeof(SY_ENTRY_POINT_V1) - 1
};

/* -- 1.0 ------------------------------------------------------------------------------ */

SY_EXPORT void sy_abi_constants(enum sy_abi_constants value) {
    (void)value;
}
SY_EXPORT void sy_abi_plugin(const sy_plugin_v1* plugin) {
    (void)plugin;
}
SY_EXPORT void sy_abi_entry_point(sy_entry_point_v1 entry) {
    (void)entry;
}
SY_EXPORT void sy_abi_host(const sy_host_v1* host) {
    (void)host;
}
SY_EXPORT void sy_abi_create_args(const sy_create_args_v1* args) {
    (void)args;
}
SY_EXPORT void sy_abi_endpoint(const sy_endpoint_v1* endpoint) {
    (void)endpoint;
}
SY_EXPORT void sy_abi_route(const sy_route_v1* route) {
    (void)route;
}
SY_EXPORT void sy_abi_request(const sy_request_v1* request) {
    (void)request;
}
SY_EXPORT void sy_abi_response(const sy_response_v1* response) {
    (void)response;
}
SY_EXPORT void sy_abi_header(const sy_header* header) {
    (void)header;
}
SY_EXPORT void sy_abi_str(sy_str str) {
    (void)str;
}
SY_EXPORT void sy_abi_event(const sy_event_v1* event) {
    (void)event;
}
SY_EXPORT void sy_abi_event_visitor(sy_event_visitor visitor) {
    (void)visitor;
}
SY_EXPORT void sy_abi_publish(const sy_publish_v1* event) {
    (void)event;
}
SY_EXPORT void sy_abi_sink(const sy_sink* sink) {
    (void)sink;
}
SY_EXPORT void sy_abi_frame(const sy_frame* frame) {
    (void)frame;
}
SY_EXPORT void sy_abi_status(sy_status status) {
    (void)status;
}
SY_EXPORT void sy_abi_ids(sy_conn_id conn, sy_group_id group, sy_timer_id timer) {
    (void)conn;
    (void)group;
    (void)timer;
}
SY_EXPORT void sy_abi_log_level(sy_log_level level) {
    (void)level;
}
SY_EXPORT void sy_abi_route_kind(sy_route_kind kind) {
    (void)kind;
}
SY_EXPORT void sy_abi_frame_kind(sy_frame_kind kind) {
    (void)kind;
}

/* -- 1.1 ------------------------------------------------------------------------------ */
#if SY_ABI_MINOR >= 1
SY_EXPORT void sy_abi_request_id(sy_request_id request) {
    (void)request;
}
SY_EXPORT void sy_abi_file_response(const sy_file_response_v1* file) {
    (void)file;
}
#endif

/* -- 1.2 ------------------------------------------------------------------------------ */
#if SY_ABI_MINOR >= 2
SY_EXPORT void sy_abi_follow_id(sy_follow_id follow) {
    (void)follow;
}
SY_EXPORT void sy_abi_follow(const sy_follow_v1* follow) {
    (void)follow;
}
SY_EXPORT void sy_abi_follow_event(const sy_follow_event_v1* event) {
    (void)event;
}
SY_EXPORT void sy_abi_follow_kind(sy_follow_kind kind) {
    (void)kind;
}
#endif

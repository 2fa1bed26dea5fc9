/*
 * switchyard/host.h — conveniences for plugins written in C.
 *
 * plugin.h is the ABI: every host function is a pointer in sy_host_v1 that takes the
 * table's ctx first, so a call reads host->send_text(host->ctx, conn, text). This header
 * adds nothing to the ABI: it wraps each host function in a static inline function of the
 * same name with an sy_ prefix that takes the table itself (sy_send_text(host, conn,
 * text)), as SQLite's sqlite3ext.h lets an extension call sqlite3_api->fn by fn's usual
 * name. It also gives sy_str literals and comparisons, a printf-style log line and the
 * entry point macro. Everything here is inline: a plugin built with it exports only
 * switchyard_plugin_v1, as the ABI requires.
 *
 * C++ plugins use plugin.hpp instead (RAII frames, std::string_view, exceptions caught
 * at the boundary).
 *
 * The functions added by a minor version (respond: 1.1, follow_open: 1.2, state_save:
 * 1.3, ...) are called without checking host->abi_minor: a kernel refuses a plugin built
 * for a newer minor than it knows, so a loaded plugin always finds them in the table.
 */
#ifndef SWITCHYARD_HOST_H
#define SWITCHYARD_HOST_H

#include <switchyard/plugin.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* -- sy_str ------------------------------------------------------------------------- */

/* An sy_str of a string literal, without strlen: SY_STR("text/plain"). */
#define SY_STR(literal) sy_str_of("" literal, sizeof(literal) - 1)

/* An sy_str of `len` bytes at `ptr` (not copied). */
static inline sy_str sy_str_of(const char* ptr, size_t len) {
    sy_str s;
    s.ptr = ptr;
    s.len = len;
    return s;
}

/* An sy_str of a NUL-terminated string (not copied); NULL gives the empty string. */
static inline sy_str sy_cstr(const char* s) {
    return sy_str_of(s, s == NULL ? 0 : strlen(s));
}

/* 1 when the two strings hold the same bytes. */
static inline int sy_str_eq(sy_str a, sy_str b) {
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* 1 when `s` holds the bytes of the NUL-terminated `c`. */
static inline int sy_str_eq_cstr(sy_str s, const char* c) {
    return sy_str_eq(s, sy_cstr(c));
}

/* 1 when `s` begins with the NUL-terminated `prefix`. */
static inline int sy_str_starts_with(sy_str s, const char* prefix) {
    const size_t n = strlen(prefix);
    return s.len >= n && memcmp(s.ptr, prefix, n) == 0;
}

/* -- the entry point ------------------------------------------------------------------- */

/* Defines switchyard_plugin_v1() returning the address of `descriptor`, a static
 * sy_plugin_v1. Write it once, at file scope, after the descriptor. */
#define SY_PLUGIN_ENTRY(descriptor)                            \
    SY_EXPORT const sy_plugin_v1* switchyard_plugin_v1(void);  \
    SY_EXPORT const sy_plugin_v1* switchyard_plugin_v1(void) { \
        return &(descriptor);                                  \
    }

/* -- logging ---------------------------------------------------------------------------- */

/* [any] Logs `message` tagged with the plugin's name. */
static inline void sy_log(const sy_host_v1* host, sy_log_level level, sy_str message) {
    host->log(host->ctx, level, message);
}

/* [any] Logs a printf-style line of at most 511 bytes (a longer one is cut). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static inline void
sy_logf(const sy_host_v1* host, sy_log_level level, const char* format, ...) {
    char line[512];
    va_list args;
    va_start(args, format);
    int n = vsnprintf(line, sizeof line, format, args);
    va_end(args);
    if (n < 0) return;
    host->log(host->ctx, level,
              sy_str_of(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1));
}

/* [any] Wall-clock time in ms since the Unix epoch. */
static inline int64_t sy_now_ms(const sy_host_v1* host) {
    return host->now_ms(host->ctx);
}

/* -- frames and sending ----------------------------------------------------------------- */

/* [hooks] Encodes `payload` once; NULL when too large. The caller owns one reference. */
static inline sy_frame* sy_frame_create(const sy_host_v1* host, sy_frame_kind kind,
                                        sy_str payload) {
    return host->frame_create(host->ctx, kind, payload);
}

/* [hooks] Drops one reference the plugin owns. */
static inline void sy_frame_release(const sy_host_v1* host, sy_frame* frame) {
    host->frame_release(host->ctx, frame);
}

/* [hooks] Queues the frame on one connection (shared, not copied). */
static inline sy_status sy_send(const sy_host_v1* host, sy_conn_id conn, sy_frame* frame) {
    return host->send(host->ctx, conn, frame);
}

/* [hooks] Sends one text message (WebSocket) or raw bytes (SSE) to one connection. */
static inline sy_status sy_send_text(const sy_host_v1* host, sy_conn_id conn, sy_str text) {
    return host->send_text(host->ctx, conn, text);
}

/* [hooks] Queues the frame on every member of the group but `except` (0: none). */
static inline sy_status sy_broadcast(const sy_host_v1* host, sy_group_id group, sy_frame* frame,
                                     sy_conn_id except) {
    return host->broadcast(host->ctx, group, frame, except);
}

/* [hooks] frame_create + broadcast + frame_release: one text message to a whole group. */
static inline sy_status sy_broadcast_text(const sy_host_v1* host, sy_group_id group, sy_str text,
                                          sy_conn_id except) {
    sy_frame* frame = host->frame_create(host->ctx, SY_FRAME_TEXT, text);
    if (frame == NULL) return SY_ERR_INVALID;
    const sy_status status = host->broadcast(host->ctx, group, frame, except);
    host->frame_release(host->ctx, frame);
    return status;
}

/* [hooks] Closes a connection with a WebSocket close code and reason. */
static inline sy_status sy_close(const sy_host_v1* host, sy_conn_id conn, uint16_t code,
                                 sy_str reason) {
    return host->close(host->ctx, conn, code, reason);
}

/* -- groups ------------------------------------------------------------------------------ */

/* [hooks] The plugin's group of that name, created on first use; kept across reloads. */
static inline sy_group_id sy_group(const sy_host_v1* host, sy_str name) {
    return host->group(host->ctx, name);
}

/* [hooks] 1.3: a group forgotten when its last member leaves. */
static inline sy_group_id sy_group_transient(const sy_host_v1* host, sy_str name) {
    return host->group_transient(host->ctx, name);
}

/* [hooks] Adds a connection to a group. */
static inline sy_status sy_group_add(const sy_host_v1* host, sy_group_id group, sy_conn_id conn) {
    return host->group_add(host->ctx, group, conn);
}

/* [hooks] Removes a connection from a group. */
static inline sy_status sy_group_remove(const sy_host_v1* host, sy_group_id group,
                                        sy_conn_id conn) {
    return host->group_remove(host->ctx, group, conn);
}

/* [hooks] Number of open connections in the group. */
static inline size_t sy_group_size(const sy_host_v1* host, sy_group_id group) {
    return host->group_size(host->ctx, group);
}

/* -- per-connection state ------------------------------------------------------------------ */

/* [hooks] Stores bytes with the connection; they survive a reload. */
static inline sy_status sy_conn_state_set(const sy_host_v1* host, sy_conn_id conn, sy_str bytes) {
    return host->conn_state_set(host->ctx, conn, bytes);
}

/* [hooks] The bytes stored with the connection (empty if none). */
static inline sy_str sy_conn_state_get(const sy_host_v1* host, sy_conn_id conn) {
    return host->conn_state_get(host->ctx, conn);
}

/* [hooks] Pings the connection every interval_ms, closes it without a pong in timeout_ms. */
static inline sy_status sy_conn_keepalive(const sy_host_v1* host, sy_conn_id conn,
                                          uint32_t interval_ms, uint32_t timeout_ms) {
    return host->conn_keepalive(host->ctx, conn, interval_ms, timeout_ms);
}

/* -- the bus --------------------------------------------------------------------------------- */

/* [hooks] Publishes an event; its sequence number goes to *out_seq (may be NULL). */
static inline sy_status sy_publish(const sy_host_v1* host, const sy_publish_v1* event,
                                   uint64_t* out_seq) {
    return host->publish(host->ctx, event, out_seq);
}

/* [hooks] Visits the events of `stream` still held with seq > after_seq, oldest first. */
static inline sy_status sy_bus_replay(const sy_host_v1* host, sy_str stream, uint64_t after_seq,
                                      sy_event_visitor visit, void* user, int* out_gap,
                                      uint64_t* out_last_seq) {
    return host->bus_replay(host->ctx, stream, after_seq, visit, user, out_gap, out_last_seq);
}

/* -- timers ---------------------------------------------------------------------------------- */

/* [hooks] on_timer(tag) after delay_ms, then every interval_ms (0: once); 0 on failure. */
static inline sy_timer_id sy_timer_start(const sy_host_v1* host, uint64_t delay_ms,
                                         uint64_t interval_ms, uint64_t tag) {
    return host->timer_start(host->ctx, delay_ms, interval_ms, tag);
}

/* [hooks] Cancels a timer. */
static inline sy_status sy_timer_cancel(const sy_host_v1* host, sy_timer_id timer) {
    return host->timer_cancel(host->ctx, timer);
}

/* -- requests and auth (pure functions) ---------------------------------------------------- */

/* [any] The first header of that name (case-insensitive); empty if absent. */
static inline sy_str sy_request_header(const sy_host_v1* host, const sy_request_v1* request,
                                       const char* name) {
    return host->request_header(request, sy_cstr(name));
}

/* [any] A query parameter percent-decoded into buf; its length, or -1 (absent, too long). */
static inline int64_t sy_request_query(const sy_host_v1* host, const sy_request_v1* request,
                                       const char* name, char* buf, size_t buf_len) {
    return host->request_query(request, sy_cstr(name), buf, buf_len);
}

/* [any] A cookie's value; empty if absent. */
static inline sy_str sy_request_cookie(const sy_host_v1* host, const sy_request_v1* request,
                                       const char* name) {
    return host->request_cookie(request, sy_cstr(name));
}

/* [any] Compares two secrets in time that depends only on their lengths. */
static inline int sy_secure_equals(const sy_host_v1* host, sy_str a, sy_str b) {
    return host->secure_equals(a, b);
}

/* [any] 1 when the Origin header is absent or its host is one of `hosts`. */
static inline int sy_origin_host_allowed(const sy_host_v1* host, const sy_request_v1* request,
                                         const sy_str* hosts, size_t host_count) {
    return host->origin_host_allowed(request, hosts, host_count);
}

/* -- 1.1: deferred answers and files ----------------------------------------------------------- */

/* [hooks] Answers a request that on_http deferred (returned SY_DEFERRED). */
static inline sy_status sy_respond(const sy_host_v1* host, sy_request_id request,
                                   const sy_response_v1* response) {
    return host->respond(host->ctx, request, response);
}

/* [hooks] Answers a request with a file the kernel reads and sends. */
static inline sy_status sy_respond_file(const sy_host_v1* host, sy_request_id request,
                                        const sy_file_response_v1* file) {
    return host->respond_file(host->ctx, request, file);
}

/* -- 1.2: following another server's event stream -------------------------------------------- */

/* [hooks] Follows an SSE stream; on_follow hears OPEN, each EVENT, then CLOSED. 0: refused. */
static inline sy_follow_id sy_follow_open(const sy_host_v1* host, const sy_follow_v1* follow) {
    return host->follow_open(host->ctx, follow);
}

/* [hooks] Stops a follow at once. */
static inline sy_status sy_follow_close(const sy_host_v1* host, sy_follow_id follow) {
    return host->follow_close(host->ctx, follow);
}

/* -- 1.3: state kept on disk ----------------------------------------------------------------- */

/* [hooks] The value last saved under `key`, or {NULL, 0}. Never touches the disk. */
static inline sy_str sy_state_load(const sy_host_v1* host, const char* key) {
    return host->state_load(host->ctx, sy_cstr(key));
}

/* [hooks] Saves `value` under `key`; on_state_saved(key, tag) hears when it is durable. */
static inline sy_status sy_state_save(const sy_host_v1* host, const char* key, sy_str value,
                                      uint64_t tag) {
    return host->state_save(host->ctx, sy_cstr(key), value, tag);
}

/* [hooks] Removes `key`; on_state_saved(key, tag) hears when it is done. */
static inline sy_status sy_state_remove(const sy_host_v1* host, const char* key, uint64_t tag) {
    return host->state_remove(host->ctx, sy_cstr(key), tag);
}

#ifdef __cplusplus
}
#endif

#endif /* SWITCHYARD_HOST_H */

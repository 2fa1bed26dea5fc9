/*
 * switchyard/plugin.h — the Switchyard plugin ABI, version 1.
 *
 * Read this first if you write a protocol plugin. A plugin is a shared library that
 * exports exactly one function, switchyard_plugin_v1(), returning a descriptor
 * (sy_plugin_v1) of what the plugin serves and the hooks it implements. The kernel
 * owns every socket, thread and timer; the plugin owns its protocol: how a client
 * message is validated and answered, how a bus event becomes a wire frame, and its own
 * state. It talks to the kernel only through the host table (sy_host_v1) it is given.
 *
 * Rules of the ABI (they are what lets a plugin built against SDK 1.0 load into a
 * kernel of SDK 1.7, and be swapped while its clients stay connected):
 *  - C only: no STL type, no exception, no C++ class crosses the boundary.
 *  - Every struct passed across starts with `uint32_t struct_size`. Structs only grow
 *    by appending fields; a reader checks struct_size (SY_HAS_FIELD) before touching a
 *    field newer than the version it was built against.
 *  - Strings are sy_str views, not NUL-terminated, valid only for the call that hands
 *    them out. Copy what you keep.
 *  - Connections, groups and timers are opaque 64-bit ids, never pointers: they survive
 *    a reload, and a stale id is harmless (the host answers SY_ERR_NOT_FOUND).
 *  - Whoever allocates frees. Frames are created by the host (frame_create), are
 *    reference counted, and are sent to one connection or broadcast to a group without
 *    being copied.
 *  - Threading: the kernel never calls into one plugin instance concurrently, so a
 *    plugin needs no locks. Host functions may be called from any hook.
 *  - Errors: hooks return sy_status. A hook that fails on a connection closes that
 *    connection with 1011 (WebSocket) and the kernel carries on.
 *
 * Naming: sy_plugin_* hooks are implemented by the plugin, sy_host_* functions by the
 * kernel. Each type says who owns what on its `Ownership:` line.
 */
#ifndef SWITCHYARD_PLUGIN_H
#define SWITCHYARD_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI version. A kernel refuses a plugin of another major, or of a newer minor than it
 * knows. Minor versions only append fields and host functions. */
#define SY_ABI_MAJOR 1
#define SY_ABI_MINOR 0

/* The symbol every plugin exports (see SWITCHYARD_PLUGIN in plugin.hpp). */
#define SY_ENTRY_POINT_V1 "switchyard_plugin_v1"

/* True when a struct received across the ABI is large enough to hold `field`. */
#define SY_HAS_FIELD(ptr, type, field) \
    ((ptr)->struct_size >= offsetof(type, field) + sizeof(((type*)0)->field))

/* Export marker for the entry point (plugins are built with hidden visibility). */
#if defined(_WIN32)
#define SY_EXPORT __declspec(dllexport)
#else
#define SY_EXPORT __attribute__((visibility("default")))
#endif

/* ---------------------------------------------------------------------------------
 * Basic types
 * ------------------------------------------------------------------------------ */

/* A string or byte view. Ownership: the side that passes it; valid for the call. */
typedef struct sy_str {
    const char* ptr;
    size_t len;
} sy_str;

/* Opaque ids. 0 is never a valid id. */
typedef uint64_t sy_conn_id;  /* a client connection (WebSocket or SSE) */
typedef uint64_t sy_group_id; /* a set of connections the kernel fans out to */
typedef uint64_t sy_timer_id; /* a kernel timer that calls on_timer */

/* Result of a hook or a host function. */
typedef int32_t sy_status;
#define SY_OK 0
#define SY_ERR_FAILED (-1)      /* generic failure; the message was logged */
#define SY_ERR_INVALID (-2)     /* an argument is malformed */
#define SY_ERR_NOT_FOUND (-3)   /* unknown or stale id */
#define SY_ERR_CLOSED (-4)      /* the connection is closing or closed */
#define SY_ERR_FULL (-5)        /* a bounded queue is full; the frame was not queued */
#define SY_ERR_UNSUPPORTED (-6) /* not available in this kernel or on this transport */

/* Log levels, the same as spdlog's. */
typedef enum sy_log_level {
    SY_LOG_TRACE = 0,
    SY_LOG_DEBUG = 1,
    SY_LOG_INFO = 2,
    SY_LOG_WARN = 3,
    SY_LOG_ERROR = 4
} sy_log_level;

/* How a route is served. */
typedef enum sy_route_kind {
    SY_ROUTE_HTTP = 1,      /* a plain request answered by on_http */
    SY_ROUTE_WEBSOCKET = 2, /* an upgrade to a WebSocket connection */
    SY_ROUTE_SSE = 3        /* a long-lived text/event-stream response */
} sy_route_kind;

/* What a frame carries. */
typedef enum sy_frame_kind {
    SY_FRAME_TEXT = 1,   /* WebSocket text message (payload must be UTF-8) */
    SY_FRAME_BINARY = 2, /* WebSocket binary message */
    SY_FRAME_RAW = 3     /* bytes written as they are: SSE events and comments */
} sy_frame_kind;

/* A frame the kernel has encoded for the wire. Opaque; reference counted.
 * Ownership: the host. Each frame_create is matched by one frame_release. */
typedef struct sy_frame sy_frame;

/* ---------------------------------------------------------------------------------
 * What the kernel hands to hooks
 * ------------------------------------------------------------------------------ */

/* One HTTP header. Ownership: the host; valid for the call. */
typedef struct sy_header {
    sy_str name;
    sy_str value;
} sy_header;

/* An HTTP request: a plain request, a WebSocket upgrade or an SSE request.
 * Ownership: the host; valid for the call. */
typedef struct sy_request_v1 {
    uint32_t struct_size;
    sy_str method;           /* "GET", "POST", ... */
    sy_str target;           /* as sent: path and query, percent-encoded */
    sy_str path;             /* target before '?', still percent-encoded */
    sy_str query;            /* target after '?', without it; may be empty */
    const sy_header* headers;
    size_t header_count;
    sy_str body;             /* empty for upgrades and SSE requests */
    sy_str peer_address;     /* "127.0.0.1", "::1", ... */
    uint16_t peer_port;
    uint16_t local_port;     /* the port of the endpoint that accepted it */
    sy_str endpoint;         /* the endpoint's name, as declared by the plugin */
    uint32_t route_kind;     /* sy_route_kind of the matched route */
    uint32_t route_index;    /* index of the matched route in its endpoint */
} sy_request_v1;

/* A bus event delivered to on_event, or returned by bus_replay.
 * Ownership: the host; valid for the call. */
typedef struct sy_event_v1 {
    uint32_t struct_size;
    sy_str stream;     /* "clijaw" */
    sy_str topic;      /* "clijaw/agent"; equals stream when there is no subtopic */
    sy_str type;       /* the event type, "agent:spawned" */
    sy_str data;       /* JSON text of the event's data; "{}" when absent */
    sy_str id;         /* publisher's correlation id; empty when absent */
    sy_str priority;   /* empty when absent */
    sy_str scope;      /* JSON object text of the routing keys; empty when absent */
    uint32_t internal; /* 1 when visibility is "internal" */
    uint64_t seq;      /* per-stream sequence number, from 1 */
    int64_t ts;        /* ms since the Unix epoch, assigned by the bus */
} sy_event_v1;

/* An event a plugin publishes (host->publish). Ownership: the plugin; read during the
 * call. `data` and `scope` must be JSON text (data defaults to {} when empty). */
typedef struct sy_publish_v1 {
    uint32_t struct_size;
    sy_str topic;
    sy_str type;
    sy_str data;
    sy_str id;
    sy_str priority;
    sy_str scope;
    uint32_t internal;
} sy_publish_v1;

/* The plugin's answer to an HTTP request, an upgrade or an SSE request.
 * Ownership: the plugin. The host copies it as soon as the hook returns, before it
 * calls the instance again, so it may point into storage the instance reuses. For upgrades and SSE
 * requests, status 0 (or 101/200) accepts and any other status refuses with that
 * response. `headers` are extra headers (Set-Cookie, Location, ...). */
typedef struct sy_response_v1 {
    uint32_t struct_size;
    uint16_t status;
    sy_str content_type; /* default "application/json" when a body is set */
    const sy_header* headers;
    size_t header_count;
    sy_str body;
} sy_response_v1;

/* A byte sink the host hands to snapshot(). Ownership: the host. */
typedef struct sy_sink {
    void* ctx;
    void (*write)(void* ctx, const void* data, size_t len);
} sy_sink;

/* Called by bus_replay once per event, oldest first. */
typedef void (*sy_event_visitor)(void* user, const sy_event_v1* event);

/* ---------------------------------------------------------------------------------
 * The host table: what the kernel provides. Ownership: the host; valid for the life
 * of the instance it was given to. Every function takes the `ctx` of the table first.
 * ------------------------------------------------------------------------------ */

typedef struct sy_host_v1 {
    uint32_t struct_size;
    uint32_t abi_major;
    uint32_t abi_minor;
    void* ctx; /* pass back as the first argument of every function below */

    /* Logs a line tagged with the plugin's name. */
    void (*log)(void* ctx, sy_log_level level, sy_str message);
    /* Wall-clock time in ms since the Unix epoch. */
    int64_t (*now_ms)(void* ctx);

    /* -- frames and sending ------------------------------------------------------ */

    /* Encodes `payload` once as a frame of `kind`; returns NULL when it is too large.
     * The caller owns one reference. */
    sy_frame* (*frame_create)(void* ctx, sy_frame_kind kind, sy_str payload);
    /* Drops one reference. */
    void (*frame_release)(void* ctx, sy_frame* frame);
    /* Queues the frame on one connection (the frame is shared, not copied). */
    sy_status (*send)(void* ctx, sy_conn_id conn, sy_frame* frame);
    /* frame_create + send + frame_release in one call, for one-off replies. */
    sy_status (*send_text)(void* ctx, sy_conn_id conn, sy_str text);
    /* Queues the frame on every member of the group but `except` (0: none). One call
     * for any number of members: the plugin is not called per recipient. */
    sy_status (*broadcast)(void* ctx, sy_group_id group, sy_frame* frame,
                           sy_conn_id except);
    /* Closes a connection: WebSocket close code and reason; SSE ignores both. Frames
     * queued before are written first. */
    sy_status (*close)(void* ctx, sy_conn_id conn, uint16_t code, sy_str reason);

    /* -- groups ------------------------------------------------------------------- */

    /* The group of that name for this plugin, created on first use. The same name
     * gives the same id for the plugin's life, across reloads. A connection leaves
     * every group when it closes. */
    sy_group_id (*group)(void* ctx, sy_str name);
    sy_status (*group_add)(void* ctx, sy_group_id group, sy_conn_id conn);
    sy_status (*group_remove)(void* ctx, sy_group_id group, sy_conn_id conn);
    /* Number of open connections in the group. */
    size_t (*group_size)(void* ctx, sy_group_id group);

    /* -- per-connection state ----------------------------------------------------- */

    /* Stores bytes with the connection, kept by the kernel so they survive a reload.
     * Replaces what was stored before. */
    sy_status (*conn_state_set)(void* ctx, sy_conn_id conn, sy_str bytes);
    /* The bytes stored with the connection (empty if none); valid until the next
     * conn_state_set on it or until it closes. */
    sy_str (*conn_state_get)(void* ctx, sy_conn_id conn);
    /* Makes the kernel ping the connection every interval_ms and close it when no
     * pong arrives within timeout_ms (0, 0: off, the default). WebSocket only. */
    sy_status (*conn_keepalive)(void* ctx, sy_conn_id conn, uint32_t interval_ms,
                                uint32_t timeout_ms);

    /* -- the bus ------------------------------------------------------------------ */

    /* Publishes an event; the assigned sequence number goes to *out_seq (may be NULL). */
    sy_status (*publish)(void* ctx, const sy_publish_v1* event, uint64_t* out_seq);
    /* Visits the events of `stream` still held with seq > after_seq, oldest first.
     * *out_gap (may be NULL) is set to 1 when events after after_seq are no longer
     * held, or when after_seq is ahead of the stream; *out_last_seq (may be NULL) gets
     * the stream's latest sequence number. */
    sy_status (*bus_replay)(void* ctx, sy_str stream, uint64_t after_seq,
                            sy_event_visitor visit, void* user, int* out_gap,
                            uint64_t* out_last_seq);

    /* -- timers ------------------------------------------------------------------- */

    /* Calls on_timer(tag) after delay_ms, then every interval_ms when it is not 0.
     * Returns 0 on failure. Timers are owned by the kernel and survive a reload. */
    sy_timer_id (*timer_start)(void* ctx, uint64_t delay_ms, uint64_t interval_ms,
                               uint64_t tag);
    sy_status (*timer_cancel)(void* ctx, sy_timer_id timer);

    /* -- request and auth helpers (pure functions; ctx may be NULL) ------------------ */

    /* Value of the first header of that name (case-insensitive); empty if absent. */
    sy_str (*request_header)(const sy_request_v1* request, sy_str name);
    /* Value of a query parameter, percent-decoded into buf (at most buf_len bytes);
     * returns its length, or -1 when absent or longer than buf_len. */
    int64_t (*request_query)(const sy_request_v1* request, sy_str name, char* buf,
                             size_t buf_len);
    /* Value of a cookie from the Cookie header(s); empty if absent. */
    sy_str (*request_cookie)(const sy_request_v1* request, sy_str name);
    /* Compares two byte strings in time that depends only on their lengths. */
    int (*secure_equals)(sy_str a, sy_str b);
    /* 1 when the Origin header is absent or its host is one of `hosts`. */
    int (*origin_host_allowed)(const sy_request_v1* request, const sy_str* hosts,
                               size_t host_count);
} sy_host_v1;

/* ---------------------------------------------------------------------------------
 * The plugin descriptor: what the plugin provides.
 * ------------------------------------------------------------------------------ */

/* One route of an endpoint. `path` matches exactly, or as a prefix when it ends
 * with '*' ("/api/" followed by a star); "*" alone matches any path. `method` is "GET", "POST", ... or
 * "*" for any. Routes are tried in order. Ownership: the plugin; static. */
typedef struct sy_route_v1 {
    uint32_t struct_size;
    uint32_t kind; /* sy_route_kind */
    const char* method;
    const char* path;
} sy_route_v1;

/* One listening endpoint (a port). Ownership: the plugin; static. */
typedef struct sy_endpoint_v1 {
    uint32_t struct_size;
    const char* name;           /* "default", "core", "logs"; the config names it */
    const char* default_listen; /* "127.0.0.1:31415" */
    const sy_route_v1* routes;
    size_t route_count;
    uint64_t max_message_bytes; /* largest client message; 0: the kernel's 1 MiB */
    uint32_t max_queued_frames; /* write queue bound per connection; 0: 1024 */
} sy_endpoint_v1;

/* Arguments of create(). Ownership: the host; valid for the call. */
typedef struct sy_create_args_v1 {
    uint32_t struct_size;
    sy_str config;   /* JSON object of the plugin's config table (its own keys) */
    sy_str snapshot; /* state from the previous generation; empty on first start */
    uint64_t generation;
} sy_create_args_v1;

/* The descriptor returned by the entry point. Ownership: the plugin; static, valid
 * while the library is loaded. Every hook but create and destroy may be NULL. */
typedef struct sy_plugin_v1 {
    uint32_t struct_size;
    uint32_t abi_major; /* SY_ABI_MAJOR the plugin was built with */
    uint32_t abi_minor; /* SY_ABI_MINOR the plugin was built with */
    const char* name;   /* unique; matches [plugins.<name>] in the config */
    const char* version;
    const char* description;
    const sy_endpoint_v1* endpoints;
    size_t endpoint_count;
    /* Bus streams the plugin consumes ("groove", "clijaw"): on_event gets every event
     * of these streams, subtopics included. */
    const char* const* streams;
    size_t stream_count;

    /* Creates an instance. `host` stays valid until destroy. A non-zero status refuses
     * the start (or the reload) and the message goes to the log. */
    sy_status (*create)(const sy_host_v1* host, const sy_create_args_v1* args,
                        void** out_instance);
    /* Destroys the instance. No hook is called after it. */
    void (*destroy)(void* instance);
    /* Writes the instance's state for the next generation (reload). */
    sy_status (*snapshot)(void* instance, const sy_sink* out);

    /* A plain HTTP request on an SY_ROUTE_HTTP route. Fill *response. */
    sy_status (*on_http)(void* instance, const sy_request_v1* request,
                         sy_response_v1* response);
    /* A WebSocket upgrade or SSE request, before any byte is answered. Leave
     * response->status 0 to accept; set it (401, 403, 503 ...) to refuse. */
    sy_status (*on_accept)(void* instance, const sy_request_v1* request,
                           sy_response_v1* response);
    /* The connection is open (handshake written, or SSE headers written). The request
     * is the one that opened it. */
    sy_status (*on_open)(void* instance, sy_conn_id conn, const sy_request_v1* request);
    /* A complete client message. kind is SY_FRAME_TEXT or SY_FRAME_BINARY. */
    sy_status (*on_message)(void* instance, sy_conn_id conn, sy_frame_kind kind,
                            sy_str payload);
    /* The connection is gone; code is the close code (1006 when it just vanished). */
    void (*on_close)(void* instance, sy_conn_id conn, uint16_t code, sy_str reason);
    /* A bus event of one of the plugin's streams. */
    sy_status (*on_event)(void* instance, const sy_event_v1* event);
    /* A timer started with timer_start fired. */
    sy_status (*on_timer)(void* instance, sy_timer_id timer, uint64_t tag);
    /* The kernel is stopping: last chance to send goodbyes. The kernel then closes
     * every WebSocket with 1001 and every SSE stream. */
    void (*on_shutdown)(void* instance);
} sy_plugin_v1;

/* The one symbol a plugin exports. */
typedef const sy_plugin_v1* (*sy_entry_point_v1)(void);

#ifdef __cplusplus
}
#endif

#endif /* SWITCHYARD_PLUGIN_H */

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
 *  - Arrays of versioned structs that cross the boundary (the descriptor's endpoints,
 *    an endpoint's routes) are walked by each element's own struct_size, never by the
 *    reader's sizeof: a 1.0 plugin's sy_endpoint_v1 array is smaller per element than a
 *    1.1 kernel's, and is read correctly. Fill struct_size of every element.
 *  - Threading: the kernel never calls into one plugin instance concurrently, so a
 *    plugin needs no locks. Each host function says where it may be called from:
 *      [hooks]  only from inside one of this instance's own hooks (create, destroy and
 *               snapshot included), on the thread that called the hook. Called from
 *               anywhere else (a thread the plugin started, a static destructor) it does
 *               nothing, returns SY_ERR_WRONG_THREAD (or NULL, 0, an empty string) and
 *               the kernel logs a line naming the plugin.
 *      [any]    from any thread, at any time while the host table is valid.
 *  - Frames and ids are checked: a frame released twice or never created by the host,
 *    a stale connection, group or timer id, a frame of the wrong kind for the transport
 *    (a raw SSE frame to a WebSocket, a WebSocket frame to an SSE stream) get an error
 *    status and a log line naming the plugin; nothing reaches the wire.
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
 * knows. Minor versions only append fields and host functions; what each minor added is
 * marked "1.1:" (and so on) where it is declared.
 *   1.0  the first release.
 *   1.1  deferred HTTP answers and kernel-served files (sy_request_v1.request_id,
 *        SY_DEFERRED, respond, respond_file), sy_endpoint_v1.max_queued_bytes,
 *        sy_event_v1.gap, SY_ERR_WRONG_THREAD, SY_ERR_DENIED.
 *   1.2  outbound event streams the kernel follows for a plugin (sy_follow_v1,
 *        sy_follow_event_v1, follow_open, follow_close, on_follow): how a plugin reads
 *        another server's SSE without owning a socket.
 *   1.3  state the kernel keeps on disk for a plugin (state_load, state_save,
 *        state_remove, on_state_saved) and groups that go away when their last member
 *        leaves (group_transient).
 *   1.4  the upstream pass-through: a request no route serves goes to the product's own
 *        backend (the plugin's `upstream` in config) once on_upstream lets it pass
 *        (SY_ROUTE_UPSTREAM, on_upstream). */
#define SY_ABI_MAJOR 1
#define SY_ABI_MINOR 4

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
typedef uint64_t sy_conn_id;    /* a client connection (WebSocket or SSE) */
typedef uint64_t sy_group_id;   /* a set of connections the kernel fans out to */
typedef uint64_t sy_timer_id;   /* a kernel timer that calls on_timer */
typedef uint64_t sy_request_id; /* 1.1: an HTTP request awaiting a deferred answer */
typedef uint64_t sy_follow_id;  /* 1.2: an outbound event stream the kernel follows */

/* Result of a hook or a host function. */
typedef int32_t sy_status;
#define SY_OK 0
#define SY_ERR_FAILED (-1)      /* generic failure; the message was logged */
#define SY_ERR_INVALID (-2)     /* an argument is malformed */
#define SY_ERR_NOT_FOUND (-3)   /* unknown or stale id */
#define SY_ERR_CLOSED (-4)      /* the connection is closing or closed */
#define SY_ERR_FULL (-5)        /* a bounded queue is full; the frame was not queued */
#define SY_ERR_UNSUPPORTED (-6) /* not available in this kernel or on this transport */
#define SY_ERR_WRONG_THREAD (-7) /* 1.1: a [hooks] function called outside the plugin's hooks */
#define SY_ERR_DENIED (-8)       /* 1.1: not this plugin's to do (another plugin's stream) */
/* 1.1: returned by on_http (not an error): the plugin answers later, with respond() or
 * respond_file(), using request->request_id. Until then the client waits; the kernel
 * answers 504 itself if nothing comes within its deadline. */
#define SY_DEFERRED 1

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
    SY_ROUTE_SSE = 3,       /* a long-lived text/event-stream response */
    /* 1.4: a plain request the product's own backend answers: when the plugin's config
     * names an `upstream`, the kernel passes it there (once on_upstream lets it pass);
     * without one, on_http serves it as on an SY_ROUTE_HTTP route. Requests that no
     * route serves go upstream the same way. */
    SY_ROUTE_UPSTREAM = 4
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
    /* 1.1: names this request for respond()/respond_file(); non-zero on SY_ROUTE_HTTP
     * routes, 0 for upgrades and SSE requests. */
    sy_request_id request_id;
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
    /* 1.1: 1 when events of this stream published before this one never reached the
     * plugin (its queue was full): the same signal as bus_replay's out_gap. Replay from
     * the last seq you handled to recover what is still held. Always 0 in bus_replay. */
    uint32_t gap;
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

/* 1.1: A file the kernel sends as the answer to a request (respond_file). The kernel
 * reads it off the network threads and answers with its MIME type (from the extension,
 * unless content_type is set), Content-Length, Last-Modified and ETag; If-None-Match
 * gets 304, HEAD the headers alone, Range one 206 part or 416. `path` is looked up
 * under `root` one name at a time without following links out of it; "..", NUL, names
 * starting with '.', a folder, a missing or unreadable file, or one larger than
 * max_bytes (when not 0) get 404. Ownership: the plugin; read during the call. */
typedef struct sy_file_response_v1 {
    uint32_t struct_size;
    sy_str root;              /* an absolute folder */
    sy_str path;              /* '/'-separated path under root, percent-encoded as in a
                                 request target ("/css/app%20v2.css") */
    sy_str content_type;      /* empty: from the file name's extension */
    const sy_header* headers; /* extra headers (Cache-Control, ...) */
    size_t header_count;
    uint64_t max_bytes;       /* 0: no bound */
} sy_file_response_v1;

/* 1.2: An outbound Server-Sent Events stream for the kernel to follow (follow_open): it
 * connects, sends `GET <url>` with `Accept: text/event-stream`, Last-Event-ID and the
 * extra headers, parses the stream (chunked or not) and hands each event to on_follow.
 * Ownership: the plugin; read during the call. */
typedef struct sy_follow_v1 {
    uint32_t struct_size;
    sy_str url;                  /* "http://host:port/path?query" (http only; host a name
                                    or an address, "[::1]" for IPv6) */
    const sy_header* headers;    /* extra request headers (Authorization, ...) */
    size_t header_count;
    sy_str last_event_id;        /* sent as Last-Event-ID when not empty */
    uint64_t tag;                /* the plugin's own: handed back in every sy_follow_event_v1 */
    uint64_t max_event_bytes;    /* largest event (its data lines together); larger ends
                                    the follow. 0: 1 MiB */
    uint32_t connect_timeout_ms; /* to connect and read the response head; 0: 10 000 */
    uint32_t idle_timeout_ms;    /* ends the follow when no byte (event or comment) arrives
                                    for this long: finds a server that vanished. 0: never */
} sy_follow_v1;

/* 1.2: What on_follow reports. */
typedef enum sy_follow_kind {
    SY_FOLLOW_OPEN = 1,   /* the server answered 200 with text/event-stream */
    SY_FOLLOW_EVENT = 2,  /* one event, dispatched at its blank line */
    SY_FOLLOW_CLOSED = 3  /* the follow ended (refused, dropped, timed out, bad stream);
                             its id is dead. The kernel never reconnects by itself. */
} sy_follow_kind;

/* 1.2: One piece of news about a follow, handed to on_follow. Ownership: the host; valid
 * for the call. */
typedef struct sy_follow_event_v1 {
    uint32_t struct_size;
    uint32_t kind;         /* sy_follow_kind */
    uint64_t tag;          /* sy_follow_v1.tag */
    sy_str id;             /* EVENT: the stream's last event id (SSE keeps an id until
                              the next id: line); empty when none was sent */
    sy_str event;          /* EVENT: the event: field; empty when absent ("message") */
    sy_str data;           /* EVENT: the data: lines joined with '\n' */
    uint32_t http_status;  /* OPEN: 200. CLOSED: the status when the server refused
                              (not 200, or not text/event-stream), else 0 */
    sy_str reason;         /* CLOSED: why, for logs: "connection refused", "HTTP 503",
                              "end of stream", "idle for 45000 ms", "event too large" */
} sy_follow_event_v1;

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

    /* [any] Logs a line tagged with the plugin's name. */
    void (*log)(void* ctx, sy_log_level level, sy_str message);
    /* [any] Wall-clock time in ms since the Unix epoch. */
    int64_t (*now_ms)(void* ctx);

    /* -- frames and sending ------------------------------------------------------ */

    /* [hooks] Encodes `payload` once as a frame of `kind`; returns NULL when it is too
     * large. The caller owns one reference. */
    sy_frame* (*frame_create)(void* ctx, sy_frame_kind kind, sy_str payload);
    /* [hooks] Drops one reference the plugin owns. A frame the plugin holds no
     * reference to (released already, or never created) is left alone and logged. */
    void (*frame_release)(void* ctx, sy_frame* frame);
    /* [hooks] Queues the frame on one connection (the frame is shared, not copied).
     * SY_ERR_INVALID for a frame of the wrong kind for the connection's transport. */
    sy_status (*send)(void* ctx, sy_conn_id conn, sy_frame* frame);
    /* [hooks] frame_create + send + frame_release in one call, for one-off replies. */
    sy_status (*send_text)(void* ctx, sy_conn_id conn, sy_str text);
    /* [hooks] Queues the frame on every member of the group but `except` (0: none). One
     * call for any number of members: the plugin is not called per recipient. A frame
     * of the wrong kind for any member's transport is refused whole (SY_ERR_INVALID):
     * keep WebSocket and SSE connections in separate groups. */
    sy_status (*broadcast)(void* ctx, sy_group_id group, sy_frame* frame,
                           sy_conn_id except);
    /* [hooks] Closes a connection: WebSocket close code and reason; SSE ignores both.
     * Frames queued before are written first. */
    sy_status (*close)(void* ctx, sy_conn_id conn, uint16_t code, sy_str reason);

    /* -- groups ------------------------------------------------------------------- */

    /* [hooks] The group of that name for this plugin, created on first use. The same
     * name gives the same id for the plugin's life, across reloads. A connection leaves
     * every group when it closes. The group functions below are [hooks] too. */
    sy_group_id (*group)(void* ctx, sy_str name);
    sy_status (*group_add)(void* ctx, sy_group_id group, sy_conn_id conn);
    sy_status (*group_remove)(void* ctx, sy_group_id group, sy_conn_id conn);
    /* [hooks] Number of open connections in the group. */
    size_t (*group_size)(void* ctx, sy_group_id group);

    /* -- per-connection state ----------------------------------------------------- */

    /* [hooks] Stores bytes with the connection, kept by the kernel so they survive a
     * reload. Replaces what was stored before. */
    sy_status (*conn_state_set)(void* ctx, sy_conn_id conn, sy_str bytes);
    /* [hooks] The bytes stored with the connection (empty if none); valid until the
     * next conn_state_set on it or until it closes. */
    sy_str (*conn_state_get)(void* ctx, sy_conn_id conn);
    /* [hooks] Makes the kernel ping the connection every interval_ms and close it when
     * no pong arrives within timeout_ms (0, 0: off). WebSocket only. Overrides the
     * endpoint's keepalive (by default every 30 s, closed after 10 s without a pong). */
    sy_status (*conn_keepalive)(void* ctx, sy_conn_id conn, uint32_t interval_ms,
                                uint32_t timeout_ms);

    /* -- the bus ------------------------------------------------------------------ */

    /* [hooks] Publishes an event; the assigned sequence number goes to *out_seq (may be
     * NULL). A plugin publishes to its own streams ("<name>", "<name>/...") and to
     * "inbound/<name>" (and to what the deployment's config grants it); elsewhere
     * SY_ERR_DENIED. A scope.conn must name one of the plugin's own connections. */
    sy_status (*publish)(void* ctx, const sy_publish_v1* event, uint64_t* out_seq);
    /* [hooks] Visits the events of `stream` still held with seq > after_seq, oldest first.
     * *out_gap (may be NULL) is set to 1 when events after after_seq are no longer
     * held, or when after_seq is ahead of the stream; *out_last_seq (may be NULL) gets
     * the stream's latest sequence number. */
    sy_status (*bus_replay)(void* ctx, sy_str stream, uint64_t after_seq,
                            sy_event_visitor visit, void* user, int* out_gap,
                            uint64_t* out_last_seq);

    /* -- timers ------------------------------------------------------------------- */

    /* [hooks] Calls on_timer(tag) after delay_ms, then every interval_ms when it is not
     * 0. Returns 0 on failure. Timers are owned by the kernel and survive a reload. */
    sy_timer_id (*timer_start)(void* ctx, uint64_t delay_ms, uint64_t interval_ms,
                               uint64_t tag);
    sy_status (*timer_cancel)(void* ctx, sy_timer_id timer);

    /* -- request and auth helpers (pure functions; ctx may be NULL) ------------------ */
    /* All [any]: they read only their arguments. */

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

    /* -- 1.1: answering later, and files served by the kernel --------------------------
     * Check host->abi_minor >= 1 (or SY_HAS_FIELD(host, sy_host_v1, respond)) first. */

    /* [hooks] Answers a request that on_http deferred (returned SY_DEFERRED). The
     * response is copied during the call. SY_ERR_NOT_FOUND for an unknown id or one
     * answered already; SY_ERR_CLOSED when the client has gone. */
    sy_status (*respond)(void* ctx, sy_request_id request, const sy_response_v1* response);
    /* [hooks] Answers a request with a file (sy_file_response_v1), read and sent by the
     * kernel without blocking a network thread. From inside on_http, call it with
     * request->request_id and return SY_DEFERRED; or call it later for a deferred
     * request. Same statuses as respond. */
    sy_status (*respond_file)(void* ctx, sy_request_id request,
                              const sy_file_response_v1* file);

    /* -- 1.2: following another server's event stream ----------------------------------
     * Check host->abi_minor >= 2 (or SY_HAS_FIELD(host, sy_host_v1, follow_close)) first. */

    /* [hooks] Starts following an SSE stream (sy_follow_v1); the kernel owns the socket
     * and calls on_follow with OPEN, each EVENT, then one CLOSED. A follow survives a
     * reload (the next generation hears of it, like a timer) and ends when the plugin
     * stops. The kernel does not reconnect: on CLOSED, the plugin decides when to follow
     * again, with the last id it saw. Returns 0 for a malformed url (logged) or when the
     * plugin already follows the kernel's maximum (256 at once). */
    sy_follow_id (*follow_open)(void* ctx, const sy_follow_v1* follow);
    /* [hooks] Stops a follow at once; on_follow is not called for it again (not even
     * CLOSED). SY_ERR_NOT_FOUND for an unknown or ended follow. */
    sy_status (*follow_close)(void* ctx, sy_follow_id follow);

    /* -- 1.3: state kept on disk, and groups that do not outlive their members ---------
     * Check host->abi_minor >= 3 (or SY_HAS_FIELD(host, sy_host_v1, group_transient)) first. */

    /* [hooks] The value last saved under `key`, or {NULL, 0} when there is none. The
     * kernel reads the plugin's saved state (its folder in [kernel] state_dir) before
     * the first create() and keeps it in memory across reloads, so this never touches
     * the disk. The bytes stay valid until the hook returns or the key is saved again
     * (or removed). */
    sy_str (*state_load)(void* ctx, sy_str key);
    /* [hooks] Saves `value` under `key`: state_load sees it at once; the kernel writes it
     * off the hooks' thread, in call order, atomically (a crash leaves the old value or
     * the new one, never part of either), into a file only the server's user can read.
     * When the write is on disk (or failed), on_state_saved hears of it with `tag`: a
     * plugin that must not answer before the value is durable (a changed password)
     * defers its answer until then. A key is 1 to 64 characters of [A-Za-z0-9._-] not
     * starting with '.'; a value is at most 1 MiB. SY_ERR_INVALID for a bad key or a
     * value too large; SY_ERR_FULL past the plugin's bound (1024 keys, 64 MiB in all) or
     * when too many writes wait; SY_ERR_UNSUPPORTED when the kernel has no state_dir. */
    sy_status (*state_save)(void* ctx, sy_str key, sy_str value, uint64_t tag);
    /* [hooks] Removes `key` (its file too); on_state_saved hears of it with `tag`, as
     * for state_save. Removing a key that does not exist is not an error. */
    sy_status (*state_remove)(void* ctx, sy_str key, uint64_t tag);
    /* [hooks] Like group(), for groups that come and go with their members (a room, a
     * workspace): the group is forgotten when its last member leaves, or when the hook
     * that named it returns with nobody in it. Its id is then stale (SY_ERR_NOT_FOUND)
     * and the name, used again, makes a new group. Ten thousand rooms seen in a day
     * leave nothing behind. group() on the same name makes the group permanent. */
    sy_group_id (*group_transient)(void* ctx, sy_str name);
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
    /* 1.1: bytes that may wait in one connection's write queue before it is cut off as
     * a slow consumer; 0: twice the largest message (max_message_bytes), at least 1 MiB.
     * The config's max_queued_bytes overrides it. */
    uint64_t max_queued_bytes;
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

    /* A plain HTTP request on an SY_ROUTE_HTTP route. Fill *response and return SY_OK,
     * or return SY_DEFERRED (1.1) and answer later with respond or respond_file. */
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
    /* 1.2: News of a follow started with follow_open (sy_follow_event_v1). A status
     * other than SY_OK ends that follow (the plugin then hears CLOSED). A kernel reads
     * this field only from a descriptor whose struct_size holds it. */
    sy_status (*on_follow)(void* instance, sy_follow_id follow, const sy_follow_event_v1* event);
    /* 1.3: A state_save or state_remove with this `tag` reached the disk (SY_OK) or
     * could not (SY_ERR_FAILED, logged; the value stays in memory and the next save of
     * the key tries again). Read only from a descriptor whose struct_size holds it. */
    sy_status (*on_state_saved)(void* instance, sy_str key, uint64_t tag, sy_status result);
    /* 1.4: A plain HTTP request on its way to the plugin's `upstream` (the product's own
     * backend, named in the config): one on an SY_ROUTE_UPSTREAM route, or one that no
     * route serves. The kernel passes it on as a reverse proxy does, unless this hook
     * refuses it: apply the plugin's auth rules here. Leave response->status 0 to pass
     * the request on (response->headers are then added to the backend's answer: CORS
     * headers, say); set a status (401, 403, ...) and a body to answer it instead. The
     * body is not read yet (request->body is empty): the kernel streams it to the
     * upstream once the request has passed. request->route_kind is SY_ROUTE_UPSTREAM,
     * route_index the matched route's index (the endpoint's route_count when none
     * matched) and request_id 0. Requests on WebSocket and SSE routes, and WebSocket
     * upgrades that no route serves, are never passed on. A
     * plugin without this hook (NULL, or a descriptor too small to hold it) cannot be
     * given an upstream: the kernel refuses the config. */
    sy_status (*on_upstream)(void* instance, const sy_request_v1* request,
                             sy_response_v1* response);
} sy_plugin_v1;

/* The one symbol a plugin exports. */
typedef const sy_plugin_v1* (*sy_entry_point_v1)(void);

#ifdef __cplusplus
}
#endif

#endif /* SWITCHYARD_PLUGIN_H */

/* A plain C11 plugin built twice from this one source: against the frozen 1.0 header
 * (tests/abi/v1_0) and against the current SDK header. It stands for a third party's
 * plugin built against whichever SDK it had, and exercises what a newer kernel must
 * read correctly from an older descriptor: several endpoints and routes (arrays of
 * versioned structs whose element size differs between minors), each endpoint with its
 * own limits, and every route kind.
 *
 * Every endpoint answers in a way that names itself, so a test sees at once when the
 * kernel read one endpoint's declaration in place of another's:
 *   GET  /info      {"plugin", "endpoint", "route", "abi"}
 *   POST /echo/...  the request's path, prefixed with the endpoint name
 *   GET  /ws        WebSocket: each text message comes back as "<endpoint>:<message>"
 *   GET  /events    SSE: one event "data: <endpoint>" once open
 * PROBE_NAME names the plugin (-DPROBE_NAME="...").
 */
#include <switchyard/plugin.h>

#include <stdio.h>
#include <string.h>

#ifndef PROBE_NAME
#error "build with -DPROBE_NAME=\"...\""
#endif

static sy_str str(const char* s) {
    sy_str v = {s, strlen(s)};
    return v;
}

/* Each endpoint declares its routes in another order, so a misread route array shows. */
static const sy_route_v1 kAlphaRoutes[] = {
    {sizeof(sy_route_v1), SY_ROUTE_HTTP, "GET", "/info"},
    {sizeof(sy_route_v1), SY_ROUTE_WEBSOCKET, "GET", "/ws"},
    {sizeof(sy_route_v1), SY_ROUTE_SSE, "GET", "/events"},
    {sizeof(sy_route_v1), SY_ROUTE_HTTP, "POST", "/echo/*"},
};
static const sy_route_v1 kBetaRoutes[] = {
    {sizeof(sy_route_v1), SY_ROUTE_SSE, "GET", "/events"},
    {sizeof(sy_route_v1), SY_ROUTE_HTTP, "POST", "/echo/*"},
    {sizeof(sy_route_v1), SY_ROUTE_WEBSOCKET, "GET", "/ws"},
    {sizeof(sy_route_v1), SY_ROUTE_HTTP, "GET", "/info"},
};
static const sy_route_v1 kGammaRoutes[] = {
    {sizeof(sy_route_v1), SY_ROUTE_WEBSOCKET, "GET", "/ws"},
    {sizeof(sy_route_v1), SY_ROUTE_HTTP, "GET", "/info"},
    {sizeof(sy_route_v1), SY_ROUTE_HTTP, "POST", "/echo/*"},
    {sizeof(sy_route_v1), SY_ROUTE_SSE, "GET", "/events"},
};

/* Designated initializers: the same source compiles against a header with more fields.
 * Client messages may be 1000, 2000 and 3000 bytes long on alpha, beta and gamma. */
static const sy_endpoint_v1 kEndpoints[] = {
    {.struct_size = sizeof(sy_endpoint_v1), .name = "alpha", .default_listen = "127.0.0.1:0",
     .routes = kAlphaRoutes, .route_count = 4, .max_message_bytes = 1000},
    {.struct_size = sizeof(sy_endpoint_v1), .name = "beta", .default_listen = "127.0.0.1:0",
     .routes = kBetaRoutes, .route_count = 4, .max_message_bytes = 2000},
    {.struct_size = sizeof(sy_endpoint_v1), .name = "gamma", .default_listen = "127.0.0.1:0",
     .routes = kGammaRoutes, .route_count = 4, .max_message_bytes = 3000},
};

typedef struct probe {
    const sy_host_v1* host;
    char body[512];
} probe;

static probe g_probe; /* one instance at a time: the kernel never runs two at once here */

static sy_status probe_create(const sy_host_v1* host, const sy_create_args_v1* args,
                              void** out_instance) {
    (void)args;
    g_probe.host = host;
    *out_instance = &g_probe;
    return SY_OK;
}

static void probe_destroy(void* instance) {
    (void)instance;
}

static int starts_with(sy_str s, const char* prefix) {
    size_t n = strlen(prefix);
    return s.len >= n && memcmp(s.ptr, prefix, n) == 0;
}

static sy_status probe_on_http(void* instance, const sy_request_v1* request,
                               sy_response_v1* response) {
    probe* p = (probe*)instance;
    int n;
    if (starts_with(request->path, "/echo/")) {
        n = snprintf(p->body, sizeof p->body, "%.*s:%.*s", (int)request->endpoint.len,
                     request->endpoint.ptr, (int)request->path.len, request->path.ptr);
        response->content_type = str("text/plain");
    } else {
        n = snprintf(p->body, sizeof p->body,
                     "{\"plugin\":\"%s\",\"endpoint\":\"%.*s\",\"route\":%u,\"abi\":\"%d.%d\"}",
                     PROBE_NAME, (int)request->endpoint.len, request->endpoint.ptr,
                     (unsigned)request->route_index, SY_ABI_MAJOR, SY_ABI_MINOR);
    }
    if (n < 0 || (size_t)n >= sizeof p->body) return SY_ERR_FAILED;
    response->status = 200;
    response->body.ptr = p->body;
    response->body.len = (size_t)n;
    return SY_OK;
}

static sy_status probe_on_open(void* instance, sy_conn_id conn, const sy_request_v1* request) {
    probe* p = (probe*)instance;
    const sy_host_v1* host = p->host;
    sy_status status = host->conn_state_set(host->ctx, conn, request->endpoint);
    if (status != SY_OK || request->route_kind != SY_ROUTE_SSE) return status;
    int n = snprintf(p->body, sizeof p->body, "data: %.*s\n\n", (int)request->endpoint.len,
                     request->endpoint.ptr);
    sy_str event = {p->body, (size_t)n};
    sy_frame* frame = host->frame_create(host->ctx, SY_FRAME_RAW, event);
    if (frame == NULL) return SY_ERR_FAILED;
    status = host->send(host->ctx, conn, frame);
    host->frame_release(host->ctx, frame);
    return status;
}

static sy_status probe_on_message(void* instance, sy_conn_id conn, sy_frame_kind kind,
                                  sy_str payload) {
    probe* p = (probe*)instance;
    const sy_host_v1* host = p->host;
    static char reply[4096];
    sy_str endpoint = host->conn_state_get(host->ctx, conn);
    if (kind != SY_FRAME_TEXT || endpoint.len + 1 + payload.len > sizeof reply) {
        return SY_ERR_INVALID;
    }
    memcpy(reply, endpoint.ptr, endpoint.len);
    reply[endpoint.len] = ':';
    memcpy(reply + endpoint.len + 1, payload.ptr, payload.len);
    sy_str text = {reply, endpoint.len + 1 + payload.len};
    return host->send_text(host->ctx, conn, text);
}

static const sy_plugin_v1 kDescriptor = {
    .struct_size = sizeof(sy_plugin_v1),
    .abi_major = SY_ABI_MAJOR,
    .abi_minor = SY_ABI_MINOR,
    .name = PROBE_NAME,
    .version = "1.0.0",
    .description = "ABI compatibility probe",
    .endpoints = kEndpoints,
    .endpoint_count = sizeof kEndpoints / sizeof kEndpoints[0],
    .create = probe_create,
    .destroy = probe_destroy,
    .on_http = probe_on_http,
    .on_open = probe_on_open,
    .on_message = probe_on_message,
};

SY_EXPORT const sy_plugin_v1* switchyard_plugin_v1(void);
SY_EXPORT const sy_plugin_v1* switchyard_plugin_v1(void) {
    return &kDescriptor;
}

/* room: a chat room in plain C11, written against plugin.h and host.h alone.
 *
 * WebSocket GET /ws joins the room: the newcomer is greeted with
 * {"type":"welcome","members":N}, and every text message a member sends reaches every
 * other member as it was sent. GET /stats answers {"members":N,"messages":M}. The
 * message count is handed from one generation to the next across a hot reload
 * (snapshot, then create's args->snapshot), so a swap does not reset it.
 *
 * Copy this file to start a C plugin; sdk/examples/echo is the same in C++.
 */
#include <switchyard/host.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct room {
    const sy_host_v1* host;
    sy_group_id members;
    uint64_t messages; /* relayed since the first generation started */
    char body[128];    /* the last HTTP answer: the kernel copies it before the next hook */
} room;

static const sy_route_v1 kRoutes[] = {
    {.struct_size = sizeof(sy_route_v1),
     .kind = SY_ROUTE_WEBSOCKET,
     .method = "GET",
     .path = "/ws"},
    {.struct_size = sizeof(sy_route_v1), .kind = SY_ROUTE_HTTP, .method = "GET", .path = "/stats"},
};

static const sy_endpoint_v1 kEndpoints[] = {
    {.struct_size = sizeof(sy_endpoint_v1),
     .name = "default",
     .default_listen = "127.0.0.1:31401",
     .routes = kRoutes,
     .route_count = sizeof kRoutes / sizeof kRoutes[0],
     .max_message_bytes = 64 * 1024},
};

/* The previous generation's message count, or 0 on a first start or unreadable text. */
static uint64_t restored_count(sy_str snapshot) {
    char digits[24];
    if (snapshot.len == 0 || snapshot.len >= sizeof digits) return 0;
    memcpy(digits, snapshot.ptr, snapshot.len);
    digits[snapshot.len] = '\0';
    char* end = NULL;
    const unsigned long long n = strtoull(digits, &end, 10);
    return *end == '\0' ? (uint64_t)n : 0;
}

static sy_status room_create(const sy_host_v1* host, const sy_create_args_v1* args,
                             void** out_instance) {
    room* r = calloc(1, sizeof *r);
    if (r == NULL) return SY_ERR_FAILED;
    r->host = host;
    r->members = sy_group(host, SY_STR("members"));
    r->messages = restored_count(args->snapshot);
    sy_logf(host, SY_LOG_INFO, "room open (generation %" PRIu64 ", %" PRIu64 " messages so far)",
            args->generation, r->messages);
    *out_instance = r;
    return SY_OK;
}

static void room_destroy(void* instance) {
    free(instance);
}

/* The count, as decimal text: what the next generation's create reads back. */
static sy_status room_snapshot(void* instance, const sy_sink* out) {
    const room* r = instance;
    char digits[24];
    const int n = snprintf(digits, sizeof digits, "%" PRIu64, r->messages);
    out->write(out->ctx, digits, (size_t)n);
    return SY_OK;
}

static sy_status room_on_http(void* instance, const sy_request_v1* request,
                              sy_response_v1* response) {
    room* r = instance;
    (void)request; /* the only HTTP route is GET /stats */
    const int n = snprintf(r->body, sizeof r->body, "{\"members\":%zu,\"messages\":%" PRIu64 "}",
                           sy_group_size(r->host, r->members), r->messages);
    response->status = 200;
    response->body = sy_str_of(r->body, (size_t)n);
    return SY_OK;
}

static sy_status room_on_open(void* instance, sy_conn_id conn, const sy_request_v1* request) {
    room* r = instance;
    (void)request;
    const sy_status status = sy_group_add(r->host, r->members, conn);
    if (status != SY_OK) return status;
    char welcome[64];
    const int n = snprintf(welcome, sizeof welcome, "{\"type\":\"welcome\",\"members\":%zu}",
                           sy_group_size(r->host, r->members));
    return sy_send_text(r->host, conn, sy_str_of(welcome, (size_t)n));
}

static sy_status room_on_message(void* instance, sy_conn_id conn, sy_frame_kind kind,
                                 sy_str payload) {
    room* r = instance;
    if (kind != SY_FRAME_TEXT) {
        /* 1003: this endpoint takes text only. */
        return sy_close(r->host, conn, 1003, SY_STR("text messages only"));
    }
    ++r->messages;
    /* Encoded once, shared by every member's queue. */
    return sy_broadcast_text(r->host, r->members, payload, conn);
}

static const sy_plugin_v1 kDescriptor = {
    .struct_size = sizeof(sy_plugin_v1),
    .abi_major = SY_ABI_MAJOR,
    .abi_minor = SY_ABI_MINOR,
    .name = "room",
    .version = "1.0.0",
    .description = "A chat room (SDK example in C)",
    .endpoints = kEndpoints,
    .endpoint_count = sizeof kEndpoints / sizeof kEndpoints[0],
    .create = room_create,
    .destroy = room_destroy,
    .snapshot = room_snapshot,
    .on_http = room_on_http,
    .on_open = room_on_open,
    .on_message = room_on_message,
};

SY_PLUGIN_ENTRY(kDescriptor)

// A plugin that misuses the host table on command, to check that the kernel refuses each
// misuse with a status and a log line and corrupts nothing (plugin.h: "Frames and ids
// are checked", the [hooks] thread rule, the publish lanes). Written against plugin.h
// alone, since the C++ wrapper would not let it make these mistakes.
//
// Endpoint "default": WebSocket /ws and SSE /events. A WebSocket client sends one
// command per text message and gets back "<command> <status>":
//   double_release   frame_create, frame_release twice, then send the released frame
//   forged_frame     send a pointer the host never handed out
//   stale_conn       send_text and close to a connection id that was never open
//   stale_group      broadcast to and group_add into a group id never made
//   raw_to_ws        a raw (SSE) frame sent to this WebSocket
//   text_to_sse      a text frame sent to the newest SSE connection
//   mixed_broadcast  a text frame broadcast to a group holding this WebSocket and the
//                    newest SSE connection
//   other_thread     send_text to this connection from a thread the plugin starts
//   publish <topic>  publish an event to <topic>
//   scope <conn>     publish to inbound/host_misuse with scope.conn = "<conn>"
//   spin <ms>        busy for <ms> milliseconds inside the hook
//   echo <text>      replies "echo <text>" (the connection still works)
//   whoami           replies "whoami <this connection's id>"
//   burst <n>        publishes n events to its own stream host_misuse, all within this
//                    hook: past 65,536 its own queue is full and the rest are lost
//   events           replies "events <received> <gaps> <seq of the first event with gap>"
//                    about the bus events of stream host_misuse it was given
#include <switchyard/plugin.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>

namespace {

sy_str str(std::string_view s) {
    return sy_str{s.data(), s.size()};
}

struct Instance {
    const sy_host_v1* host = nullptr;
    sy_conn_id newest_sse = 0;
    uint64_t events = 0;
    uint64_t gaps = 0;
    uint64_t first_gap_seq = 0;
};

sy_status create(const sy_host_v1* host, const sy_create_args_v1*, void** out_instance) {
    auto* instance = new Instance;
    instance->host = host;
    *out_instance = instance;
    return SY_OK;
}

void destroy(void* instance) {
    delete static_cast<Instance*>(instance);
}

sy_status on_open(void* instance, sy_conn_id conn, const sy_request_v1* request) {
    if (request->route_kind == SY_ROUTE_SSE) static_cast<Instance*>(instance)->newest_sse = conn;
    return SY_OK;
}

sy_status on_event(void* instance, const sy_event_v1* event) {
    auto& self = *static_cast<Instance*>(instance);
    ++self.events;
    if (SY_HAS_FIELD(event, sy_event_v1, gap) && event->gap != 0) {
        if (self.gaps++ == 0) self.first_gap_seq = event->seq;
    }
    return SY_OK;
}

sy_status publish(const sy_host_v1* h, std::string_view topic, std::string_view scope) {
    sy_publish_v1 event{};
    event.struct_size = sizeof event;
    event.topic = str(topic);
    event.type = str("misuse");
    event.data = str("{}");
    event.scope = str(scope);
    return h->publish(h->ctx, &event, nullptr);
}

sy_status run(Instance& self, sy_conn_id conn, std::string_view command, std::string_view arg) {
    const sy_host_v1* h = self.host;
    void* ctx = h->ctx;
    if (command == "double_release") {
        sy_frame* frame = h->frame_create(ctx, SY_FRAME_TEXT, str("released"));
        h->frame_release(ctx, frame);
        h->frame_release(ctx, frame);
        return h->send(ctx, conn, frame);
    }
    if (command == "forged_frame") {
        alignas(64) static unsigned char junk[256] = {0xff};
        return h->send(ctx, conn, reinterpret_cast<sy_frame*>(junk));
    }
    if (command == "stale_conn") {
        const sy_status sent = h->send_text(ctx, 0x7fffffff00, str("to nobody"));
        const sy_status closed = h->close(ctx, 0x7fffffff00, 1000, str(""));
        return sent == closed ? sent : SY_ERR_FAILED;
    }
    if (command == "stale_group") {
        sy_frame* frame = h->frame_create(ctx, SY_FRAME_TEXT, str("to no group"));
        const sy_status sent = h->broadcast(ctx, 0x7fffffff00, frame, 0);
        h->frame_release(ctx, frame);
        const sy_status added = h->group_add(ctx, 0x7fffffff00, conn);
        return sent == added ? sent : SY_ERR_FAILED;
    }
    if (command == "raw_to_ws") {
        sy_frame* frame = h->frame_create(ctx, SY_FRAME_RAW, str("data: raw\n\n"));
        const sy_status status = h->send(ctx, conn, frame);
        h->frame_release(ctx, frame);
        return status;
    }
    if (command == "text_to_sse") {
        sy_frame* frame = h->frame_create(ctx, SY_FRAME_TEXT, str("a websocket message"));
        const sy_status status = h->send(ctx, self.newest_sse, frame);
        h->frame_release(ctx, frame);
        return status;
    }
    if (command == "mixed_broadcast") {
        const sy_group_id group = h->group(ctx, str("mixed"));
        h->group_add(ctx, group, conn);
        h->group_add(ctx, group, self.newest_sse);
        sy_frame* frame = h->frame_create(ctx, SY_FRAME_TEXT, str("to a mixed group"));
        const sy_status status = h->broadcast(ctx, group, frame, 0);
        h->frame_release(ctx, frame);
        h->group_remove(ctx, group, conn);
        return status;
    }
    if (command == "other_thread") {
        sy_status status = SY_OK;
        std::thread([&] { status = h->send_text(ctx, conn, str("from a plugin thread")); }).join();
        return status;
    }
    if (command == "publish") return publish(h, arg, "");
    if (command == "burst") {
        const long n = std::atol(std::string(arg).c_str());
        for (long i = 0; i < n; ++i) {
            if (const sy_status status = publish(h, "host_misuse", ""); status != SY_OK)
                return status;
        }
        return SY_OK;
    }
    if (command == "scope") {
        return publish(h, "inbound/host_misuse", "{\"conn\":\"" + std::string(arg) + "\"}");
    }
    if (command == "spin") {
        const auto until = std::chrono::steady_clock::now() +
                           std::chrono::milliseconds(std::atoi(std::string(arg).c_str()));
        while (std::chrono::steady_clock::now() < until) {}
        return SY_OK;
    }
    if (command == "echo" || command == "whoami" || command == "events") return SY_OK;
    return SY_ERR_INVALID;
}

sy_status on_message(void* instance, sy_conn_id conn, sy_frame_kind, sy_str payload) {
    auto& self = *static_cast<Instance*>(instance);
    const std::string_view message(payload.ptr, payload.len);
    const auto space = message.find(' ');
    const std::string_view command = message.substr(0, space);
    const std::string_view arg = space == std::string_view::npos ? "" : message.substr(space + 1);
    const sy_status status = run(self, conn, command, arg);
    std::string reply = std::string(command) + " " + std::to_string(status);
    if (command == "echo") reply = std::string(message);
    if (command == "whoami") reply = "whoami " + std::to_string(conn);
    if (command == "events") {
        reply = "events " + std::to_string(self.events) + " " + std::to_string(self.gaps) + " " +
                std::to_string(self.first_gap_seq);
    }
    return self.host->send_text(self.host->ctx, conn, str(reply));
}

constexpr sy_route_v1 kRoutes[] = {
    {sizeof(sy_route_v1), SY_ROUTE_WEBSOCKET, "GET", "/ws"},
    {sizeof(sy_route_v1), SY_ROUTE_SSE, "GET", "/events"},
};
constexpr sy_endpoint_v1 kEndpoints[] = {
    {sizeof(sy_endpoint_v1), "default", "127.0.0.1:0", kRoutes, 2, 0, 0, 0},
};

constexpr const char* kStreams[] = {"host_misuse"};

constexpr sy_plugin_v1 descriptor() {
    sy_plugin_v1 d{};
    d.struct_size = sizeof(sy_plugin_v1);
    d.abi_major = SY_ABI_MAJOR;
    d.abi_minor = SY_ABI_MINOR;
    d.name = "host_misuse";
    d.version = "0.0.1";
    d.description = "misuses the host table on command";
    d.endpoints = kEndpoints;
    d.endpoint_count = 1;
    d.create = &create;
    d.destroy = &destroy;
    d.on_open = &on_open;
    d.on_message = &on_message;
    d.on_event = &on_event;
    d.streams = kStreams;
    d.stream_count = 1;
    return d;
}

} // namespace

extern "C" SY_EXPORT const sy_plugin_v1* switchyard_plugin_v1(void);
extern "C" SY_EXPORT const sy_plugin_v1* switchyard_plugin_v1(void) {
    static constexpr sy_plugin_v1 kDescriptor = descriptor();
    return &kDescriptor;
}

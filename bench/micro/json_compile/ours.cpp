// A plugin's TU with the SDK's json.hpp: parse a JARVIS chat message, read two fields,
// build the status reply and serialize it (measure.sh times compiling it).
#include <switchyard/json.hpp>

#include <cstring>
#include <string>

namespace json = switchyard::json;

extern "C" __attribute__((visibility("default"))) size_t probe(const char* text, size_t size,
                                                               char* out, size_t capacity) {
    const std::optional<json::Value> message =
        json::parse(std::string_view(text, size), nullptr, json::ParseLimits{16, 20'000});
    if (!message || !message->is_object()) return 0;
    const json::Value* type = message->find("type");
    const json::Value* id = message->find("id");
    if (type == nullptr || !type->is_string()) return 0;
    json::Value payload;
    payload.set("status", "ok");
    payload.set("service", "websocket");
    payload.set("clients", 3);
    json::Value reply;
    reply.set("type", "status");
    reply.set("payload", std::move(payload));
    if (id != nullptr) reply.set("id", *id);
    reply.set("timestamp", int64_t{1710000000123});
    const std::string text_out = json::serialize(reply);
    if (text_out.size() > capacity) return 0;
    std::memcpy(out, text_out.data(), text_out.size());
    return text_out.size();
}

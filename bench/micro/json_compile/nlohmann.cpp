// The same plugin TU with nlohmann-json (header-only).
#include <nlohmann/json.hpp>

#include <cstring>
#include <string>

extern "C" __attribute__((visibility("default"))) size_t probe(const char* text, size_t size,
                                                               char* out, size_t capacity) {
    const nlohmann::ordered_json message =
        nlohmann::ordered_json::parse(std::string_view(text, size), nullptr, false);
    if (message.is_discarded() || !message.is_object()) return 0;
    const auto type = message.find("type");
    const auto id = message.find("id");
    if (type == message.end() || !type->is_string()) return 0;
    nlohmann::ordered_json reply;
    reply["type"] = "status";
    reply["payload"] = {{"status", "ok"}, {"service", "websocket"}, {"clients", 3}};
    if (id != message.end()) reply["id"] = *id;
    reply["timestamp"] = int64_t{1710000000123};
    std::string text_out;
    try {
        text_out = reply.dump(); // throws on invalid UTF-8 in a string
    } catch (const std::exception&) {
        return 0;
    }
    if (text_out.size() > capacity) return 0;
    std::memcpy(out, text_out.data(), text_out.size());
    return text_out.size();
}

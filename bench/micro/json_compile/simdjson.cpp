// The same plugin TU with simdjson 3.0.1 (linked: -lsimdjson). 3.0.1 has no builder: the
// reply is written with simdjson's parse and hand-written text (its string escaping is
// internal), so this TU shows the include's cost, not a complete plugin.
#include <simdjson.h>

#include <cstring>
#include <string>

extern "C" __attribute__((visibility("default"))) size_t probe(const char* text, size_t size,
                                                               char* out, size_t capacity) {
    static simdjson::dom::parser parser;
    simdjson::dom::element message;
    if (parser.parse(text, size).get(message) != simdjson::SUCCESS) return 0;
    std::string_view type;
    if (message["type"].get_string().get(type) != simdjson::SUCCESS) return 0;
    std::string text_out = R"({"type":"status","payload":{"status":"ok","service":"websocket",)"
                           R"("clients":3})";
    simdjson::dom::element id;
    if (message["id"].get(id) == simdjson::SUCCESS) text_out += ",\"id\":" + simdjson::minify(id);
    text_out += ",\"timestamp\":1710000000123}";
    if (text_out.size() > capacity) return 0;
    std::memcpy(out, text_out.data(), text_out.size());
    return text_out.size();
}

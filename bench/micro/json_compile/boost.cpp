// The same plugin TU with Boost.JSON (linked: -lboost_json).
#include <boost/json.hpp>

#include <cstring>
#include <string>

extern "C" __attribute__((visibility("default"))) size_t probe(const char* text, size_t size,
                                                               char* out, size_t capacity) {
    boost::system::error_code ec;
    boost::json::parse_options options;
    options.max_depth = 16;
    const boost::json::value message =
        boost::json::parse(boost::json::string_view(text, size), ec, {}, options);
    if (ec || !message.is_object()) return 0;
    const boost::json::value* type = message.as_object().if_contains("type");
    const boost::json::value* id = message.as_object().if_contains("id");
    if (type == nullptr || !type->is_string()) return 0;
    boost::json::object reply;
    reply["type"] = "status";
    reply["payload"] = {{"status", "ok"}, {"service", "websocket"}, {"clients", 3}};
    if (id != nullptr) reply["id"] = *id;
    reply["timestamp"] = int64_t{1710000000123};
    const std::string text_out = boost::json::serialize(reply);
    if (text_out.size() > capacity) return 0;
    std::memcpy(out, text_out.data(), text_out.size());
    return text_out.size();
}

#include "groove_protocol.hpp"

#include <switchyard/json.hpp>

namespace switchyard::groove {

void append_event_message(std::string& out, std::string_view type, std::string_view data_json) {
    out += R"({"event":)";
    json::append_escaped(out, type);
    out += R"(,"data":)";
    out += data_json.empty() ? std::string_view("{}") : data_json;
    out += '}';
}

std::string event_message(std::string_view type, std::string_view data_json) {
    std::string out;
    append_event_message(out, type, data_json);
    return out;
}

} // namespace switchyard::groove

#include "groove_protocol.hpp"

#include <switchyard/json.hpp>
#include <switchyard/json_splice.hpp>

#include <algorithm>
#include <iterator>

namespace switchyard::groove {
namespace {

// A GUI message is a flat object ({type, id, data, cols, rows, path...}): a deep or wide
// one is nobody's and is not worth a large DOM.
constexpr json::ParseLimits kClientLimits{json::kMaxDepth, 10'000};

bool is_client_type(std::string_view type) {
    return std::find(std::begin(kClientTypes), std::end(kClientTypes), type) !=
           std::end(kClientTypes);
}

} // namespace

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

bool append_daemon_message(std::string& out, std::string_view type, std::string_view data_json) {
    const size_t start = out.size();
    out += R"({"type":)";
    json::append_escaped(out, type);
    if (json::splice_data(out, data_json.empty() ? std::string_view("{}") : data_json,
                          [](std::string_view key) { return key == "type"; }))
        return true;
    out.resize(start);
    return false;
}

ClientMessage read_client_message(std::string_view payload) {
    ClientMessage message;
    std::string error;
    bool over_limit = false;
    const std::optional<json::Value> value =
        json::parse(payload, &error, kClientLimits, &over_limit);
    if (!value) {
        message.problem = (over_limit ? "too complex: " : "not JSON: ") + error;
        return message;
    }
    if (!value->is_object()) {
        message.problem = "not a JSON object";
        return message;
    }
    const json::Value* type = value->find("type");
    if (type == nullptr || !type->is_string()) {
        message.problem = "no string type";
        return message;
    }
    if (!is_client_type(type->as_string())) {
        message.problem = "unknown type";
        return message;
    }
    // The daemon drops these (prototype pollution): a backend in JavaScript may rely on it.
    if (value->find("__proto__") != nullptr || value->find("constructor") != nullptr) {
        message.problem = "a __proto__ or constructor member";
        return message;
    }
    message.accepted = true;
    message.type = type->as_string();
    return message;
}

std::string closed_data(uint16_t code) {
    return R"({"code":)" + std::to_string(code) + "}";
}

} // namespace switchyard::groove
